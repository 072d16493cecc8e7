"""The municipality's starting keyword rules (from the shipped Swedish defaults) and saved replies
(N12). Both are edited afterwards in the application; this only seeds them."""

from django.db import migrations

SAVED_REPLIES = [
    (
        "website",
        "Svaret finns på webbplatsen",
        "Hej {namn}! Tack för din fråga. Du hittar svaret på vår webbplats: {webbplats}",
    ),
    (
        "feedback",
        "Synpunkt, klagomål eller förslag",
        "Hej {namn}! Tack för att du hör av dig. Lämna gärna din synpunkt i Synpunkten, "
        "så kommer den till rätt person och blir registrerad: {synpunkten}",
    ),
    (
        "private",
        "Personligt ärende – kontakta oss direkt",
        "Hej {namn}! Det här gäller ett personligt ärende, och sådant tar vi inte här i kommentarerna. "
        "Kontakta oss direkt via {webbplats} så hjälper vi dig.",
    ),
]


def seed(apps, schema_editor):
    from moderation.flags import DEFAULT_RULES

    FlagRule = apps.get_model("moderation", "FlagRule")
    SavedReply = apps.get_model("moderation", "SavedReply")
    for rule in DEFAULT_RULES:
        FlagRule.objects.get_or_create(ground=rule.ground, phrase=rule.phrase, is_regex=rule.is_regex)
    for purpose, title, text in SAVED_REPLIES:
        SavedReply.objects.get_or_create(title=title, defaults={"purpose": purpose, "text": text})


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
