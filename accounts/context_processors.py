"""The navigation, which depends on the person's roles.

Each entry names a URL; an entry whose page is not installed is left out, so the
menu never links to a page that does not exist.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role, roles_of

EVERYONE = None
NAVIGATION = [
    ("dashboard", _("Overview"), EVERYONE),
    (
        "problems",
        _("Problems"),
        {Role.COMMUNICATOR, Role.WEB_COMMUNICATOR, Role.HEAD_OF_DEPARTMENT, Role.INFORMATION_UNIT},
    ),
    ("moderation:inbox", _("Inbox"), {Role.COMMUNICATOR, Role.WEB_COMMUNICATOR}),
    (
        "moderation:monitoring",
        _("Monitoring"),
        {Role.COMMUNICATOR, Role.WEB_COMMUNICATOR, Role.INFORMATION_UNIT, Role.HEAD_OF_DEPARTMENT},
    ),
    ("accounts:list", _("Accounts"), EVERYONE),
    ("accounts:decisions", _("Decisions"), {Role.HEAD_OF_DEPARTMENT}),
    (
        "accounts:overview",
        _("Where we are active"),
        {Role.WEB_COMMUNICATOR, Role.HEAD_OF_DEPARTMENT, Role.INFORMATION_UNIT},
    ),
    ("archive:search", _("Archive"), {Role.REGISTRAR, Role.WEB_COMMUNICATOR, Role.HEAD_OF_DEPARTMENT}),
    ("registry:diary", _("Diary"), {Role.REGISTRAR}),
    (
        "reports:statistics",
        _("Statistics"),
        {Role.WEB_COMMUNICATOR, Role.HEAD_OF_DEPARTMENT, Role.INFORMATION_UNIT},
    ),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    common = {"municipality_name": settings.MUNICIPALITY_NAME}
    if user is None or not user.is_authenticated:
        return {**common, "navigation": []}
    roles = roles_of(user)
    current = request.path
    items = []
    for name, label, allowed in NAVIGATION:
        if allowed is not EVERYONE and not (roles & allowed):
            continue
        url = _url(name)
        if url is None:
            continue
        matches = current == url if url == "/" else current.startswith(url)
        items.append({"url": url, "label": label, "active": matches})
    # Only the most specific entry is current: /register/beslut/ is Decisions, not Accounts.
    best = max((item for item in items if item["active"]), key=lambda item: len(item["url"]), default=None)
    for item in items:
        item["active"] = item is best
    return {**common, "navigation": items, "user_roles": [Role(code).label for code in sorted(roles)]}
