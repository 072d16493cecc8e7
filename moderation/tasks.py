"""Celery tasks of the inbox: thin, ids in, one service call each."""

from celery import shared_task

from . import services


@shared_task(name="moderation.publish_reply", soft_time_limit=60, time_limit=90, acks_late=True)
def publish_reply(reply_id: int) -> None:
    services.reply_publish_run(reply_id=reply_id)


@shared_task(name="moderation.hide_comment", soft_time_limit=60, time_limit=90, acks_late=True)
def hide_comment(case_id: int) -> None:
    services.case_hide_run(case_id=case_id)


@shared_task(name="moderation.send_overdue_digest", soft_time_limit=300, time_limit=360, acks_late=True)
def send_overdue_digest() -> int:
    return services.overdue_digest_send()
