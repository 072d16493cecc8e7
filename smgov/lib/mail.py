"""Mail that tells people of a change: sent by a task once the change is committed.

The request (or task) that made the change never talks to the mail server: a server that is down or
slow cannot turn a saved change into an error page. The task tries again with growing waits.
"""

from collections.abc import Iterable
from email.utils import parseaddr
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core import checks
from django.core.mail import EmailMessage
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
def send_mail_task(subject: str, body: str, recipients: list[str], reply_to: list[str] | None = None) -> int:
    message = EmailMessage(subject, body, None, recipients, reply_to=reply_to or None)
    return message.send(fail_silently=False)


def mail_after_commit(
    recipients: Iterable[str], subject: str, body: str, *, reply_to: Iterable[str] = ()
) -> None:
    """Mail ``recipients`` after the current transaction commits, so nobody is told of a change that
    was rolled back. Empty and repeated addresses are left out; with nobody left, nothing is sent.
    ``reply_to`` is where an answer by e-mail goes (the sender, ``DEFAULT_FROM_EMAIL``, otherwise).

    ``MAIL_QUEUE`` off (the tests) runs the same task in-process instead of queueing it."""
    addresses = sorted({address for address in recipients if address})
    if not addresses:
        return
    args = [str(subject), str(body), addresses, sorted({a for a in reply_to if a})]
    if settings.MAIL_QUEUE:
        # The worker logs a task's arguments (received, succeeded, retried, failed): a mail's
        # addresses, subject and body (a citizen's comment, say) are named there only by their size.
        shown = f"({len(addresses)} recipients, a subject and a body of {len(args[1])} characters)"
        transaction.on_commit(lambda: send_mail_task.apply_async(args=args, argsrepr=shown, kwargsrepr="{}"))
    else:
        transaction.on_commit(lambda: send_mail_task.apply(args=args))


def sender_is_local(sender: str) -> bool:
    """A sender on ``localhost`` (or another name only this machine knows) cannot be answered."""
    domain = parseaddr(sender)[1].rpartition("@")[2].lower().rstrip(".")
    return not domain or domain == "localhost" or domain.endswith((".localhost", ".localdomain", ".local"))


def check_mail_sender(app_configs=None, **kwargs):
    if not sender_is_local(settings.DEFAULT_FROM_EMAIL):
        return []
    return [
        checks.Warning(
            f"Mail is sent from {settings.DEFAULT_FROM_EMAIL!r}, an address nobody can answer.",
            hint="Set SMGOV_MAIL_FROM (or DEFAULT_FROM_EMAIL) to the municipality's own address.",
            id="smgov.W101",
        )
    ]


# Every check in production; with ``check --deploy`` elsewhere too (never twice).
checks.register(
    lambda app_configs=None, **kw: check_mail_sender() if settings.PRODUCTION else [], checks.Tags.security
)
checks.register(
    lambda app_configs=None, **kw: [] if settings.PRODUCTION else check_mail_sender(),
    checks.Tags.security,
    deploy=True,
)
