"""Writes of the inbox. Every change is one function taking the acting person first, and writes
its `CaseEvent` in the same transaction."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from archive.models import Record, RecordKind

from . import selectors
from .flags import GROUNDS, FlagKind, flag_text
from .models import PERSONAL_DATA_KINDS, Case, CaseEvent, CaseFlag, Priority

logger = logging.getLogger(__name__)

# F14: on these platforms the municipality answers for personal data that others publish on its
# account (Facebook pages and its own blogs); elsewhere only for what it publishes itself.
PERSONAL_DATA_RESPONSIBLE_PLATFORMS = frozenset({"facebook", "rss"})


def _event(case: Case, actor, action: str, note: str = "") -> CaseEvent:
    return CaseEvent.objects.create(case=case, actor=actor, action=action, note=note)


def _mail(recipients, subject: str, body: str) -> None:
    """Mail after the change is committed, so nobody is told of a change that was rolled back."""
    recipients = sorted({address for address in recipients if address})
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=False))


def _case_url(case: Case) -> str:
    return settings.SITE_URL + reverse("moderation:case", args=[case.pk])


def department_communicators(department_id: int):
    return User.objects.filter(
        department_id=department_id, groups__name=Role.COMMUNICATOR, is_active=True
    ).exclude(email="")


def _opens_case(record: Record) -> bool:
    return not record.is_own and record.kind in (RecordKind.COMMENT, RecordKind.REPLY)


@transaction.atomic
def case_open(*, record: Record) -> Case | None:
    """Open the case for a newly received comment or reply from the public (idempotent).

    Flags are computed and stored, the deadline is the received time plus the account's promised
    response time (F8/N21), personal data raises the priority where the municipality answers for
    others' personal data (F14), and possible unlawful content is mailed to the department's
    communicators at once. Own posts and own replies open no case: returns None.
    """
    if not _opens_case(record):
        return None
    existing = Case.objects.filter(record=record).first()
    if existing is not None:
        return existing
    account = record.account
    text = selectors.plain_text(record.text, record.text_format)
    flags = flag_text(text, rules=selectors.active_flag_rules(), has_media=bool(record.media))
    has_personal_data = any(flag.kind in PERSONAL_DATA_KINDS for flag in flags)
    has_ground = any(flag.kind == FlagKind.GROUND for flag in flags)
    high = has_ground or (has_personal_data and record.platform in PERSONAL_DATA_RESPONSIBLE_PLATFORMS)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                record=record,
                account=account,
                department_id=record.department_id,
                platform=record.platform,
                deadline=record.published_at + account.response_time,
                priority=Priority.HIGH if high else Priority.NORMAL,
                has_personal_data=has_personal_data,
                has_ground=has_ground,
            )
    except IntegrityError:
        return Case.objects.get(record=record)
    CaseFlag.objects.bulk_create(
        CaseFlag(
            case=case,
            kind=flag.kind.value,
            ground=flag.ground.value if flag.ground else "",
            matched=flag.matched,
            start=flag.start,
            end=flag.end,
            explanation=flag.explanation,
        )
        for flag in flags
    )
    _event(case, None, CaseEvent.Action.OPENED)
    if has_ground:
        _notify_unlawful(case, sorted({flag.ground for flag in flags if flag.ground}))
    return case


def _notify_unlawful(case: Case, grounds) -> None:
    """An immediate e-mail naming the possible grounds, never the content itself."""
    recipients = list(department_communicators(case.department_id).values_list("email", flat=True))
    if not recipients:
        return
    names = ", ".join(GROUNDS[ground].swedish_name for ground in grounds)
    _mail(
        recipients,
        _("Possible unlawful content in a comment on %(account)s") % {"account": case.account},
        _(
            "A comment on %(account)s may contain unlawful content (%(grounds)s).\n"
            "A person decides: look at it as soon as possible.\n\n%(url)s"
        )
        % {"account": case.account, "grounds": names, "url": _case_url(case)},
    )
    _event(case, None, CaseEvent.Action.NOTIFIED, ", ".join(recipients))
