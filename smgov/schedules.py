"""Every periodic task of smgov, in one place (imported by settings as CELERY_BEAT_SCHEDULE).

Celery beat runs with django-celery-beat's database scheduler, which copies these entries into its
tables at start-up; add entries here rather than in the admin, so that they are reviewed like code.
"""

from celery.schedules import crontab

BEAT_SCHEDULE: dict[str, dict] = {}

# The health check (/halsa/) reads when this last ran: beat schedules it, a worker runs it.
BEAT_SCHEDULE["smgov-heartbeat"] = {"task": "smgov.heartbeat", "schedule": 60.0, "options": {"expires": 55}}

# N4/N13: administrators of accounts nobody has checked in time are reminded.
BEAT_SCHEDULE["accounts-supervision-reminders"] = {
    "task": "accounts.tasks.send_supervision_reminders",
    "schedule": 60.0 * 60,
}

# Harvest: one beat entry finds the accounts whose next run is due; each account's own interval
# (adaptive to its traffic) lives beside its cursor in harvest.HarvestState.
BEAT_SCHEDULE["harvest-schedule-due"] = {
    "task": "harvest.schedule_due",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# Harvest: every night a bounded number of each account's older stored posts are read again, going on
# from where the last night stopped, so that their edits and deletions are found (N20).
BEAT_SCHEDULE["harvest-reconcile-nightly"] = {
    "task": "harvest.reconcile_nightly",
    "schedule": crontab(hour=1, minute=45),
    "options": {"expires": 60 * 60},
}

# Moderation: each department's communicators get their overdue cases every morning (N13, N21).
BEAT_SCHEDULE["moderation-overdue-digest"] = {
    "task": "moderation.send_overdue_digest",
    "schedule": crontab(hour=7, minute=0),
    "options": {"expires": 60 * 60},
}

# Reports: on the first of every month each head of department gets last month's figures (N18, N19).
BEAT_SCHEDULE["reports-monthly-figures"] = {
    "task": "reports.send_monthly_reports",
    "schedule": crontab(day_of_month=1, hour=7, minute=30),
    "options": {"expires": 12 * 60 * 60},
}

# Retention (F12/N17): classify new records and propose a disposal (dry run) per department
# every night; nothing is disposed of until a registrar approves the proposal.
# The registrar's tasks live in registry/tasks.py and keep their old "archive." names and entry
# names, so that queued messages and django-celery-beat's rows stay valid.
BEAT_SCHEDULE["archive-retention-nightly"] = {
    "task": "archive.retention_nightly",
    "schedule": crontab(hour=2, minute=30),
}

# The samlingsakt of each department for the new year (N6/N16); pages also create it on first need.
BEAT_SCHEDULE["archive-samlingsakt-yearly"] = {
    "task": "archive.samlingsakt_yearly",
    "schedule": crontab(month_of_year=1, day_of_month=1, hour=0, minute=15),
}

# Real-time intake: comments a webhook announced on platforms that never announce deletions
# (Instagram) are asked for again after WEBHOOK_RECHECK_MINUTES; this entry hands out the due ones.
BEAT_SCHEDULE["harvest-rechecks-due"] = {
    "task": "harvest.rechecks_due",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# Real-time intake: a delivery stored while the broker was away is queued for ingest again.
BEAT_SCHEDULE["harvest-deliveries-requeue"] = {
    "task": "harvest.deliveries_requeue",
    "schedule": 5 * 60.0,
    "options": {"expires": 4 * 60},
}

# N8 monitoring: one entry finds the watches that are due; each watch's interval lives on the watch
# (moderation.Watch.next_run_at), and each due watch is read by a task of its own.
BEAT_SCHEDULE["moderation-monitoring-due"] = {
    "task": "moderation.monitoring_due",
    "schedule": 60.0,
    "options": {"expires": 55},
}

# N8: each department's communicators get the new monitoring hits of the day every morning.
BEAT_SCHEDULE["moderation-monitoring-digest"] = {
    "task": "moderation.monitoring_digest",
    "schedule": crontab(hour=7, minute=15),
    "options": {"expires": 60 * 60},
}

# N8: monitoring hits are not public records; those older than MONITORING_RETENTION_DAYS are
# deleted every night (logged per watch).
BEAT_SCHEDULE["moderation-monitoring-dispose"] = {
    "task": "moderation.monitoring_dispose",
    "schedule": crontab(hour=3, minute=10),
    "options": {"expires": 60 * 60},
}

# Integrity: every day the head of each account's hash chain is timestamped by the RFC 3161 TSA
# (SMGOV_TSA_URL; off when empty); a TSA that is down is asked again with a growing wait.
BEAT_SCHEDULE["archive-chain-timestamps-daily"] = {
    "task": "archive.chain_timestamps_daily",
    "schedule": crontab(hour=4, minute=20),
    "options": {"expires": 60 * 60},
}

# Publishing: the scheduled posts whose time has come are handed to their tasks; each post's time
# lives on the post (moderation.PostDraft.publish_at).
BEAT_SCHEDULE["moderation-posts-release-due"] = {
    "task": "moderation.posts_release_due",
    "schedule": 60.0,
    "options": {"expires": 55},
}
