from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from . import permissions
from .models import AccountState, ServiceAccount


def public_list(request):
    """F4/N22: every active account, grouped by department, for anyone."""
    accounts = (
        ServiceAccount.objects.filter(state=AccountState.ACTIVE)
        .select_related("department", "parent")
        .order_by("department__name", "platform", "display_name")
    )
    return render(request, "accounts/public_list.html", {"accounts": accounts})


@login_required
def account_list(request):
    accounts = (
        permissions.visible_accounts(request.user)
        .select_related("department")
        .order_by("department__name", "display_name")
    )
    page = Paginator(accounts, 50).get_page(request.GET.get("sida"))
    return render(request, "accounts/account_list.html", {"page": page})


@login_required
def account_detail(request, pk: int):
    account = get_object_or_404(ServiceAccount.objects.select_related("department", "parent"), pk=pk)
    if not permissions.can_view_account(request.user, account):
        raise PermissionDenied
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "administrators": account.administrators.order_by("first_name"),
            "events": account.events.select_related("actor")[:50],
        },
    )
