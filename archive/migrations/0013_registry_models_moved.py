"""The registrar's models (queue, diary, document classes, retention and disposal) now belong to the
registry app: forget them here, in Django's state only. Their tables and rows stay as they are;
registry's 0001 takes them over under the same tables and its 0002 renames them.

The seeding of the default document classes in 0008 stays in history and runs, on a new
database, with the archive's state of that time.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0012_own_media_posts'),
        # registry's models must exist in the state before these are forgotten, so that the
        # foreign keys between them (and to archive.Record) always resolve.
        ('registry', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # Models that others refer to are forgotten after those that refer to them.
                migrations.DeleteModel(name='RegistrationDecision'),
                migrations.DeleteModel(name='DisposalCandidate'),
                migrations.DeleteModel(name='DisposalLog'),
                migrations.DeleteModel(name='RecordClassification'),
                migrations.DeleteModel(name='DiaryEvent'),
                migrations.DeleteModel(name='DiaryDocument'),
                migrations.DeleteModel(name='DisposalBatch'),
                migrations.DeleteModel(name='DocumentClass'),
                migrations.DeleteModel(name='DiaryCase'),
                migrations.DeleteModel(name='RegistrationRequest'),
                migrations.DeleteModel(name='DiarySeriesCounter'),
            ],
            database_operations=[],
        ),
    ]
