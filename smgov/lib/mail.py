"""Mail that tells people of a change: sent by a task once the change is committed.

The request (or task) that made the change never talks to the mail server: a server that is down or
slow cannot turn a saved change into an error page. The task tries again with growing waits.
"""

from collections.abc import Iterable
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

RETRIES = 8  # with exponential backoff from one minute, capped at an hour: about five hours in all


@shared_task(
    name="smgov.send_mail",
    autoretry_for=(OSError, SMTPException),
    retry_backoff=60,
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    max_retries=RETRIES,
    soft_time_limit=60,
    time_limit=90,
)
def send_mail_task(subject: str, body: str, recipients: list[str]) -> int:
    return send_mail(subject, body, None, recipients, fail_silently=False)


def mail_after_commit(recipients: Iterable[str], subject: str, body: str) -> None:
    """Mail ``recipients`` after the current transaction commits, so nobody is told of a change that
    was rolled back. Empty and repeated addresses are left out; with nobody left, nothing is sent.

    ``MAIL_QUEUE`` off (the tests) runs the same task in-process instead of queueing it."""
    addresses = sorted({address for address in recipients if address})
    if not addresses:
        return
    args = [str(subject), str(body), addresses]
    if settings.MAIL_QUEUE:
        transaction.on_commit(lambda: send_mail_task.delay(*args))
    else:
        transaction.on_commit(lambda: send_mail_task.apply(args=args))
