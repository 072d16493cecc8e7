"""Pages of the account register. Each asks the permission policy, then a selector or a service."""

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from . import permissions, public_page, selectors, services
from .forms import (
    AccountDetailsForm,
    AccountFilterForm,
    AccountRequestForm,
    AccountResubmitForm,
    AdministratorAddForm,
    CommentForm,
    CredentialForm,
    DecisionForm,
    DepartmentChoiceForm,
)
from .models import AccountState, ServiceAccount, User

PAGE_SIZE = 25
PUBLIC_MAX_AGE = 5 * 60


def _removal_grounds() -> list[str]:
    """What a provider of an electronic bulletin board removes (Act 1998:112, §§ 5-7), shown on the
    public page (N22), with the personal and secret data the municipality also must not publish."""
    return [
        _("incitement (uppvigling)"),
        _("agitation against a population group (hets mot folkgrupp)"),
        _("child sexual abuse material (barnpornografibrott)"),
        _("unlawful depiction of violence (olaga våldsskildring)"),
        _("copyright infringement (upphovsrättsintrång)"),
        _("unlawful threats (olaga hot)"),
        _("unlawful privacy violations (olaga integritetsintrång)"),
        _("public incitement to terrorist offences (offentlig uppmaning)"),
        _("personal data that must not be published, such as personal identity numbers or health details"),
        _("secret information"),
    ]


# The public listing (F4, F8, N7, N22): no login, plain HTML, JSON and CSV from one cached selector.


def _render_public_list(request):
    return render(
        request,
        "accounts/public_list.html",
        {
            "accounts": selectors.public_listing(),
            "removal_grounds": _removal_grounds(),
            "municipality_website": settings.MUNICIPALITY_WEBSITE,
            "feedback_form_url": settings.FEEDBACK_FORM_URL,
        },
    )


@require_safe
def public_list(request):
    if request.user.is_authenticated:  # the header names the person: not the public's page
        return _render_public_list(request)
    # Rendered once per page tag (see public_page.py, which also serves the whole response).
    tag = public_page.page_tag(translation.get_language())
    etag = f'"{tag}"'
    if public_page.etag_matches(request, etag):
        response = HttpResponseNotModified()
    else:
        key = f"accounts:public-page:{tag}"
        body = cache.get(key)
        if body is None:
            body = _render_public_list(request).content
            cache.set(key, body, timeout=public_page.TIMEOUT)
        response = HttpResponse(body)
    response["ETag"] = etag
    patch_vary_headers(response, ["Cookie"])
    return _public_response(response)


def _public_response(response):
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def public_json(request):
    listing = selectors.public_listing()
    data = {
        "municipality": settings.MUNICIPALITY_NAME,
        "website": settings.MUNICIPALITY_WEBSITE,
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "count": len(listing),
        "accounts": [
            {
                **{name: account[name] for name in selectors.PUBLIC_FIELDS},
                "children": [c["id"] for c in account["children"]],
            }
            for account in listing
        ],
    }
    return _public_response(JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2}))


def public_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="konton.csv"'
    response.write("\ufeff")  # so Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(selectors.PUBLIC_FIELDS)
    for account in selectors.public_listing():
        writer.writerow(["" if account[name] is None else account[name] for name in selectors.PUBLIC_FIELDS])
    return _public_response(response)


# The register, for the municipality's staff.


@login_required
def account_list(request):
    form = AccountFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    accounts = selectors.account_list(
        user=request.user,
        department_id=getattr(filters.get("department"), "pk", None),
        platform=filters.get("platform") or None,
        state=filters.get("state") or None,
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("sida"))
    query = request.GET.copy()
    query.pop("sida", None)
    return render(
        request,
        "accounts/account_list.html",
        {
            "page": page,
            "filter_form": form,
            "filtered": any(filters.values()),
            "query_string": query.urlencode(),
            "can_request": permissions.can_request(request.user),
        },
    )


@login_required
def overview(request):
    """N19: where the departments are active, for central management."""
    if not permissions.can_view_overview(request.user):
        raise PermissionDenied
    sees_all = permissions.visible_accounts(request.user).count() == ServiceAccount.objects.count()
    return render(
        request,
        "accounts/overview.html",
        {"matrix": selectors.overview_matrix(user=request.user), "sees_all": sees_all},
    )


@login_required
def decisions(request):
    """N1: the requests waiting for this head of department's decision."""
    if not permissions.can_see_decisions(request.user):
        raise PermissionDenied
    return render(
        request,
        "accounts/decisions.html",
        {"requests": selectors.requests_awaiting_decision(user=request.user)},
    )


@login_required
def request_create(request):
    """N2/N10: a department's communicator asks to start an account."""
    departments = permissions.requestable_departments(request.user).order_by("name")
    if not departments.exists():
        raise PermissionDenied
    chooser = DepartmentChoiceForm(request.GET or None, departments=departments)
    if chooser.is_valid():
        department = chooser.cleaned_data["department"]
    else:
        department = departments.filter(pk=request.user.department_id).first() or departments.first()
        chooser = DepartmentChoiceForm(initial={"department": department}, departments=departments)
    form = AccountRequestForm(
        request.POST or None, instance=ServiceAccount(department=department), department=department
    )
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_request_submit(
                actor=request.user, department=department, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The request was sent to the head of the department."))
            return redirect(account)
    return render(
        request,
        "accounts/request_form.html",
        {
            "form": form,
            "department": department,
            "chooser": chooser if departments.count() > 1 else None,
        },
    )


def _account(pk: int) -> ServiceAccount:
    return get_object_or_404(
        ServiceAccount.objects.select_related("department", "parent", "request__requested_by"), pk=pk
    )


def _viewable_account(request, pk: int) -> ServiceAccount:
    account = _account(pk)
    if not permissions.can_view_account(request.user, account):
        raise PermissionDenied
    return account


def _managed_account(request, pk: int) -> ServiceAccount:
    account = _account(pk)
    if not permissions.can_manage_account(request.user, account):
        raise PermissionDenied
    return account


@login_required
def request_resubmit(request, pk: int):
    account = _account(pk)
    if not permissions.can_resubmit_request(request.user, account):
        raise PermissionDenied
    if account.state != AccountState.RETURNED:
        raise Http404
    form = AccountResubmitForm(
        request.POST or None,
        instance=ServiceAccount.objects.select_related("request").get(pk=account.pk),
        department=account.department,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_request_resubmit(actor=request.user, account=account, **form.service_arguments())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The request was sent to the head of the department again."))
            return redirect(account)
    decision = selectors.account_decisions(account=account).first()
    return render(
        request, "accounts/request_form.html", {"form": form, "account": account, "decision": decision}
    )


@login_required
def account_detail(request, pk: int):
    account = _viewable_account(request, pk)
    user = request.user
    can_manage = permissions.can_manage_account(user, account)
    can_decide = permissions.can_decide_request(user, account) and account.state == AccountState.REQUESTED
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "administrators": account.administrators.order_by("first_name", "last_name"),
            "events": account.events.select_related("actor")[:50],
            "decisions": selectors.account_decisions(account=account),
            "credential_health": selectors.credential_health(account=account),
            "setup": selectors.account_setup(account=account),
            "can_manage": can_manage,
            "can_manage_credentials": permissions.can_manage_credentials(user, account),
            "can_view_credential_log": permissions.can_view_credential_log(user),
            "can_resubmit": account.state == AccountState.RETURNED
            and permissions.can_resubmit_request(user, account),
            "decision_form": DecisionForm() if can_decide else None,
            "admin_form": AdministratorAddForm(account=account)
            if can_manage and account.state != AccountState.RETIRED
            else None,
            "children": account.children.select_related("department").order_by("display_name"),
        },
    )


@login_required
def account_edit(request, pk: int):
    account = _managed_account(request, pk)
    form = AccountDetailsForm(request.POST or None, instance=ServiceAccount.objects.get(pk=account.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(actor=request.user, account=account, **form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The account's details were saved."))
            return redirect(account)
    return render(request, "accounts/account_form.html", {"form": form, "account": account})


def _run(request, account: ServiceAccount, service, success: str, **arguments):
    """Call a service for a POSTed action and tell the person what happened."""
    try:
        service(actor=request.user, account=account, **arguments)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect(account)


@require_POST
@login_required
def account_decide(request, pk: int):
    """N1/N10: the head of the department approves, rejects or sends back the request."""
    account = _account(pk)
    if not permissions.can_decide_request(request.user, account):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect(account)
    return _run(
        request,
        account,
        services.account_decide,
        _("Your decision was recorded and the requester was told."),
        decision=form.cleaned_data["decision"],
        comment=form.cleaned_data["comment"],
    )


# URL slug -> (service, takes a comment, message on success)
ACTIONS = {
    "aktivera": (services.account_activate, False, gettext_lazy("The account is active.")),
    "pausa": (services.account_pause, True, gettext_lazy("The account is paused.")),
    "ateruppta": (services.account_resume, False, gettext_lazy("The account is active again.")),
    "avsluta": (services.account_retire, True, gettext_lazy("The account is retired.")),
    "kontrollerad": (services.account_mark_checked, False, gettext_lazy("The account is marked as checked.")),
}


@require_POST
@login_required
def account_action(request, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404
    account = _managed_account(request, pk)
    service, takes_comment, success = ACTIONS[action]
    arguments = {}
    if takes_comment:
        form = CommentForm(request.POST)
        arguments["comment"] = form.cleaned_data["comment"] if form.is_valid() else ""
    return _run(request, account, service, str(success), **arguments)


@require_POST
@login_required
def administrator_add(request, pk: int):
    account = _managed_account(request, pk)
    form = AdministratorAddForm(request.POST, account=account)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(account)
    person = form.cleaned_data["user"]
    return _run(
        request,
        account,
        services.administrator_add,
        _("%(person)s now administers the account.") % {"person": person},
        user=person,
    )


@require_POST
@login_required
def administrator_remove(request, pk: int, user_pk: int):
    account = _managed_account(request, pk)
    person = get_object_or_404(User, pk=user_pk)
    return _run(
        request,
        account,
        services.administrator_remove,
        _("%(person)s no longer administers the account.") % {"person": person},
        user=person,
    )


@login_required
def credentials(request, pk: int):
    """F1: replace the account's secrets; they are never shown, only their health."""
    account = _account(pk)
    if not permissions.can_manage_credentials(request.user, account):
        raise PermissionDenied
    form = CredentialForm(
        request.POST or None, platform=account.platform, initial={"name": request.GET.get("namn", "")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_set(
                actor=request.user,
                account=account,
                name=form.cleaned_data["name"],
                secret=form.cleaned_data["secret"],
                expires_at=form.cleaned_data["expires_at"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The secret was encrypted and saved. It will not be shown again."))
            return redirect("accounts:credentials", pk=account.pk)
    return render(
        request,
        "accounts/credentials.html",
        {"account": account, "form": form, "credential_health": selectors.credential_health(account=account)},
    )


@require_POST
@login_required
def test_connection(request, pk: int):
    """One harmless request to the platform with the account's details; the outcome says what next."""
    account = _account(pk)
    if not permissions.can_manage_credentials(request.user, account):
        raise PermissionDenied
    result = services.account_test_connection(actor=request.user, account=account)
    messages.add_message(request, messages.SUCCESS if result.works else messages.ERROR, str(result))
    return redirect(account)


CREDENTIAL_LOG_PAGE_SIZE = 50


@login_required
def credential_log(request, pk: int):
    """F1: who read or replaced the account's credentials, when and why."""
    account = _account(pk)
    if not permissions.can_view_credential_log(request.user):
        raise PermissionDenied
    page = Paginator(selectors.credential_access_log(account=account), CREDENTIAL_LOG_PAGE_SIZE).get_page(
        request.GET.get("sida")
    )
    rows = [
        {"access": access, "purpose": selectors.credential_purpose_label(access.purpose)}
        for access in page.object_list
    ]
    return render(request, "accounts/credential_log.html", {"account": account, "page": page, "rows": rows})
