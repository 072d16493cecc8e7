"""Swedish search: the smgov_swedish text-search configuration (ispell from hunspell-sv with the
Snowball stemmer behind it), trigram indexes on author names and handles, and the records'
search vectors recomputed with the new configuration."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


def install_configuration(apps, schema_editor):
    from archive.search import install_search_configuration

    with schema_editor.connection.cursor() as cursor:
        install_search_configuration(cursor, config="smgov_swedish", dictionary="sv_ispell", dict_file="sv_se")


def reindex(apps, schema_editor):
    from archive.search import record_search_vector

    Record = apps.get_model("archive", "Record")
    # Plain text can be indexed in SQL; HTML is reduced to its text in Python, as on ingest.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE archive_record SET search_vector = "
            "setweight(to_tsvector('smgov_swedish', text), 'A') || "
            "setweight(to_tsvector('smgov_swedish', author_name || ' ' || author_handle), 'B') "
            "WHERE text_format <> 'html' AND purged_at IS NULL"
        )
    for record in Record.objects.filter(text_format="html", purged_at__isnull=True).iterator():
        Record.objects.filter(pk=record.pk).update(
            search_vector=record_search_vector(
                text=record.text,
                text_format=record.text_format,
                author_name=record.author_name,
                author_handle=record.author_handle,
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0002_registration_request"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(install_configuration, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(reindex, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="record",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["author_name"], name="record_author_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="record",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["author_handle"], name="record_author_handle_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
