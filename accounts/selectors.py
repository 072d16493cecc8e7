"""Reads of the account register."""

from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import AccountState, ServiceAccount
from .permissions import visible_accounts


def accounts_overdue_for_check(*, user, now=None) -> QuerySet[ServiceAccount]:
    """N4/N13: active accounts no person has checked within their interval, oldest first."""
    now = now or timezone.now()
    return (
        visible_accounts(user)
        .filter(state=AccountState.ACTIVE)
        .annotate(
            check_due_at=ExpressionWrapper(
                Coalesce(F("last_checked_at"), F("created_at")) + F("supervision_interval"),
                output_field=DateTimeField(),
            )
        )
        .filter(check_due_at__lt=now)
        .select_related("department")
        .order_by("check_due_at")
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
