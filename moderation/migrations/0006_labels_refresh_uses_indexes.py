"""The label functions look cases, flags and records up by id, a few at a time, right after rows were
inserted in bulk: the planner's statistics then still describe nearly empty tables and it may choose a
sequential scan per case, which makes a bulk insert of 10,000 cases quadratic (tens of minutes). The
functions run with sequential scans off, so they always use the primary keys and the flag index."""

from django.db import migrations

FUNCTIONS = ("moderation_case_labels(bigint)", "moderation_labels_refresh(bigint[])")


class Migration(migrations.Migration):
    dependencies = [("moderation", "0005_case_event_edited")]

    operations = [
        migrations.RunSQL(
            sql=[f"ALTER FUNCTION {name} SET enable_seqscan = off" for name in FUNCTIONS],
            reverse_sql=[f"ALTER FUNCTION {name} RESET enable_seqscan" for name in FUNCTIONS],
        )
    ]
