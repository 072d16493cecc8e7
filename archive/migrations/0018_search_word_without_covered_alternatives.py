"""A query word leaves out the alternatives another one already covers (see
`archive.search.install_search_configuration`): the same records match, faster. The records'
search vectors do not change."""

from django.db import migrations


def install(apps, schema_editor):
    from archive.search import install_search_configuration

    with schema_editor.connection.cursor() as cursor:
        install_search_configuration(cursor, config="smgov_swedish", dictionary="sv_ispell", dict_file="sv_se")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0017_chain_timestamps"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop, elidable=False),
    ]
