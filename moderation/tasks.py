"""Celery tasks of the inbox: thin, ids in, one service call each."""

from celery import shared_task

from . import monitoring, publishing, services


@shared_task(name="moderation.publish_reply", soft_time_limit=60, time_limit=90, acks_late=True)
def publish_reply(reply_id: int) -> None:
    services.reply_publish_run(reply_id=reply_id)


@shared_task(name="moderation.hide_comment", soft_time_limit=60, time_limit=90, acks_late=True)
def hide_comment(case_id: int) -> None:
    services.case_hide_run(case_id=case_id)


@shared_task(name="moderation.send_overdue_digest", soft_time_limit=300, time_limit=360, acks_late=True)
def send_overdue_digest() -> int:
    return services.overdue_digest_send()


# --- N8: monitoring ----------------------------------------------------------------------------------


@shared_task(name="moderation.monitoring_due", soft_time_limit=60, time_limit=90, acks_late=True)
def monitoring_due() -> int:
    """Hand out one run per watch that is due (each watch keeps its own interval)."""
    due = monitoring.watches_due()
    for watch_id in due:
        run_watch.delay(watch_id)
    return len(due)


@shared_task(name="moderation.run_watch", soft_time_limit=300, time_limit=360, acks_late=True)
def run_watch(watch_id: int) -> int:
    return monitoring.watch_run(watch_id=watch_id).new_hits


@shared_task(name="moderation.monitoring_digest", soft_time_limit=300, time_limit=360, acks_late=True)
def monitoring_digest() -> int:
    return monitoring.digest_send()


@shared_task(name="moderation.monitoring_dispose", soft_time_limit=300, time_limit=360, acks_late=True)
def monitoring_dispose() -> int:
    return monitoring.hits_dispose()


# --- publishing the municipality's own posts ----------------------------------------------------------


@shared_task(name="moderation.publish_post_target", soft_time_limit=300, time_limit=360, acks_late=True)
def publish_post_target(target_id: int) -> None:
    publishing.post_target_publish_run(target_id=target_id)


@shared_task(name="moderation.posts_release_due", soft_time_limit=60, time_limit=90, acks_late=True)
def posts_release_due() -> int:
    """Hand the scheduled posts whose time has come to their tasks."""
    return publishing.posts_release_due()
