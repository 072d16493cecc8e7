"""Disclosure exports (utlämnande) and the archive's access log, which the database keeps append-only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0004_integrity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DisclosureExport",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "request_reference",
                    models.CharField(
                        help_text="Who asked and when, or the diary number of the request.",
                        max_length=200,
                        verbose_name="request reference",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("queued", "Queued"),
                            ("running", "Being produced"),
                            ("done", "Ready"),
                            ("failed", "Failed"),
                        ],
                        default="draft",
                        max_length=10,
                    ),
                ),
                ("progress", models.PositiveSmallIntegerField(default=0)),
                ("error", models.TextField(blank=True)),
                ("pdf", models.BinaryField(blank=True, null=True)),
                ("pdf_sha256", models.CharField(blank=True, max_length=64)),
                ("pdf_made_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "disclosure export",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="DisclosureItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField()),
                ("masks", models.JSONField(blank=True, default=list)),
                ("mask_author", models.BooleanField(default=False, verbose_name="mask the author")),
                (
                    "export",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="archive.disclosureexport",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="archive.record",
                    ),
                ),
            ],
            options={
                "ordering": ["export", "position"],
                "constraints": [
                    models.UniqueConstraint(fields=("export", "record"), name="disclosure_unique_record")
                ],
            },
        ),
        migrations.CreateModel(
            name="AccessLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("view", "Viewed record"),
                            ("source", "Downloaded received response"),
                            ("export", "Exported"),
                        ],
                        max_length=10,
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("detail", models.JSONField(blank=True, default=dict)),
                (
                    "export",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="access_log",
                        to="archive.disclosureexport",
                    ),
                ),
                (
                    "record",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="archive.record",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "archive access",
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.RunSQL(
            "CREATE TRIGGER archive_accesslog_append_only BEFORE UPDATE OR DELETE ON archive_accesslog "
            "FOR EACH ROW EXECUTE FUNCTION archive_append_only();",
            "DROP TRIGGER IF EXISTS archive_accesslog_append_only ON archive_accesslog;",
        ),
    ]
