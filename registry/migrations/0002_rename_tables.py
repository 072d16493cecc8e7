"""The registrar's tables get registry's names (archive_diarycase -> registry_diarycase, ...), and
their content types move to the registry app.

A rename keeps every row, id, sequence, index and foreign key (the constraints keep their old
names). No trigger or function names these tables. The content types are moved rather than
made anew, so that their ids stay: permissions (auth and django-guardian) and anything else
pointing at a content type keep pointing at the same model, and the post_migrate step that
creates content types finds them in place and adds no duplicates.
"""

from django.db import migrations

MODELS = [
    "diarycase",
    "diarydocument",
    "diaryevent",
    "diaryseriescounter",
    "disposalbatch",
    "disposalcandidate",
    "disposallog",
    "documentclass",
    "recordclassification",
    "registrationdecision",
    "registrationrequest",
]


def _move_content_types(apps, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        moving = ContentType.objects.filter(app_label=source, model=model).first()
        if moving is None:
            # A new database: post_migrate creates them under their app.
            continue
        # Only a content type made by a post_migrate step between the two halves of this move
        # (e.g. `migrate registry 0001`) can be in the way; it is newer than the one that moves
        # and holds only its default permissions, which go with it.
        ContentType.objects.filter(app_label=target, model=model).delete()
        moving.app_label = target
        moving.save(update_fields=["app_label"])


def content_types_to_registry(apps, schema_editor):
    _move_content_types(apps, source="archive", target="registry")


def content_types_to_archive(apps, schema_editor):
    _move_content_types(apps, source="registry", target="archive")


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0013_registry_models_moved'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('registry', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(
            name='diarycase',
            table=None,
        ),
        migrations.AlterModelTable(
            name='diarydocument',
            table=None,
        ),
        migrations.AlterModelTable(
            name='diaryevent',
            table=None,
        ),
        migrations.AlterModelTable(
            name='diaryseriescounter',
            table=None,
        ),
        migrations.AlterModelTable(
            name='disposalbatch',
            table=None,
        ),
        migrations.AlterModelTable(
            name='disposalcandidate',
            table=None,
        ),
        migrations.AlterModelTable(
            name='disposallog',
            table=None,
        ),
        migrations.AlterModelTable(
            name='documentclass',
            table=None,
        ),
        migrations.AlterModelTable(
            name='recordclassification',
            table=None,
        ),
        migrations.AlterModelTable(
            name='registrationdecision',
            table=None,
        ),
        migrations.AlterModelTable(
            name='registrationrequest',
            table=None,
        ),
        migrations.RunPython(content_types_to_registry, content_types_to_archive),
    ]
