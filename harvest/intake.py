"""Real-time intake: what a webhook delivery or a stream event says about one item, into the archive.

Every change goes through the same upsert as the scheduled harvest (``archive.services.record_ingest``
by platform and platform id), so a comment announced by a webhook and read again by the next harvest
is one record. Platforms send the same change again and in any order: each change is one
``ItemEvent`` row (a change sent twice is one row), and a change is stored only when no later change
of the same item was stored before it; a removal marks the record deleted at the time of the change,
whenever the record itself arrives.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import ServiceAccount
from archive import services as archive_services
from archive.models import SourceResponse
from moderation import services as moderation_services
from moderation.platform import incoming_item
from platforms.base import ChangeAction, ChangeEvent, Connector, ConnectorError, Item, NotFound

from . import selectors
from .models import Delivery, ItemEvent, Recheck, StreamCursor
from .services import connector_for

logger = logging.getLogger(__name__)

ITEM_LOCK_NAMESPACE = 0x696E7461  # first key of an item's advisory lock; the second its hash
RECHECK_LEASE = timedelta(minutes=5)  # a look-up handed to a worker is not handed out again before
# A delivery whose ingest was never queued (the broker was down) or did not finish is queued again
# after this long, for this long.
DELIVERY_REQUEUE_AFTER = timedelta(minutes=10)
DELIVERY_REQUEUE_FOR = timedelta(days=1)

# How each source's deliveries are read: set by the modules that receive them (webhooks, streams).
INGESTERS: dict[str, Callable[[Delivery], None]] = {}


def delivery_source_response(delivery: Delivery, account: ServiceAccount) -> SourceResponse:
    """The delivery as the archive's provenance of the records it brought, stored once per account."""
    existing = SourceResponse.objects.filter(
        account=account, url=_delivery_url(delivery), sha256=delivery.sha256
    ).first()
    if existing is not None:
        return existing
    return archive_services.source_response_store(
        account=account,
        url=_delivery_url(delivery),
        status=200,
        headers=delivery.headers,
        body=bytes(delivery.body),
        fetched_at=delivery.received_at,
        method="POST" if delivery.source == Delivery.Source.META_WEBHOOK else "STREAM",
    )


def _delivery_url(delivery: Delivery) -> str:
    return f"{delivery.source}:{delivery.pk}"


def delivery_ingest(*, delivery_id: int) -> Delivery:
    """Store what one delivery says (called by the `harvest.ingest_delivery` task; idempotent)."""
    from . import streams, webhooks  # noqa: F401 - the modules that receive deliveries say how to read them

    delivery = Delivery.objects.get(pk=delivery_id)
    try:
        INGESTERS[delivery.source](delivery)
    except ConnectorError as exc:
        Delivery.objects.filter(pk=delivery.pk).update(error=exc.message[:2000])
        raise
    delivery.processed_at, delivery.error = timezone.now(), ""
    delivery.save(update_fields=["processed_at", "error"])
    return delivery


@transaction.atomic
def stream_delivery_store(
    *, source: str, key: str, account_id: int, body: bytes, cursor: str, position: str
) -> tuple[Delivery, bool]:
    """Keep one stream event that concerns an archived account, and the stream's position after it,
    in one transaction; an event seen again (a resumed cursor is inclusive) is kept once."""
    from .tasks import ingest_delivery

    now = timezone.now()
    delivery, created = Delivery.objects.get_or_create(
        source=source,
        key=key,
        defaults={
            "account_id": account_id,
            "received_at": now,
            "body": body,
            "sha256": hashlib.sha256(body).hexdigest(),
        },
    )
    stream_position_save(name=cursor, position=position)
    if created:
        transaction.on_commit(lambda: ingest_delivery.delay(delivery.pk))
    return delivery, created


def deliveries_requeue(*, now=None) -> list[int]:
    """Queue again the deliveries stored but not ingested (beat, every few minutes): stored and
    queued are two steps, and the broker may have been away between them."""
    from .tasks import ingest_delivery

    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            processed_at__isnull=True,
            received_at__lte=now - DELIVERY_REQUEUE_AFTER,
            received_at__gte=now - DELIVERY_REQUEUE_FOR,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
    transaction.on_commit(lambda: [ingest_delivery.delay(pk) for pk in ids])
    return ids


def stream_position_save(*, name: str, position: str, error: str | None = None) -> None:
    fields = {"position": position, "updated_at": timezone.now()}
    if error is not None:
        fields["last_error"] = error[:2000]
    StreamCursor.objects.update_or_create(name=name, defaults=fields)


def stream_position(*, name: str) -> str:
    return StreamCursor.objects.filter(name=name).values_list("position", flat=True).first() or ""


def stream_events_ingest(
    delivery: Delivery, parse: Callable[[ServiceAccount, Connector, dict], list[ChangeEvent]]
) -> None:
    """A stream delivery's changes, for the account the stream found it concerns."""
    account = ServiceAccount.objects.get(pk=delivery.account_id)
    connector = connector_for(account)
    event = json.loads(bytes(delivery.body))
    for change in sorted(parse(account, connector, event), key=lambda change: (change.at, change.order)):
        event_apply(account=account, connector=connector, event=change, delivery=delivery)


def _lock_item(account: ServiceAccount, platform_id: str) -> None:
    """Changes of one item are applied one at a time, whichever worker got them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [ITEM_LOCK_NAMESPACE, f"{account.pk}:{platform_id}"],
        )


def _resolve(connector: Connector, event: ChangeEvent) -> Item | None:
    """The item to store for an upsert: the event's own when it is complete, else the platform's
    current one, else (the item is gone already) what the event said."""
    if event.complete and event.item is not None:
        return event.item
    try:
        return connector.fetch_item(event.platform_id)
    except NotFound:
        return event.item


def event_apply(
    *, account: ServiceAccount, connector: Connector, event: ChangeEvent, delivery: Delivery
) -> ItemEvent:
    """Apply one change to the archive, in order and at most once (see the module docstring)."""
    item = _resolve(connector, event) if event.action == ChangeAction.UPSERT else None
    with transaction.atomic():
        _lock_item(account, event.platform_id)
        row, _created = ItemEvent.objects.get_or_create(
            account=account,
            platform_id=event.platform_id,
            action=str(event.action),
            at=event.at,
            order=event.order,
            defaults={"delivery": delivery},
        )
        if row.applied_at is not None:
            return row  # the same change, sent again
        now = timezone.now()
        record = selectors.record_for(account=account, platform_id=event.platform_id)
        if event.action == ChangeAction.DELETE:
            row.outcome = ItemEvent.Outcome.NOT_ARCHIVED
            if record is not None:
                _mark_deleted(record, event.at)
                row.outcome = ItemEvent.Outcome.APPLIED
        elif item is None:
            row.outcome = ItemEvent.Outcome.GONE
        elif record is not None and _later_change_applied(row):
            row.outcome = ItemEvent.Outcome.SUPERSEDED
        else:
            record = _store(account, item, delivery_source_response(delivery, account), now)
            row.outcome = ItemEvent.Outcome.APPLIED
            removal = (
                ItemEvent.objects.filter(account=account, platform_id=item.platform_id, action="delete")
                .order_by("at")
                .first()
            )
            if removal is not None:
                _mark_deleted(record, removal.at)
            elif not connector.webhook_reports_deletions:
                recheck_schedule(account=account, platform_id=item.platform_id, now=now)
        row.applied_at = now
        row.save(update_fields=["outcome", "applied_at"])
    return row


def _mark_deleted(record, at) -> None:
    """As the harvest does when the platform says an item is gone: missing, then deleted."""
    archive_services.record_mark_missing(record=record, at=at)
    archive_services.record_mark_deleted_on_platform(record=record, at=at)


def _later_change_applied(row: ItemEvent) -> bool:
    return (
        ItemEvent.objects.filter(
            account_id=row.account_id,
            platform_id=row.platform_id,
            action=ItemEvent.Action.UPSERT,
            outcome=ItemEvent.Outcome.APPLIED,
        )
        .filter(Q(at__gt=row.at) | Q(at=row.at, order__gt=row.order))
        .exists()
    )


def _store(account: ServiceAccount, item: Item, source: SourceResponse | None, now):
    """The harvest's own upsert, and the inbox for what is new or edited (as a harvested page does)."""
    result = archive_services.record_ingest(
        account=account, item=incoming_item(item), source=source, seen_at=now
    )
    if result.created:
        moderation_services.case_open(record=result.record)
    elif result.changed:
        moderation_services.case_rescreen(record=result.record)
    return result.record


# --- look-ups of items on platforms that do not announce deletions ----------------------------------


def recheck_schedule(*, account: ServiceAccount, platform_id: str, now=None) -> Recheck:
    """Ask for the item again after the first of ``WEBHOOK_RECHECK_MINUTES`` (once per item)."""
    now = now or timezone.now()
    first = timedelta(minutes=settings.WEBHOOK_RECHECK_MINUTES[0])
    recheck, _created = Recheck.objects.get_or_create(
        account=account, platform_id=platform_id, defaults={"due_at": now + first}
    )
    return recheck


def rechecks_due(*, now=None) -> list[int]:
    """Enqueue every look-up that is due (beat, every minute); each is leased so it goes out once."""
    from .tasks import recheck_item

    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Recheck.objects.filter(due_at__lte=now)
            .order_by("due_at")
            .select_for_update(skip_locked=True)[:500]
        )
        for recheck in due:
            recheck.due_at = now + RECHECK_LEASE
            recheck.save(update_fields=["due_at"])
        ids = [recheck.pk for recheck in due]
        transaction.on_commit(lambda: [recheck_item.delay(pk) for pk in ids])
    return ids


def recheck_run(*, recheck_id: int) -> str:
    """Ask the platform for the item: gone means deleted now; found is stored (an edit becomes a
    version). After the last look-up the item is left to the scheduled harvest."""
    recheck = Recheck.objects.select_related("account").filter(pk=recheck_id).first()
    if recheck is None:
        return "done"
    account, now = recheck.account, timezone.now()
    connector = connector_for(account)
    try:
        item = connector.fetch_item(recheck.platform_id)
    except NotFound:
        item = None
    with transaction.atomic():
        _lock_item(account, recheck.platform_id)
        record = selectors.record_for(account=account, platform_id=recheck.platform_id)
        if item is None:
            if record is not None:
                _mark_deleted(record, now)
            recheck.delete()
            return "deleted"
        _store(account, item, None, now)
        delays = settings.WEBHOOK_RECHECK_MINUTES
        recheck.step += 1
        if recheck.step >= len(delays):
            recheck.delete()
            return "done"
        recheck.due_at = now + timedelta(minutes=delays[recheck.step] - delays[recheck.step - 1])
        recheck.save(update_fields=["step", "due_at"])
    return "found"
