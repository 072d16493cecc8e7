"""The navigation, which depends on the person's roles.

Each entry names a URL; an entry whose page is not installed is left out, so the
menu never links to a page that does not exist.
"""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .roles import Area, Role, Scope, roles_of, scope

EVERYONE = None
# (url name, label, the area of the role table it opens): an entry is shown to a person whose
# roles see that area, so the menu lists exactly what the person may open.
NAVIGATION = [
    ("dashboard", _("Overview"), EVERYONE),
    ("problems", _("Problems"), Area.PROBLEMS),
    ("moderation:inbox", _("Inbox"), Area.INBOX),
    ("moderation:monitoring", _("Monitoring"), Area.MONITORING),
    ("moderation:posts", _("Publish"), Area.PUBLISHING),
    ("accounts:list", _("Accounts"), Area.ACCOUNTS),
    ("accounts:decisions", _("Decisions"), Area.DECISIONS),
    ("accounts:overview", _("Where we are active"), Area.OVERVIEW),
    ("archive:search", _("Archive"), Area.ARCHIVE),
    ("archive:exports", _("Disclosures"), Area.EXPORTS),
    ("registry:diary", _("Diary"), Area.DIARY),
    ("registry:diary_disposal", _("Disposal"), Area.DISPOSAL),
    ("reports:statistics", _("Statistics"), Area.STATISTICS),
    ("signin:lockouts", _("Blocked logins"), Area.LOCKOUTS),
    ("api:tokens", _("API tokens"), Area.API_TOKENS),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    common = {"municipality_name": settings.MUNICIPALITY_NAME}
    if user is None or not user.is_authenticated or getattr(request, "smgov_second_step_pending", False):
        return {**common, "navigation": []}
    roles = roles_of(user)
    current = request.path
    items = []
    for name, label, allowed in NAVIGATION:
        if allowed is not EVERYONE and scope(user, allowed) == Scope.NONE:
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
    # A role that only repeats the person's title ("Anna Berg, Kommunikatör · Kommunikatör") is left out.
    title = (user.title or "").strip().casefold()
    labels = [str(Role(code).label) for code in sorted(roles)]
    return {
        **common,
        "navigation": items,
        "user_roles": [label for label in labels if label.casefold() != title],
    }
