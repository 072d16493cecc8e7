"""A known month of records and cases, with exact times, so every figure can be checked exactly.

March 2026 in Stockholm runs from 2026-02-28 23:00 UTC to 2026-03-31 22:00 UTC; summer time starts
on Sunday 29 March at 02:00 (the hour 02 does not exist that day).

Account A (own department, Mastodon, promised 24 h) and account B (other department, Facebook,
promised 2 h). Response times: A 30 min (in time), 26 h (late), 4 h (in time); B 1 h (in time),
3 h (late).
"""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from archive.models import RecordKind
from archive.services import IncomingItem, record_ingest, record_remove
from moderation.models import Case, CaseState, Reply
from moderation.services import case_open
from reports.periods import Period
from tests.factories import ServiceAccountFactory, UserFactory


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
NOW = utc(2026, 4, 10, 12, 0)


class Builder:
    def __init__(self, org):
        self.org = org
        self.n = 0

    def record(self, account, *, kind, at, own=False, text="När öppnar badhuset?"):
        self.n += 1
        item = IncomingItem(
            platform_id=f"{account.platform}-{self.n}", kind=kind, published_at=at, text=text, is_own=own
        )
        return record_ingest(account=account, item=item, seen_at=at).record

    def question(self, account, at, *, text="När öppnar badhuset?", answered=None, state=None):
        record = self.record(account, kind=RecordKind.COMMENT, at=at, text=text)
        case = case_open(record=record)
        if answered is not None:
            Reply.objects.create(
                case=case,
                author=self.org.alice,
                text="Svar",
                signature="Alice, Kommunikatör",
                status=Reply.Status.PUBLISHED,
                published_at=answered,
            )
            state = state or CaseState.ANSWERED
        if state:
            Case.objects.filter(pk=case.pk).update(state=state)
        return record


@pytest.fixture
def known(org):
    build = Builder(org)
    a = org.account
    a.response_time = timedelta(hours=24)
    a.save(update_fields=["response_time"])
    b = ServiceAccountFactory(
        department=org.other,
        platform="facebook",
        display_name="Samhällsbyggnad på Facebook",
        purpose="Information om bygglov och trafik.",
        response_time=timedelta(hours=2),
        admins=[org.charlie, UserFactory(department=org.other)],
    )

    # Account A
    build.record(a, kind=RecordKind.POST, at=utc(2026, 3, 2, 8, 0), own=True)  # Mon 09:00
    build.record(a, kind=RecordKind.POST, at=utc(2026, 2, 28, 23, 30), own=True)  # Sun 1 Mar 00:30
    build.record(a, kind=RecordKind.POST, at=utc(2026, 3, 31, 22, 30), own=True)  # 1 April 00:30: outside
    build.question(a, utc(2026, 3, 2, 10, 0), answered=utc(2026, 3, 2, 10, 30))  # Mon 11:00, 30 min
    build.question(a, utc(2026, 3, 3, 12, 0), answered=utc(2026, 3, 4, 14, 0))  # Tue 13:00, 26 h late
    build.question(a, utc(2026, 3, 29, 0, 30), answered=utc(2026, 3, 29, 4, 30))  # Sun 01:30 CET, 4 h
    build.question(a, utc(2026, 3, 29, 1, 30))  # Sun 03:30 CEST, open and overdue
    build.record(a, kind=RecordKind.REPLY, at=utc(2026, 3, 2, 10, 30), own=True, text="Svar")  # Mon 11:30
    removed_a = build.question(
        a, utc(2026, 3, 10, 9, 0), text="Ring mig på 070-123 45 67 tack", state=CaseState.REMOVED
    )  # Tue 10:00
    record_remove(actor=org.alice, record=removed_a, ground="personal_data", at=utc(2026, 3, 10, 10, 0))
    build.question(a, utc(2026, 2, 27, 9, 0))  # February: outside the period, but overdue now

    # Account B
    build.record(b, kind=RecordKind.POST, at=utc(2026, 3, 5, 7, 0), own=True)  # Thu 08:00
    build.question(b, utc(2026, 3, 5, 8, 0), answered=utc(2026, 3, 5, 9, 0))  # Thu 09:00, 1 h
    build.question(b, utc(2026, 3, 6, 8, 0), answered=utc(2026, 3, 6, 11, 0))  # Fri 09:00, 3 h late
    threat = build.question(b, utc(2026, 3, 20, 8, 0), state=CaseState.REMOVED)  # Fri 09:00
    record_remove(actor=org.charlie, record=threat, ground="unlawful_threat", at=utc(2026, 3, 20, 9, 0))
    threat_mail = build.question(
        b, utc(2026, 3, 21, 8, 0), text="Skriv till kalle.svensson@example.com", state=CaseState.REMOVED
    )  # Sat 09:00
    record_remove(actor=org.charlie, record=threat_mail, ground="unlawful_threat", at=utc(2026, 3, 21, 9, 0))
    build.question(b, utc(2026, 3, 31, 20, 0))  # Tue 22:00 CEST, open and overdue
    build.question(b, utc(2026, 3, 7, 8, 0), state=CaseState.NO_ACTION)  # Sat 09:00

    return SimpleNamespace(org=org, a=a, b=b, period=MARCH, now=NOW)


@pytest.fixture
def role_groups(transactional_db):
    """The role groups come from a data migration, which a flush between transactional tests removes."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)
