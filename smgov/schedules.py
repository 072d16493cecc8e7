"""Every periodic task of smgov, in one place (imported by settings as CELERY_BEAT_SCHEDULE).

Celery beat runs with django-celery-beat's database scheduler, which copies these entries into its
tables at start-up; add entries here rather than in the admin, so that they are reviewed like code.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {}

# Retention (F12/N17): classify new records and propose a disposal (dry run) per department
# every night; nothing is disposed of until a registrar approves the proposal.
BEAT_SCHEDULE["archive-retention-nightly"] = {
    "task": "archive.retention_nightly",
    "schedule": crontab(hour=2, minute=30),
}

# The samlingsakt of each department for the new year (N6/N16); pages also create it on first need.
BEAT_SCHEDULE["archive-samlingsakt-yearly"] = {
    "task": "archive.samlingsakt_yearly",
    "schedule": crontab(month_of_year=1, day_of_month=1, hour=0, minute=15),
}
