"""Reads of the inbox: rules for the flag detector, the inbox list, a case with its thread."""

import html
import logging
import time
from dataclasses import dataclass

import nh3
from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import visible_accounts
from accounts.roles import Role, has_role
from archive.models import Record

from . import permissions
from .flags import KeywordRule
from .models import (
    CLOSED_STATES,
    OPEN_STATES,
    UNFINISHED_REMOVAL,
    Case,
    CaseFlag,
    CaseState,
    FlagRule,
    OlderItemFlag,
    PhotoConsent,
    PlatformAction,
    Reply,
    SavedReply,
)

logger = logging.getLogger(__name__)

# The detector compiles a rule set once and recognises it by identity, so the same tuple is handed
# out until a rule changes; the version in the cache tells every process that one did.
RULES_VERSION_KEY = "moderation:flag-rules:version"
_rules_memo: tuple[object, tuple[KeywordRule, ...]] = (None, ())


def flag_rules_version() -> int:
    version = cache.get(RULES_VERSION_KEY)
    if version is None:
        cache.add(RULES_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(RULES_VERSION_KEY)
    return version


def flag_rules_bump_version() -> None:
    cache.set(RULES_VERSION_KEY, time.time_ns(), timeout=None)


def active_flag_rules() -> tuple[KeywordRule, ...]:
    """The municipality's keyword rules in use, as the detector takes them."""
    global _rules_memo
    version = flag_rules_version()
    if _rules_memo[0] == version:
        return _rules_memo[1]
    rules = []
    for rule in FlagRule.objects.filter(is_active=True).order_by("pk"):
        try:
            rules.append(KeywordRule(rule.ground, rule.phrase, rule.is_regex))
        except ValueError as exc:  # refused when entered; a row edited around the service is skipped
            logger.warning("flag rule %s is not usable: %s", rule.pk, exc)
    _rules_memo = (version, tuple(rules))
    return _rules_memo[1]


def plain_text(text: str, text_format: str) -> str:
    """The words of a comment as a reader sees them: platform HTML reduced to text."""
    if text_format != "html":
        return text
    text = text.replace("<br", "\n<br").replace("</p>", "</p>\n\n")
    return html.unescape(nh3.clean(text, tags=set())).strip()


# --- the inbox -------------------------------------------------------------------------------------

SORTS = {
    # Failed removals and failed replies first: a comment still public, a citizen still waiting.
    "deadline": ("-attention", "-priority", "deadline", "pk"),  # the index case_inbox_order
    "newest": ("-record__published_at", "-pk"),
    "oldest": ("record__published_at", "pk"),
    "account": ("account__display_name", "deadline", "pk"),
}
FLAG_FILTERS = ("personal_data", "ground", "link", "image", "any", "none")
STATE_FILTERS = ("open", "closed", "all")
# The record's heavy columns are never needed in a list.
HEAVY_RECORD_FIELDS = ("record__raw_json", "record__raw_canonical", "record__search_vector")


@dataclass(frozen=True)
class InboxFilters:
    account: int | None = None
    platform: str = ""
    state: str = "open"
    flag: str = ""
    assignee: str = ""  # "me", "none" or a person's id
    sort: str = "deadline"


def inbox_cases(*, user, filters: InboxFilters) -> QuerySet[Case]:
    """The cases a person may see, filtered and sorted; the page's flags come in one more query."""
    cases = permissions.visible_cases(user)
    # A removal the platform has not confirmed is not done: it stays with the open cases.
    unfinished = Q(state=CaseState.REMOVED, platform_action__in=UNFINISHED_REMOVAL)
    if filters.state == "open":
        cases = cases.filter(Q(state__in=OPEN_STATES) | unfinished)
    elif filters.state == "closed":
        cases = cases.filter(Q(state__in=CLOSED_STATES) & ~unfinished)
    elif filters.state in CaseState.values:
        cases = cases.filter(state=filters.state)
    if filters.account:
        cases = cases.filter(account_id=filters.account)
    if filters.platform:
        cases = cases.filter(platform=filters.platform)
    if filters.flag == "personal_data":
        cases = cases.filter(has_personal_data=True)
    elif filters.flag == "ground":
        cases = cases.filter(has_ground=True)
    elif filters.flag in ("link", "image"):
        cases = cases.filter(Exists(CaseFlag.objects.filter(case=OuterRef("pk"), kind=filters.flag)))
    elif filters.flag == "any":
        cases = cases.filter(Exists(CaseFlag.objects.filter(case=OuterRef("pk"))))
    elif filters.flag == "none":
        cases = cases.filter(~Exists(CaseFlag.objects.filter(case=OuterRef("pk"))))
    if filters.assignee == "me":
        cases = cases.filter(assignee_id=user.pk)
    elif filters.assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        cases = cases.filter(assignee_id=int(filters.assignee))
    latest_reply = (
        Reply.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-pk").values("status")[:1]
    )
    return (
        cases.select_related("record", "account", "assignee")
        .annotate(latest_reply_status=Subquery(latest_reply))
        .defer(*HEAVY_RECORD_FIELDS)
        .prefetch_related(Prefetch("flags", queryset=CaseFlag.objects.only("case_id", "kind", "ground")))
        .order_by(*SORTS.get(filters.sort, SORTS["deadline"]))
    )


class ChosenByIdFirst:
    """A sorted queryset as a paginator reads it, its page's ids chosen first from the narrow rows
    (the sort keys and the id), then the page read whole in one more query: a sort on a joined
    column (the account's name, the comment's time) then sorts ids, not the cases with their
    comments' texts."""

    ordered = True

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = list(self.queryset.values_list("pk", flat=True)[index])
        rows = {row.pk: row for row in self.queryset.order_by().filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


def inbox_filter_choices(*, user) -> dict:
    """The accounts and people the filters offer: two queries whatever the inbox holds."""
    accounts = visible_accounts(user)
    if not has_role(user, Role.WEB_COMMUNICATOR):
        accounts = accounts.filter(department_id=user.department_id)
    people = User.objects.filter(is_active=True, groups__name__in=permissions.HANDLERS)
    if not has_role(user, Role.WEB_COMMUNICATOR):
        people = people.filter(department_id=user.department_id)
    return {
        "accounts": list(accounts.order_by("display_name").only("pk", "display_name", "platform")),
        "people": list(
            people.distinct()
            .order_by("first_name", "last_name")
            .only("pk", "first_name", "last_name", "username")
        ),
    }


def inbox_counts(*, user) -> dict:
    """For the dashboard card: open and overdue cases a person may see."""
    now = timezone.now()
    return (
        permissions.visible_cases(user)
        .filter(state__in=OPEN_STATES)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=now)))
    )


def overdue_cases(*, now=None) -> QuerySet[Case]:
    now = now or timezone.now()
    return (
        Case.objects.filter(state__in=OPEN_STATES, deadline__lt=now)
        .select_related("account")
        .order_by("department_id", "deadline", "pk")
    )


# --- one case --------------------------------------------------------------------------------------

THREAD_LIMIT = 200


def case_thread(*, case: Case) -> list[Record]:
    """The post and the comments around the case's comment, oldest first (at most THREAD_LIMIT)."""
    record = case.record
    records = Record.objects.defer("raw_json", "raw_canonical", "search_vector").select_related("case")
    if record.thread_id:
        thread = list(
            records.filter(Q(thread_id=record.thread_id) | Q(pk=record.thread_id)).order_by(
                "published_at", "pk"
            )[:THREAD_LIMIT]
        )
        if record.pk not in {item.pk for item in thread}:
            thread.append(record)
        return thread
    return [item for item in (record.parent, record) if item is not None]


@dataclass(frozen=True)
class Segment:
    text: str
    flag: CaseFlag | None = None


def highlighted(text: str, flags) -> list[Segment]:
    """The text cut into plain and flagged pieces, to be rendered escaped with the flagged ones marked.
    Overlapping flags mark the first; flags outside the text (an edited comment) are skipped."""
    segments, position = [], 0
    for flag in sorted(flags, key=lambda f: (f.start, -f.end)):
        if flag.end <= flag.start or flag.start < position or flag.end > len(text):
            continue
        if text[flag.start : flag.end] != flag.matched:
            continue
        if flag.start > position:
            segments.append(Segment(text[position : flag.start]))
        segments.append(Segment(text[flag.start : flag.end], flag))
        position = flag.end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def sanitised_html(text: str) -> str:
    """Platform HTML made safe to show: only harmless tags, links that cannot script."""
    return nh3.clean(text, link_rel="noopener noreferrer nofollow")


SAVED_REPLY_PLACEHOLDERS = ("namn", "webbplats", "synpunkten", "kommun")
SAVED_REPLY_MAX_LENGTH = 2000  # fits every platform's reply, Instagram's 2,200 with a signature


def saved_reply_problems(text: str) -> list[str]:
    """What is wrong with a saved reply's placeholders, in words for the person who wrote it."""
    import string

    try:
        names = [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return [_("A curly bracket is not closed; write placeholders as {namn}.")]
    unknown = sorted({name for name in names if name not in SAVED_REPLY_PLACEHOLDERS})
    if not unknown:
        return []
    return [
        _("Unknown placeholder %(names)s. Use %(known)s.")
        % {
            "names": ", ".join("{" + name + "}" for name in unknown),
            "known": ", ".join("{" + name + "}" for name in SAVED_REPLY_PLACEHOLDERS),
        }
    ]


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def saved_reply_text(*, saved_reply: SavedReply, case: Case) -> str:
    """N12: a saved reply with its placeholders filled in for this case."""
    values = _KeepUnknown(
        namn=(case.record.author_name or "").split(" ")[0],
        webbplats=settings.MUNICIPALITY_WEBSITE,
        synpunkten=settings.FEEDBACK_FORM_URL,
        kommun=settings.MUNICIPALITY_NAME,
    )
    try:
        return saved_reply.text.format_map(values)
    except (ValueError, IndexError):
        return saved_reply.text


def saved_replies() -> list[SavedReply]:
    return list(SavedReply.objects.filter(is_active=True).order_by("purpose", "title"))


# --- F15: the municipality's own posts with photos ----------------------------------------------

PHOTO_TYPES = ("image", "video")


def photo_posts(*, user) -> QuerySet[Record]:
    """The municipality's own posts with a photo or video, as far as the person may see them."""
    departments = permissions.photo_department_ids(user)
    photos = Q()
    for media_type in PHOTO_TYPES:
        photos |= Q(media__contains=[{"type": media_type}])
    # "Own post with media" is also the condition of an index of the records.
    posts = Record.objects.filter(is_own=True, kind="post").exclude(media=[])
    posts = posts.filter(photos, purged_at__isnull=True)
    if departments is not None:
        posts = posts.filter(department_id__in=departments)
    return posts


def photos_awaiting_consent(*, user) -> QuerySet[Record]:
    """F15: own posts with photos that have no consent note yet, newest first."""
    return (
        photo_posts(user=user)
        .filter(~Exists(PhotoConsent.objects.filter(record=OuterRef("pk"))))
        .select_related("account", "department")
        .defer("raw_json", "raw_canonical", "search_vector")
        .order_by("-published_at", "-pk")
    )


def photo_consents_noted(*, user, limit: int = 20) -> list[PhotoConsent]:
    """The latest consent notes, for the same page."""
    return list(
        PhotoConsent.objects.filter(record__in=photo_posts(user=user))
        .select_related("record", "record__account", "noted_by")
        .order_by("-noted_at", "-pk")[:limit]
    )


def older_items_with_personal_data(*, user) -> QuerySet[Record]:
    """Comments from before an account's first harvest in which the screening found personal data
    (they have no inbox case: see services.case_open), newest first, as far as the person may see."""
    departments = permissions.older_item_department_ids(user)
    records = Record.objects.filter(
        Exists(OlderItemFlag.objects.filter(record=OuterRef("pk"))), purged_at__isnull=True
    )
    if departments is not None:
        records = records.filter(department_id__in=departments)
    return (
        records.select_related("account", "department", "thread")
        .prefetch_related("older_item_flags")
        .defer("raw_json", "raw_canonical", "search_vector")
        .order_by("-published_at", "-pk")
    )


# --- problems: what went wrong on a platform after a person acted ----------------------------------------


def removals_still_public(*, user) -> QuerySet[Case]:
    """Removed comments that are still on the platform: hiding failed, or it is to be done by hand."""
    return (
        permissions.visible_cases(user)
        .filter(platform_action__in=[PlatformAction.FAILED, PlatformAction.MANUAL])
        .select_related("account", "record")
        .order_by("-platform_action", "updated_at")
    )


def replies_failed(*, user) -> QuerySet[Case]:
    """Open cases whose latest reply failed to publish: the citizen is still waiting for an answer."""
    latest = Reply.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-pk").values("status")[:1]
    return (
        permissions.visible_cases(user)
        .filter(state__in=OPEN_STATES)
        .annotate(latest_reply_status=Subquery(latest))
        .filter(latest_reply_status=Reply.Status.FAILED)
        .select_related("account", "record")
        .order_by("deadline")
    )
