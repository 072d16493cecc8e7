import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AccountState, ServiceAccount

from . import permissions, selectors, services, webhooks


def status_context(user, account: ServiceAccount) -> dict:
    return {
        "account": account,
        "harvest": selectors.account_harvest_status(account=account),
        "can_request_harvest": account.state == AccountState.ACTIVE
        and permissions.can_request_harvest(user, account),
    }


@login_required
@require_GET
def account_status(request, account_id: int):
    """The harvest panel of the account page; htmx polls it while a run is going."""
    account = get_object_or_404(ServiceAccount.objects.select_related("department"), pk=account_id)
    if not permissions.can_view_harvest(request.user, account):
        raise PermissionDenied
    return render(request, "harvest/_account_status_panel.html", status_context(request.user, account))


@login_required
@require_POST
def account_harvest_now(request, account_id: int):
    account = get_object_or_404(ServiceAccount, pk=account_id)
    if account.state != AccountState.ACTIVE or not permissions.can_request_harvest(request.user, account):
        raise PermissionDenied
    services.harvest_request(actor=request.user, account=account)
    messages.success(request, _("A harvest of the account has been started."))
    return redirect(account.get_absolute_url())


@csrf_exempt  # Meta cannot send a CSRF token; every delivery is signed with the app secret instead
@require_http_methods(["GET", "POST"])
def meta_webhook(request):
    """Meta's callback: the GET answers the dashboard's verification (and writes nothing), a POST
    is a delivery, stored only when its signature over the raw body is right."""
    if request.method == "GET":
        answer = webhooks.verification_answer(
            mode=request.GET.get("hub.mode", ""),
            token=request.GET.get("hub.verify_token", ""),
            challenge=request.GET.get("hub.challenge", ""),
        )
        if answer is None:
            return HttpResponseForbidden()
        return HttpResponse(answer, content_type="text/plain")
    body = request.body
    signature = request.headers.get(webhooks.SIGNATURE_HEADER, "")
    if not webhooks.signature_valid(body=body, signature=signature):
        return HttpResponseForbidden()
    try:
        json.loads(body)
    except ValueError:
        return HttpResponseBadRequest()
    webhooks.webhook_delivery_store(body=body, headers=dict(request.headers))
    return HttpResponse("ok", content_type="text/plain")
