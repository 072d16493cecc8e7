from django.db import migrations, models

# The provisions a municipality's registrar cites most often when masking comments on social media.
COMMON_PROVISIONS = [
    ("21:1", "Uppgift om enskilds hälsa eller sexualliv"),
    (
        "21:3",
        "Uppgift om enskilds adress och andra uppgifter som kan avslöja var någon bor (förföljd eller hotad)",
    ),
    ("21:7", "Personuppgifter, om ett utlämnande skulle strida mot dataskyddsförordningen"),
    ("22:1", "Uppgift om enskilds personliga förhållanden i folkbokföringen"),
    ("23:2", "Uppgift om enskilds personliga förhållanden i förskola och skola"),
    ("26:1", "Uppgift om enskilds personliga förhållanden i socialtjänsten"),
    ("39:3", "Uppgift om enskilds personliga förhållanden i personaladministrativ verksamhet"),
]


def add_common(apps, schema_editor):
    provision = apps.get_model("archive", "SecrecyProvision")
    for position, (code, title) in enumerate(COMMON_PROVISIONS):
        provision.objects.get_or_create(code=code, defaults={"title": title, "position": position})


class Migration(migrations.Migration):
    dependencies = [("archive", "0014_records_keep_long_fields_and_escaped_text")]

    operations = [
        migrations.CreateModel(
            name="SecrecyProvision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        help_text="Chapter and section, e.g. 21:7.",
                        max_length=20,
                        unique=True,
                        verbose_name="provision",
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="what it protects")),
                ("offered", models.BooleanField(default=True, verbose_name="offered when masking")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
            ],
            options={
                "verbose_name": "secrecy provision",
                "verbose_name_plural": "secrecy provisions",
                "ordering": ["position", "code"],
            },
        ),
        migrations.AddField(
            model_name="disclosureitem",
            name="author_provision",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "Viewed record"),
                    ("source", "Downloaded received response"),
                    ("media", "Downloaded media file"),
                    ("export", "Exported"),
                    ("mask", "Masked for disclosure"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(add_common, migrations.RunPython.noop),
    ]
