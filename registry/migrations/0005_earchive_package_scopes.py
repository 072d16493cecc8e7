import django.db.models.deletion
from django.db import migrations, models


def department_of_account(apps, schema_editor):
    EarchivePackage = apps.get_model("registry", "EarchivePackage")
    for package in EarchivePackage.objects.filter(department__isnull=True).select_related("account"):
        package.department_id = package.account.department_id
        package.save(update_fields=["department"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_supervision_reminder"),
        ("registry", "0004_diary_export_and_imported_numbers"),
    ]

    operations = [
        migrations.AddField(
            model_name="earchivepackage",
            name="scope",
            field=models.CharField(
                choices=[
                    ("account_year", "An account's year"),
                    ("department_year", "A department's year"),
                    ("account_final", "An account's final package (all its records)"),
                ],
                default="account_year",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="earchivepackage",
            name="department",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.department"
            ),
        ),
        migrations.RunPython(department_of_account, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="earchivepackage",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.department"
            ),
        ),
        migrations.AlterField(
            model_name="earchivepackage",
            name="account",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.serviceaccount",
            ),
        ),
        migrations.AlterField(
            model_name="earchivepackage",
            name="year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="year"),
        ),
        migrations.AlterField(
            model_name="earchivepackage",
            name="previous",
            field=models.ForeignKey(
                blank=True,
                help_text="The last delivered package of the same scope.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.earchivepackage",
            ),
        ),
        migrations.AddConstraint(
            model_name="earchivepackage",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("account__isnull", False), ("scope", "account_year"), ("year__isnull", False)),
                    models.Q(("account__isnull", True), ("scope", "department_year"), ("year__isnull", False)),
                    models.Q(("account__isnull", False), ("scope", "account_final"), ("year__isnull", True)),
                    _connector="OR",
                ),
                name="earchive_package_scope_fields",
            ),
        ),
    ]
