"""Reads for the harvest: what to poll next, and what the account page shows about it."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from accounts.models import AccountState, ServiceAccount
from archive.models import MediaFile, Record, RecordKind

from .models import ConnectionStatus, FollowerCount, HarvestRun, HarvestState


def posts_to_repoll(*, account: ServiceAccount, since: datetime) -> list[str]:
    """Posts young enough that comments may still arrive, newest first. Only posts a platform
    response delivered: an imported (or demo) post the platform never listed is not asked about,
    so it cannot be judged deleted there."""
    return list(
        Record.objects.filter(
            account=account,
            kind=RecordKind.POST,
            source__isnull=False,
            published_at__gte=since,
            deleted_on_platform_at__isnull=True,
            removed_at__isnull=True,
        )
        .order_by("-published_at")
        .values_list("platform_id", flat=True)
    )


def _stored_posts(account: ServiceAccount) -> QuerySet[Record]:
    """The account's posts that a platform response delivered and that are still on the platform."""
    return Record.objects.filter(
        account=account,
        kind=RecordKind.POST,
        source__isnull=False,
        deleted_on_platform_at__isnull=True,
        removed_at__isnull=True,
        purged_at__isnull=True,
    )


def posts_to_reread(*, account: ServiceAccount, since: datetime, not_seen_since: datetime) -> list[Record]:
    """Young posts that this run's listing did not return (an incremental listing stops at the newest
    stored post): read again one by one, since their authors still edit and delete them."""
    return list(
        _stored_posts(account)
        .filter(published_at__gte=since, last_seen_at__lt=not_seen_since)
        .order_by("-published_at", "-pk")
    )


def posts_to_reconcile(
    *, account: ServiceAccount, published_before: datetime, after_pk: int, limit: int
) -> list[Record]:
    """At most ``limit`` older posts for the nightly check, going round them in the order they were
    stored from the one after ``after_pk``: the posts checked longest ago come first."""
    older = _stored_posts(account).filter(published_at__lt=published_before).order_by("pk")
    posts = list(older.filter(pk__gt=after_pk)[:limit])
    if len(posts) < limit:
        posts += older.filter(pk__lte=after_pk)[: limit - len(posts)]
    return posts


def thread_items_not_seen_since(*, account: ServiceAccount, post_id: str, since: datetime) -> list[Record]:
    """Comments and replies of a post that a complete listing begun at ``since`` did not return.

    Only records a platform response delivered can go missing from it; records that came
    another way (an import, the demo) are not the listing's to judge. Nor are replies below a
    comment deleted on the platform: a thread listing no longer reaches them, although they may
    well still be there, so their absence from it says nothing."""
    left_out = list(
        Record.objects.filter(
            account=account,
            source__isnull=False,
            thread_platform_id=post_id,
            last_seen_at__lt=since,
            missing_since__isnull=True,
            deleted_on_platform_at__isnull=True,
        ).exclude(kind=RecordKind.POST)
    )
    if not left_out:
        return []
    thread = {
        pk: (parent_id, deleted is not None)
        for pk, parent_id, deleted in Record.objects.filter(
            account=account, thread_platform_id=post_id
        ).values_list("pk", "parent_id", "deleted_on_platform_at")
    }

    def below_a_deleted_comment(record: Record) -> bool:
        parent_id, seen = record.parent_id, {record.pk}
        while parent_id in thread and parent_id not in seen:
            seen.add(parent_id)
            parent_id, deleted = thread[parent_id]
            if deleted:
                return True
        return False

    return [record for record in left_out if not below_a_deleted_comment(record)]


def posts_not_seen_since(*, account: ServiceAccount, since: datetime) -> QuerySet[Record]:
    """Posts that a complete listing begun at ``since`` did not return (see above)."""
    return Record.objects.filter(
        account=account,
        source__isnull=False,
        kind=RecordKind.POST,
        last_seen_at__lt=since,
        missing_since__isnull=True,
        deleted_on_platform_at__isnull=True,
    )


def records_to_verify(*, account: ServiceAccount, limit: int) -> QuerySet[Record]:
    """Records a listing no longer returned: asked for one by one, oldest absence first."""
    return Record.objects.filter(
        account=account, missing_since__isnull=False, deleted_on_platform_at__isnull=True
    ).order_by("missing_since", "pk")[:limit]


def edit_times(*, account: ServiceAccount, platform_ids: list[str]) -> dict[str, datetime | None]:
    """The edit time the archive holds for each of these items that it has."""
    return dict(
        Record.objects.filter(platform=account.platform, platform_id__in=platform_ids).values_list(
            "platform_id", "edited_at"
        )
    )


def record_for(*, account: ServiceAccount, platform_id: str) -> Record | None:
    return Record.objects.filter(platform=account.platform, platform_id=platform_id).first()


def archived_account_for(*, platform: str, platform_ids: list[str], account_ids) -> int | None:
    """The account (of ``account_ids``) that has one of these items in the archive, if any."""
    found = Record.objects.filter(
        platform=platform, platform_id__in=platform_ids, account_id__in=account_ids
    ).values_list("account_id", flat=True)[:1]
    return next(iter(found), None)


def records_lacking_media(*, account: ServiceAccount, first_seen_since: datetime) -> QuerySet[Record]:
    """Records with media entries that have no stored (or skipped) file yet, e.g. after a crash
    between storing a page and downloading its files, or a failed download due to be tried again."""
    retry_due = MediaFile.objects.filter(record=OuterRef("pk"), retry_at__lte=timezone.now())
    return (
        Record.objects.filter(account=account, first_seen_at__gte=first_seen_since, purged_at__isnull=True)
        .exclude(media=[])
        .annotate(
            n_files=Count("media_files"),
            n_media=Func(F("media"), function="jsonb_array_length", output_field=IntegerField()),
        )
        .filter(Q(n_files__lt=F("n_media")) | Exists(retry_due))
        .prefetch_related("media_files")
    )


@dataclass(frozen=True)
class AccountHarvestStatus:
    state: HarvestState | None
    latest: HarvestRun | None
    running: HarvestRun | None
    recent: list[HarvestRun]
    followers: FollowerCount | None


def account_harvest_status(*, account: ServiceAccount, recent: int = 5) -> AccountHarvestStatus:
    state = HarvestState.objects.filter(account=account).first()
    runs = list(HarvestRun.objects.filter(account=account).order_by("-started_at", "-pk")[:recent])
    running = next((run for run in runs if run.is_running), None)
    return AccountHarvestStatus(
        state=state,
        latest=runs[0] if runs else None,
        running=running,
        recent=runs,
        followers=FollowerCount.objects.filter(account=account).order_by("-at").first(),
    )


def due_states(*, now: datetime) -> QuerySet[HarvestState]:
    return HarvestState.objects.filter(account__state="active", next_run_at__lte=now).order_by("next_run_at")


def harvest_outages(
    *, accounts: QuerySet[ServiceAccount], now: datetime | None = None
) -> QuerySet[HarvestState]:
    """Active accounts whose harvest is not working: failing, needing reconnection, or not harvested
    within twice their interval (a stalled schedule looks like nothing at all unless someone counts it)."""
    now = now or timezone.now()
    late = ExpressionWrapper(Value(now) - F("interval") * 2, output_field=DateTimeField())
    return (
        HarvestState.objects.filter(account__in=accounts, account__state=AccountState.ACTIVE)
        .annotate(late_before=late)
        .filter(
            Q(status__in=[ConnectionStatus.FAILING, ConnectionStatus.NEEDS_RECONNECTION])
            | Q(last_success_at__lt=F("late_before"))
            | Q(last_success_at__isnull=True, last_run_at__isnull=False)
        )
        .select_related("account", "account__department")
        .order_by("account__department__name", "account__display_name")
    )


def oldest_due_harvest(*, now: datetime) -> datetime | None:
    """When the harvest that has waited longest was due, among active accounts; None if none is due."""
    return (
        HarvestState.objects.filter(account__state=AccountState.ACTIVE, next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("next_run_at", flat=True)
        .first()
    )
