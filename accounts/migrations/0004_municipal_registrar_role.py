from django.db import migrations


def create_role(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="municipal_registrar")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_supervision_reminder")]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
