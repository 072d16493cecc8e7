"""A year of history for the demo municipality, so the statistics have something to show.

Posts and questions come in through the archive's ingest and the cases are opened by moderation's
`case_open`, exactly as harvested items would be. The moderation services act in the present (they
stamp replies and closings with the current time), so the replies, closings and removals of the
past are written here with the times they happened. The same seed always gives the same history,
and a second run adds nothing: every item has a fixed platform id and is only added when missing.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import AccountState, ServiceAccount
from archive.models import Record, RecordKind
from archive.services import IncomingItem, record_ingest, record_remove
from harvest.models import FollowerCount
from moderation.models import Case, CaseEvent, CaseState, Reply
from moderation.services import case_open, signature_for

from .periods import STOCKHOLM, add_months

PREFIX = "demo-history"
MONTHS = 12

QUESTIONS = [
    "När öppnar anmälan till sommarskolan?",
    "Var hittar jag information om förskoleplats?",
    "Hur söker jag bygglov för ett uterum?",
    "Varför är gatubelysningen släckt på Storgatan?",
    "Vilka tider har biblioteket i helgen?",
    "Tack för bra information! Gäller det även i Västerby?",
    "Hur gör jag en felanmälan om en trasig lekplats?",
    "Kommer snöröjningen till vår väg i dag?",
    "Varför har avgiften höjts?",
    "Går det att boka simhallen för ett kalas?",
    "När kommer beslutet om den nya skolan?",
    "Vart vänder jag mig med synpunkter på maten i skolan?",
]
PERSONAL = [
    "Ring mig på 070-123 45 67 så förklarar jag mer.",
    "Svara gärna till anna.exempel@example.com i stället.",
]
POSTS = [
    "Nu är det dags att söka till höstens kurser.",
    "Påminnelse: ändrade öppettider under helgen.",
    "Välkommen på öppet hus i kommunhuset på torsdag!",
    "Vi har fått frågor om vägarbetet – här är svaren.",
    "Se filmen om vårt nya återvinningscenter.",
]
REMOVAL_GROUNDS = ["personal_data", "unlawful_threat", "agitation", "copyright", "other"]
# Questions mostly arrive in the evening and at lunch; posts in office hours.
QUESTION_HOURS = [7, 8, 9, 10, 11, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 20, 21, 21, 22, 23]
POST_HOURS = [8, 9, 9, 10, 11, 13, 14, 15]


def _at(rng: random.Random, month: date, hours: list[int], *, weekdays_only: bool, until: datetime):
    """A moment in the month before `until`, or None when the month has no such day yet."""
    days = min(28, (timezone.localtime(until, STOCKHOLM).date() - month).days)
    for _try in range(50):
        if days <= 0:
            return None
        day = month + timedelta(days=rng.randrange(days))
        if weekdays_only and day.weekday() >= 5:
            continue
        return datetime.combine(day, time(rng.choice(hours), rng.randrange(60)), tzinfo=STOCKHOLM)
    return None


def _ingest(account, platform_id, *, kind, at, text, own, author="", parent=""):
    existing = Record.objects.filter(platform=account.platform, platform_id=platform_id).first()
    if existing is not None:
        return existing, False
    item = IncomingItem(
        platform_id=platform_id,
        kind=kind,
        published_at=at,
        text=text,
        is_own=own,
        parent_platform_id=parent,
        thread_platform_id=parent,
        author_name=author,
    )
    return record_ingest(account=account, item=item, seen_at=at).record, True


def _handle_question(seed, record, account, *, now) -> int:
    """Answer most questions, some late; remove a few; leave the newest open.

    Returns the number of records added (the municipality's reply is one)."""
    rng = random.Random(f"{seed}-{record.platform_id}")
    case = case_open(record=record)
    if case is None or not case.is_open:
        return 0
    admin = account.administrators.filter(is_active=True).exclude(title="").order_by("pk").first()
    roll = rng.random()
    if roll < 0.03 and admin is not None:
        removed_at = record.published_at + timedelta(minutes=rng.randrange(20, 240))
        if removed_at > now:
            return 0
        ground = "personal_data" if case.has_personal_data else rng.choice(REMOVAL_GROUNDS)
        record_remove(actor=admin, record=record, ground=ground, reason="Demo", at=removed_at)
        Case.objects.filter(pk=case.pk).update(state=CaseState.REMOVED, closed_at=removed_at, closed_by=admin)
        event = CaseEvent.objects.create(case=case, actor=admin, action=CaseEvent.Action.REMOVED, note=ground)
        CaseEvent.objects.filter(pk=event.pk).update(at=removed_at)
        return 0
    promised = account.response_time
    if roll < 0.72:
        delay = promised * rng.uniform(0.05, 0.9)
    elif roll < 0.90:
        delay = promised * rng.uniform(1.05, 2.5)
    else:
        delay = None  # not every comment needs an answer
    if admin is None:
        return 0
    if delay is None:
        closed_at = record.published_at + promised * 0.5
        if closed_at < now:
            Case.objects.filter(pk=case.pk).update(
                state=CaseState.NO_ACTION, closed_at=closed_at, closed_by=admin
            )
        return 0
    answered_at = record.published_at + delay
    if answered_at > now:
        return 0
    Reply.objects.create(
        case=case,
        author=admin,
        text="Hej! Tack för din fråga. Du hittar svaret på kommunens webbplats.",
        signature=signature_for(admin),
        status=Reply.Status.ANSWERED_MANUALLY,
        published_at=answered_at,
    )
    Case.objects.filter(pk=case.pk).update(state=CaseState.ANSWERED, closed_at=answered_at, closed_by=admin)
    event = CaseEvent.objects.create(case=case, actor=admin, action=CaseEvent.Action.REPLY_MANUAL)
    CaseEvent.objects.filter(pk=event.pk).update(at=answered_at)
    # The published reply is itself a record the municipality drew up (N20).
    _reply, created = _ingest(
        account,
        f"{record.platform_id}-reply",
        kind=RecordKind.REPLY,
        at=answered_at,
        text=f"Hej! Tack för din fråga. Du hittar svaret på kommunens webbplats.\n\n{signature_for(admin)}",
        own=True,
        author=account.display_name,
        parent=record.platform_id,
    )
    return int(created)


def _followers(rng, account, *, months: list[date], now: datetime) -> None:
    count = rng.randrange(400, 4000)
    for month in months:
        count += rng.randrange(-20, 120)
        at = datetime.combine(month + timedelta(days=27), time(4, 0), tzinfo=STOCKHOLM)
        if at > now:
            break
        month_start = datetime.combine(month, time.min, tzinfo=STOCKHOLM)
        month_end = datetime.combine(add_months(month, 1), time.min, tzinfo=STOCKHOLM)
        if not FollowerCount.objects.filter(account=account, at__gte=month_start, at__lt=month_end).exists():
            FollowerCount.objects.create(account=account, at=at, count=count)


@transaction.atomic
def seed_history(*, today: date | None = None, seed: int = 2026, months: int = MONTHS) -> int:
    """Add the last twelve months of posts, questions, answers, removals and follower counts to every
    active demo account. Returns the number of records added."""
    if today is None:
        now = timezone.now()
        today = timezone.localtime(now, STOCKHOLM).date()
    else:
        now = datetime.combine(today, time(12), tzinfo=STOCKHOLM)
    count = months
    months = [add_months(today.replace(day=1), -offset) for offset in range(count - 1, -1, -1)]
    added = 0
    accounts = ServiceAccount.objects.filter(state=AccountState.ACTIVE).order_by("pk")
    for account in accounts:
        rng = random.Random(f"{seed}-{account.platform}-{account.handle}")
        _followers(rng, account, months=months, now=now)
        for month in months:
            tag = f"{PREFIX}-{account.pk}-{month:%Y%m}"
            for n in range(rng.randrange(3, 7)):
                at = _at(rng, month, POST_HOURS, weekdays_only=True, until=now)
                if at is None:
                    continue
                post, created = _ingest(
                    account, f"{tag}-p{n}", kind=RecordKind.POST, at=at, text=rng.choice(POSTS), own=True
                )
                added += created
                for q in range(rng.randrange(0, 4)):
                    asked = at + timedelta(hours=rng.choice(QUESTION_HOURS) / 2, minutes=rng.randrange(60))
                    if asked >= now:
                        continue
                    text = rng.choice(PERSONAL) if rng.random() < 0.06 else rng.choice(QUESTIONS)
                    record, created = _ingest(
                        account,
                        f"{tag}-p{n}-q{q}",
                        kind=RecordKind.COMMENT,
                        at=asked,
                        text=text,
                        own=False,
                        author=f"Invånare {rng.randrange(1, 400)}",
                        parent=post.platform_id,
                    )
                    if created:
                        added += 1 + _handle_question(seed, record, account, now=now)
    return added
