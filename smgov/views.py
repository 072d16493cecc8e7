"""The pages that belong to no single app: the start page, the problem view, the accessibility statement and
the health check."""

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.permissions import can_manage_credentials, visible_accounts
from accounts.roles import Area, Role, Scope, has_role, roles_of, scope
from moderation import permissions as moderation_permissions
from moderation import selectors as moderation_selectors
from registry import permissions as registry_permissions
from registry import selectors as registry_selectors

from . import health as health_checks
from . import problems as problem_selectors


@login_required
def dashboard(request):
    user = request.user
    overdue_checks = list(account_selectors.accounts_overdue_for_check(user=user)[:20])
    short_of_admins = list(account_selectors.accounts_short_of_administrators(user=user)[:20])
    decisions = (
        list(account_selectors.requests_awaiting_decision(user=user))
        if has_role(user, Role.HEAD_OF_DEPARTMENT)
        else []
    )
    cards = [
        {
            "title": _("Accounts"),
            "count": visible_accounts(user).filter(state="active").count(),
            "url": reverse("accounts:list"),
            "link_text": _("See the accounts"),
        },
        {"title": _("Overdue checks"), "count": len(overdue_checks), "alert": bool(overdue_checks)},
    ]
    if scope(user, Area.PROBLEMS) != Scope.NONE:
        _problem_cards(user, cards)
    if moderation_permissions.can_use_inbox(user):
        counts = moderation_selectors.inbox_counts(user=user)
        cards.insert(
            0,
            {
                "title": _("Open comments in the inbox"),
                "count": counts["open"],
                "alert": bool(counts["overdue"]),
                "url": reverse("moderation:inbox"),
                "link_text": ngettext(
                    "%(count)s overdue – open the inbox",
                    "%(count)s overdue – open the inbox",
                    counts["overdue"],
                )
                % {"count": counts["overdue"]},
            },
        )
        photos = moderation_selectors.photos_awaiting_consent(user=user).count()
        cards.append(
            {
                "title": _("Photos without a consent note"),
                "count": photos,
                "alert": bool(photos),
                "url": reverse("moderation:photo_consents"),
                "link_text": _("Note the consents"),
            }
        )
    if registry_permissions.diary_departments(user).exists():
        waiting = registry_selectors.queue(departments=registry_permissions.diary_departments(user)).count()
        cards.insert(
            0,
            {
                "title": _("Waiting to be registered"),
                "count": waiting,
                "alert": bool(waiting),
                "url": reverse("registry:diary"),
                "link_text": _("Open the registrar's queue"),
            },
        )
    if decisions:
        cards.append({"title": _("Requests to decide"), "count": len(decisions), "alert": True})
    return render(
        request,
        "dashboard.html",
        {
            "cards": cards,
            "overdue_checks": overdue_checks,
            "short_of_admins": short_of_admins,
            "decisions": decisions,
        },
    )


def _problem_cards(user, cards: list) -> None:
    """The problem list's cards, first on the start page, for those whose work has a problem list."""
    problems = {kind.key: kind for kind in problem_selectors.problems_for(user)}
    harvest = problems["harvest"]
    cards.insert(
        0,
        {
            "title": _("Accounts whose harvest is not working"),
            "count": harvest.count,
            "alert": bool(harvest.count),
            "url": reverse("problems") + "#harvest",
            "link_text": _("See what is wrong") if harvest.count else _("Every account is being harvested."),
        },
    )
    total = sum(kind.count for kind in problems.values())
    cards.insert(
        0,
        {
            "title": _("Problems to act on"),
            "count": total,
            "alert": bool(total),
            "url": reverse("problems"),
            "link_text": _("Open the problem list") if total else _("All is well."),
        },
    )


@login_required
def problems(request):
    """Everything that went wrong and waits for the person, each with the next step."""
    if scope(request.user, Area.PROBLEMS) == Scope.NONE:
        raise PermissionDenied
    kinds = problem_selectors.problems_for(request.user)
    # Only the information unit and an account's administrators renew its login details; others are
    # told whom to ask instead of being sent to a page they may not open.
    renewable = {
        credential.pk
        for kind in kinds
        if kind.key == "credentials"
        for credential in kind.rows
        if can_manage_credentials(request.user, credential.account)
    }
    return render(
        request,
        "problems.html",
        {"kinds": kinds, "total": sum(kind.count for kind in kinds), "renewable": renewable},
    )


@never_cache
def health_web(request):
    """For the container's own health check: this web process serves and reaches the database. The
    whole system's health (worker, beat, harvest) is `/halsa/`, for monitoring."""
    check = health_checks.database()
    return JsonResponse({"status": "ok" if check.ok else "failing"}, status=200 if check.ok else 503)


@never_cache
def health(request):
    """For the municipality's monitoring: each part of smgov, with HTTP 503 when one fails."""
    results = health_checks.checks()
    ok = all(check.ok for check in results)
    body = {
        "status": "ok" if ok else "failing",
        "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in results},
    }
    return JsonResponse(body, status=200 if ok else 503)


@require_GET
def accessibility(request):
    """The accessibility statement, open to everyone and linked from every page's footer."""
    return render(
        request,
        "accessibility.html",
        {
            "contact": settings.ACCESSIBILITY_CONTACT,
            "assessed": date.fromisoformat(settings.ACCESSIBILITY_ASSESSED),
        },
    )


def permission_denied(request, exception):
    """403 in the site's layout: why (the roles the person has) and whom to ask."""
    user = request.user
    head = getattr(getattr(user, "department", None), "head", None) if user.is_authenticated else None
    reason = str(exception) if exception and str(exception) else ""
    context = {
        "reason": reason,
        "role_names": [Role(code).label for code in sorted(roles_of(user))],
        "head_name": head.get_full_name() if head is not None and head.pk != user.pk else "",
    }
    return render(request, "403.html", context, status=403)


def server_error(request):
    """500 in the site's layout, rendered without the request's context processors: whatever
    failed (the database, the session) must not fail the error page too."""
    html = loader.get_template("500.html").render({"municipality_name": settings.MUNICIPALITY_NAME})
    return HttpResponseServerError(html)
