"""Mail that tells people of a change, sent only once the change is committed."""

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction


def mail_after_commit(recipients: Iterable[str], subject: str, body: str) -> None:
    """Mail ``recipients`` after the current transaction commits, so nobody is told of a change that
    was rolled back. Empty and repeated addresses are left out; with nobody left, nothing is sent."""
    addresses = sorted({address for address in recipients if address})
    if addresses:
        transaction.on_commit(lambda: send_mail(subject, body, None, addresses, fail_silently=False))
