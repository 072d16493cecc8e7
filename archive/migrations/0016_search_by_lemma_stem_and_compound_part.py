"""Search finds a word's inflected forms through its lemma or its Snowball stem, and a compound
by its last part; a word between "<" and ">" in a plain-text comment is indexed. Installs the
stem configuration and the `smgov_swedish_vector` / `smgov_swedish_word` functions and
recomputes the records' search vectors with them."""

from django.db import migrations


def install_and_reindex(apps, schema_editor):
    from archive.search import install_search_configuration, reindex_records

    with schema_editor.connection.cursor() as cursor:
        install_search_configuration(cursor, config="smgov_swedish", dictionary="sv_ispell", dict_file="sv_se")
        reindex_records(cursor, config="smgov_swedish")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0015_secrecy_provisions"),
    ]

    operations = [
        migrations.RunPython(install_and_reindex, migrations.RunPython.noop, elidable=False),
    ]
