"""The word forms of the records' search vectors, kept by triggers: a prefix in a query is searched
as the exact forms it stands for (see `archive.search.exact_prefixes`). Filled from the records
archived so far."""

from django.db import migrations, models

# After an insert, the statement's new records as a set; after an update of a vector, the row
# (an update cannot name its column and see the statement's rows at once). In the word forms'
# order, so that two writers adding the same new forms wait for each other instead of deadlocking.
FORWARD = """
-- The primary key's C collation already orders the forms for a prefix's range.
DROP INDEX IF EXISTS archive_searchlexeme_lexeme_bb287c3c_like;

CREATE FUNCTION archive_search_lexemes_of_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO archive_searchlexeme (lexeme)
  SELECT DISTINCT l FROM inserted_records, unnest(tsvector_to_array(search_vector)) l
   WHERE search_vector IS NOT NULL ORDER BY l
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER archive_record_search_lexemes_insert AFTER INSERT ON archive_record
  REFERENCING NEW TABLE AS inserted_records FOR EACH STATEMENT
  EXECUTE FUNCTION archive_search_lexemes_of_inserted();

CREATE FUNCTION archive_search_lexemes_of_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO archive_searchlexeme (lexeme)
  SELECT DISTINCT l FROM unnest(tsvector_to_array(NEW.search_vector)) l ORDER BY l
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER archive_record_search_lexemes_update AFTER UPDATE OF search_vector ON archive_record
  FOR EACH ROW WHEN (NEW.search_vector IS NOT NULL AND NEW.search_vector IS DISTINCT FROM OLD.search_vector)
  EXECUTE FUNCTION archive_search_lexemes_of_updated();

"""


def fill(apps, schema_editor):
    from archive.search import search_lexemes_fill

    with schema_editor.connection.cursor() as cursor:
        search_lexemes_fill(cursor)


BACKWARD = """
DROP TRIGGER archive_record_search_lexemes_insert ON archive_record;
DROP TRIGGER archive_record_search_lexemes_update ON archive_record;
DROP FUNCTION archive_search_lexemes_of_inserted();
DROP FUNCTION archive_search_lexemes_of_updated();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0018_search_word_without_covered_alternatives'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchLexeme',
            fields=[
                ('lexeme', models.TextField(db_collation='C', primary_key=True, serialize=False)),
            ],
            options={
                'verbose_name': 'search word form',
                'verbose_name_plural': 'search word forms',
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
