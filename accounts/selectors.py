"""Reads of the account register."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from platforms import credential_kinds as platform_credential_kinds
from platforms import get_connector_class

from .models import (
    CREDENTIAL_LABELS,
    CREDENTIAL_PURPOSE_LABELS,
    AccountEvent,
    AccountState,
    Credential,
    CredentialAccess,
    Department,
    Platform,
    ServiceAccount,
    User,
)
from .permissions import visible_accounts
from .setup_guide import FIELD_LABELS, NEED_HELP, NEED_LABELS, PLATFORM_INTRO

TOKEN_WARNING_DAYS = 14
DECISION_ACTIONS = (AccountEvent.Action.APPROVED, AccountEvent.Action.REJECTED, AccountEvent.Action.RETURNED)


def _with_check_due(accounts: QuerySet[ServiceAccount]) -> QuerySet[ServiceAccount]:
    return accounts.annotate(
        check_due_at=ExpressionWrapper(
            Coalesce(F("last_checked_at"), F("created_at")) + F("supervision_interval"),
            output_field=DateTimeField(),
        )
    )


def accounts_overdue_for_check(*, user, now=None) -> QuerySet[ServiceAccount]:
    """N4/N13: active accounts no person has checked within their interval, oldest first."""
    now = now or timezone.now()
    return (
        _with_check_due(visible_accounts(user).filter(state=AccountState.ACTIVE))
        .filter(check_due_at__lt=now)
        .select_related("department")
        .order_by("check_due_at")
    )


def accounts_due_for_reminder(*, now) -> QuerySet[ServiceAccount]:
    """N13: overdue accounts whose administrators have not been reminded in this overdue
    period, or not for a whole interval since the last reminder."""
    return (
        _with_check_due(ServiceAccount.objects.filter(state=AccountState.ACTIVE))
        .filter(check_due_at__lt=now)
        .filter(
            Q(last_reminder_at__isnull=True)
            | Q(last_reminder_at__lt=F("check_due_at"))
            | Q(last_reminder_at__lte=ExpressionWrapper(now - F("supervision_interval"), DateTimeField()))
        )
        .order_by("pk")
    )


def accounts_short_of_administrators(*, user) -> QuerySet[ServiceAccount]:
    """F2: accounts in service with fewer than two active administrators."""
    return (
        visible_accounts(user)
        .exclude(state__in=[AccountState.RETIRED, AccountState.REJECTED])
        .annotate(
            active_admins=Count("administrator_links", filter=Q(administrator_links__user__is_active=True))
        )
        .filter(active_admins__lt=2)
        .select_related("department")
    )


def requests_awaiting_decision(*, user) -> QuerySet[ServiceAccount]:
    """N1: requests the person decides on as head of department."""
    return (
        ServiceAccount.objects.filter(state=AccountState.REQUESTED, department__head=user)
        .select_related("department", "request__requested_by")
        .order_by("created_at")
    )


def account_list(*, user, department_id=None, platform=None, state=None) -> QuerySet[ServiceAccount]:
    accounts = visible_accounts(user).select_related("department")
    if department_id:
        accounts = accounts.filter(department_id=department_id)
    if platform:
        accounts = accounts.filter(platform=platform)
    if state:
        accounts = accounts.filter(state=state)
    return accounts.order_by("department__name", "display_name", "pk")


def account_decisions(*, account: ServiceAccount) -> QuerySet[AccountEvent]:
    """N1: the head's decisions on the request, newest first."""
    return account.events.filter(action__in=DECISION_ACTIONS).select_related("actor")


def administrator_candidates(*, department: Department, exclude=()) -> list:
    """Active people of the department; the untrained ones are listed too, so a form can
    show them as not selectable (N5)."""
    return list(
        User.objects.filter(department=department, is_active=True)
        .exclude(pk__in=[user.pk for user in exclude])
        .order_by("first_name", "last_name", "username")
    )


# A secret people use by hand; never read by the harvest or publishing.
MANUAL_CREDENTIAL = "password"


def credential_kind_choices(platform: str) -> list[tuple[str, str]]:
    """The kinds of secret that can be stored for an account of ``platform``: what its connector reads,
    then a password for logging in by hand."""
    kinds = [*platform_credential_kinds(platform), MANUAL_CREDENTIAL]
    return [(kind, CREDENTIAL_LABELS.get(kind, kind)) for kind in kinds]


@dataclass(frozen=True)
class CredentialHealth:
    """What the token health panel says about one credential."""

    credential: Credential
    expired: bool
    expires_soon: bool
    failing: bool

    @property
    def needs_attention(self) -> bool:
        return self.expired or self.expires_soon or self.failing

    @property
    def unused(self) -> bool:
        """Stored but never used for a connection yet: nobody knows whether it works."""
        return self.credential.last_success_at is None and self.credential.last_error_at is None

    @property
    def label(self) -> str:
        return self.credential.kind_label


def credential_health(*, account: ServiceAccount, now=None) -> list[CredentialHealth]:
    now = now or timezone.now()
    soon = now + timedelta(days=TOKEN_WARNING_DAYS)
    health = []
    for credential in account.credentials.select_related("updated_by").order_by("name"):
        expires = credential.expires_at
        failing = credential.last_error_at is not None and (
            credential.last_success_at is None or credential.last_error_at > credential.last_success_at
        )
        health.append(
            CredentialHealth(
                credential=credential,
                expired=expires is not None and expires <= now,
                expires_soon=expires is not None and now < expires <= soon,
                failing=failing,
            )
        )
    return health


# The connectors' names for the account's own fields.
SETUP_FIELDS = {"platform_id": "platform_id", "handle": "handle", "base_url": "api_base_url"}


@dataclass(frozen=True)
class SetupNeed:
    """One thing an account can have for its harvest: a field of its own or a stored credential."""

    name: str
    label: str
    help: str
    present: bool
    is_credential: bool


@dataclass(frozen=True)
class SetupStep:
    """One line of the setup checklist: any one of its alternatives will do."""

    options: tuple[SetupNeed, ...]
    optional: bool

    @property
    def present(self) -> bool:
        return any(option.present for option in self.options)

    @property
    def is_credential(self) -> bool:
        return any(option.is_credential for option in self.options)


@dataclass(frozen=True)
class AccountSetup:
    intro: str
    steps: tuple[SetupStep, ...]

    @property
    def missing(self) -> list[SetupStep]:
        return [step for step in self.steps if not step.optional and not step.present]

    @property
    def complete(self) -> bool:
        return not self.missing


def account_setup(*, account: ServiceAccount) -> AccountSetup:
    """What the harvest of ``account`` needs, as its platform's connector says, and which of it is there."""
    connector = get_connector_class(account.platform)
    stored = set(account.credentials.values_list("name", flat=True))

    def need(name: str) -> SetupNeed:
        key = (account.platform, name)
        if name in SETUP_FIELDS:
            present = bool(getattr(account, SETUP_FIELDS[name]))
            label = NEED_LABELS.get(key) or FIELD_LABELS[name]
        else:
            present = name in stored
            label = CREDENTIAL_LABELS.get(name, name)
        return SetupNeed(name, str(label), str(NEED_HELP.get(key, "")), present, name not in SETUP_FIELDS)

    steps = [SetupStep(tuple(map(need, names)), optional=False) for names in connector.setup_needs]
    steps += [SetupStep((need(name),), optional=True) for name in connector.setup_optional]
    return AccountSetup(intro=str(PLATFORM_INTRO.get(account.platform, "")), steps=tuple(steps))


def credential_access_log(*, account: ServiceAccount) -> QuerySet[CredentialAccess]:
    """F1: every read, replacement and re-encryption of the account's credentials, newest first."""
    return (
        CredentialAccess.objects.filter(credential__account=account)
        .select_related("credential", "actor")
        .order_by("-at", "-pk")
    )


def credential_purpose_label(purpose: str) -> str:
    """Why a credential was used, in words: the system's own purposes are named, others kept as written."""
    label = CREDENTIAL_PURPOSE_LABELS.get(purpose)
    return str(label) if label else purpose


def credentials_needing_attention(*, user, now=None) -> QuerySet[Credential]:
    """Credentials of the person's active accounts that have expired, expire within
    TOKEN_WARNING_DAYS, or failed at their last use: someone must renew them before the harvest stops."""
    now = now or timezone.now()
    failing = Q(last_error_at__isnull=False) & (
        Q(last_success_at__isnull=True) | Q(last_error_at__gt=F("last_success_at"))
    )
    return (
        Credential.objects.filter(
            account__in=visible_accounts(user).filter(state=AccountState.ACTIVE).values("pk")
        )
        .filter(Q(expires_at__lte=now + timedelta(days=TOKEN_WARNING_DAYS)) | failing)
        .select_related("account", "account__department")
        .order_by("expires_at", "account__display_name", "name")
    )


# The events that move an account into or out of service.
_LIFECYCLE = (
    AccountEvent.Action.ACTIVATED,
    AccountEvent.Action.PAUSED,
    AccountEvent.Action.RESUMED,
    AccountEvent.Action.RETIRED,
)
_INTO_SERVICE = (AccountEvent.Action.ACTIVATED, AccountEvent.Action.RESUMED)


def _without_history():
    return ~Exists(AccountEvent.objects.filter(account=OuterRef("pk"), action__in=_LIFECYCLE))


def accounts_active_at(at: datetime) -> QuerySet[ServiceAccount]:
    """The accounts that were active (in service, not paused) at the moment ``at``, by the last lifecycle
    event before it. An account entered without its history is judged by its state now."""
    last = (
        AccountEvent.objects.filter(account=OuterRef("pk"), action__in=_LIFECYCLE, at__lte=at)
        .order_by("-at", "-pk")
        .values("action")[:1]
    )
    return ServiceAccount.objects.annotate(last_lifecycle=Subquery(last)).filter(
        Q(last_lifecycle__in=_INTO_SERVICE)
        | (_without_history() & Q(state=AccountState.ACTIVE, created_at__lte=at))
    )


def accounts_in_service_during(start: datetime, end: datetime) -> QuerySet[ServiceAccount]:
    """The accounts that were active at some moment in [start, end): an approved account that was never
    activated is not among them, nor one retired before the period."""
    went_live = AccountEvent.objects.filter(
        account=OuterRef("pk"), action__in=_INTO_SERVICE, at__gte=start, at__lt=end
    )
    return ServiceAccount.objects.filter(
        Q(pk__in=accounts_active_at(start).values("pk"))
        | Exists(went_live)
        | (_without_history() & Q(state__in=[AccountState.ACTIVE, AccountState.PAUSED], created_at__lt=end))
    )


def overview_matrix(*, user) -> dict:
    """N19: the number of active accounts per department and platform."""
    counts = {
        (row["department_id"], row["platform"]): row["n"]
        for row in ServiceAccount.objects.filter(state=AccountState.ACTIVE)
        .values("department_id", "platform")
        .annotate(n=Count("pk"))
    }
    platforms = list(Platform)
    rows = []
    for department in Department.objects.order_by("name"):
        cells = [
            {"platform": platform, "count": counts.get((department.pk, platform.value), 0)}
            for platform in platforms
        ]
        rows.append(
            {
                "department": department,
                "cells": cells,
                "total": sum(cell["count"] for cell in cells),
                "own": department.pk == user.department_id,
            }
        )
    totals = [sum(row["cells"][i]["count"] for row in rows) for i in range(len(platforms))]
    return {"platforms": platforms, "rows": rows, "totals": totals, "total": sum(totals)}


# The public listing (F4, F8, N7, N22). It is built once per version and cached; the
# services bump the version whenever an account changes, so a cached copy is never stale
# for longer than it takes to commit. The timeout only bounds memory.
PUBLIC_LISTING_VERSION_KEY = "accounts:public-listing:version"
PUBLIC_LISTING_TIMEOUT = 24 * 60 * 60


def public_listing_version() -> int:
    version = cache.get(PUBLIC_LISTING_VERSION_KEY)
    if version is None:
        version = int(timezone.now().timestamp())
        cache.add(PUBLIC_LISTING_VERSION_KEY, version, timeout=None)
        version = cache.get(PUBLIC_LISTING_VERSION_KEY, version)
    return version


def public_listing_bump_version() -> None:
    try:
        cache.incr(PUBLIC_LISTING_VERSION_KEY)
    except ValueError:
        cache.set(PUBLIC_LISTING_VERSION_KEY, int(timezone.now().timestamp()), timeout=None)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _build_public_listing() -> list[dict]:
    accounts = list(
        ServiceAccount.objects.filter(state=AccountState.ACTIVE)
        .select_related("department", "parent")
        .order_by("department__name", "platform", "display_name", "pk")
    )
    active_ids = {account.pk for account in accounts}
    children: dict[int, list[int]] = {}
    for account in accounts:
        if account.parent_id in active_ids:
            children.setdefault(account.parent_id, []).append(account.pk)
    names = {
        account.pk: f"{account.display_name} ({Platform(account.platform).label})" for account in accounts
    }
    activated = dict(
        AccountEvent.objects.filter(account_id__in=active_ids, action=AccountEvent.Action.ACTIVATED)
        .values("account_id")
        .annotate(first=Min("at"))
        .values_list("account_id", "first")
    )
    listing = []
    for account in accounts:
        parent_id = account.parent_id if account.parent_id in active_ids else None
        listing.append(
            {
                "id": account.pk,
                "name": account.display_name,
                "platform": account.platform,
                "platform_name": str(Platform(account.platform).label),
                "handle": account.handle,
                "url": account.profile_url,
                "department": account.department.name,
                "department_code": account.department.series_code,
                "municipality": settings.MUNICIPALITY_NAME,
                "purpose": account.purpose,
                "target_audience": account.target_audience,
                "response_time_hours": round(account.response_time.total_seconds() / 3600, 2),
                "response_time_text": account.response_time_text,
                "parent_id": parent_id,
                "parent_name": names.get(parent_id, ""),
                "children": [{"id": pk, "name": names[pk]} for pk in children.get(account.pk, [])],
                "active_since": _iso(activated.get(account.pk)),
                "updated_at": _iso(account.updated_at),
            }
        )
    return listing


# The fields of each account in the open data (JSON, CSV and the REST API), in this order.
PUBLIC_FIELDS = [
    "id",
    "name",
    "platform",
    "platform_name",
    "handle",
    "url",
    "department",
    "department_code",
    "municipality",
    "purpose",
    "target_audience",
    "response_time_hours",
    "response_time_text",
    "parent_id",
    "parent_name",
    "active_since",
    "updated_at",
]


def public_listing() -> list[dict]:
    """Every active account as plain data (JSON-safe), ordered by department, platform, name."""
    # Platform names are translated, so each language has its own copy.
    key = f"accounts:public-listing:{get_language()}:{public_listing_version()}"
    return cache.get_or_set(key, _build_public_listing, timeout=PUBLIC_LISTING_TIMEOUT)


def lockouts_active(*, now=None):
    """The failed-login records that currently refuse a user name or an address, newest first."""
    from axes.models import AccessAttempt

    now = now or timezone.now()
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=now - settings.AXES_COOLOFF_TIME,
    ).order_by("-attempt_time")


def signin_events(*, limit: int = 50):
    from .models import SignInEvent

    return SignInEvent.objects.select_related("user", "actor")[:limit]


def user_has_second_factor(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def second_factor_required(user) -> bool:
    """Whether the person's roles (SMGOV_MFA_REQUIRED_ROLES) demand a second factor."""
    from .roles import has_role

    return has_role(user, *settings.SMGOV_MFA_REQUIRED_ROLES)


def recovery_codes_left(user) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
