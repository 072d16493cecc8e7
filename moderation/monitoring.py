"""N8/N9: following what is written about the municipality, and discussing criticism first.

A watch names words and phrases and the public sources to read for them (a Mastodon hashtag or
search, a Bluesky search, news and blog feeds); a beat entry hands out the watches that are due,
and each run keeps what it found in the department's monitoring list. The same item seen in two
sources (same address, same platform id or same text) is one hit, and a run seen again finds
nothing new. Hits are not public records of the municipality: nothing goes to the archive unless a
person saves a hit as a record, and the rest is deleted after ``MONITORING_RETENTION_DAYS``.

N9: a communicator marks a hit "discuss with the manager"; the department's head answers on the
hit's page, and only then can a response be written.
"""

import hashlib
import html
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Department, ServiceAccount, User
from archive import services as archive_services
from archive.models import RecordKind
from platforms import build_connector
from platforms.base import (
    ConnectorError,
    CredentialsInvalid,
    Item,
    MalformedResponse,
    NotFound,
    NotSupported,
    RateLimited,
    TransientError,
    http_session,
)
from smgov.lib.notify import Notice, notify

from . import permissions
from .models import HitState, MonitoringEvent, MonitoringHit, Watch, WatchSource
from .platform import can_publish

logger = logging.getLogger(__name__)

Action = MonitoringEvent.Action
Kind = WatchSource.Kind

# Which connector reads each kind of source; the connector knows how (``platforms/``).
SOURCE_PLATFORM = {
    Kind.MASTODON_TAG: "mastodon",
    Kind.MASTODON_SEARCH: "mastodon",
    Kind.BLUESKY_SEARCH: "bluesky",
    Kind.FEED: "rss",
}
# A hashtag and a search are matched by the platform; a feed is read whole and matched here.
MATCHED_BY_PLATFORM = frozenset({Kind.MASTODON_TAG, Kind.MASTODON_SEARCH, Kind.BLUESKY_SEARCH})

# Why a source could not be read, for the people who keep the watch (most specific first).
SOURCE_ERRORS = (
    (RateLimited, gettext_lazy("The platform limits how often it may be asked; it is read again next time.")),
    (
        CredentialsInvalid,
        gettext_lazy("The platform does not allow this without logging in (search often needs a key)."),
    ),
    (NotSupported, gettext_lazy("The platform cannot be searched this way.")),
    (NotFound, gettext_lazy("Nothing was found at the address.")),
    (MalformedResponse, gettext_lazy("The answer could not be read (is it a feed?).")),
    (TransientError, gettext_lazy("The source did not answer; it is read again next time.")),
    (ConnectorError, gettext_lazy("The source refused the request.")),
)


# --- matching and deduplication ---------------------------------------------------------------------


def plain_text(text: str) -> str:
    """The words of a text that may be HTML: tags as spaces, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text or "")).split())


def matched_terms(terms: list[str], text: str) -> list[str]:
    """The watch's words and phrases that occur in ``text`` (case-insensitively, whole text)."""
    haystack = plain_text(text).casefold()
    return [term for term in terms if " ".join(term.split()).casefold() in haystack]


def url_key(url: str) -> str:
    """The address of an item as the same for every source: no fragment, no tracking parameters,
    no trailing slash, host in lower case."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(("utm_", "fbclid"))]
    normal = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), urlencode(query), "")
    )
    return hashlib.sha256(normal.encode()).hexdigest()


def text_key(text: str) -> str:
    """The words of a text as the same for every source: hashtags and links, which each platform
    adds its own way, left out."""
    words = " ".join(re.sub(r"#\s*\w+|https?://\S+", " ", plain_text(text)).casefold().split())
    return hashlib.sha256(words.encode()).hexdigest() if words else ""


def _title(item: Item) -> str:
    """A feed entry's title (matched with its text); statuses and posts have none."""
    title = item.raw.get("title") if isinstance(item.raw, dict) else None
    return title if isinstance(title, str) else ""


# --- reading the sources ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    source_id: int | None
    platform: str
    item: Item
    matched: tuple[str, ...]


@dataclass(frozen=True)
class RunResult:
    new_hits: int
    errors: int


def _queries(source: WatchSource, watch: Watch) -> list[str]:
    if source.kind == Kind.FEED:
        return [""]
    if source.query.strip():
        return [source.query.strip()]
    return watch.term_list


def _read(source: WatchSource, watch: Watch) -> list[Found]:
    platform = SOURCE_PLATFORM[source.kind]
    connector = build_connector(
        platform,
        base_url=source.address or None,
        platform_id="",
        handle="",
        credentials={},
        session=http_session(retries=settings.HARVEST_HTTP_RETRIES),
        timeout=settings.HARVEST_HTTP_TIMEOUT,
    )
    found = []
    for query in _queries(source, watch):
        page = (
            connector.read_tag(query) if source.kind == Kind.MASTODON_TAG else connector.search_public(query)
        )
        for item in page.items:
            if source.kind in MATCHED_BY_PLATFORM:
                words = matched_terms(watch.term_list, item.text) or [query]
            else:
                words = matched_terms(watch.term_list, f"{_title(item)} {item.text}")
            if words:
                found.append(Found(source.pk, platform, item, tuple(words)))
    return found


def _error_text(exc: ConnectorError) -> str:
    message = next(text for cls, text in SOURCE_ERRORS if isinstance(exc, cls))
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def watch_run(*, watch_id: int, now: datetime | None = None) -> RunResult:
    """Read every source of one watch and keep what is new. Sources are read first, outside any
    transaction; what they gave is stored in one, with the watch locked, so two runs of the same
    watch never store one item twice. A source that fails is noted on it and the others still count."""
    now = now or timezone.now()
    watch = Watch.objects.prefetch_related("sources").get(pk=watch_id)
    found: list[Found] = []
    errors: dict[int, str] = {}
    for source in watch.sources.all():
        try:
            found += _read(source, watch)
        except ConnectorError as exc:
            logger.warning("monitoring: watch %s source %s failed: %s", watch.pk, source.pk, exc)
            errors[source.pk] = _error_text(exc)
    new = found_store(watch_id=watch_id, found=found, errors=errors, now=now)
    return RunResult(new_hits=new, errors=len(errors))


@transaction.atomic
def found_store(*, watch_id: int, found: list[Found], errors: dict[int, str], now: datetime) -> int:
    watch = Watch.objects.select_for_update().get(pk=watch_id)
    new = 0
    for one in found:
        item = one.item
        keys = {"url_key": url_key(item.permalink or ""), "text_key": text_key(item.text)}
        same = Q(platform=one.platform, platform_id=item.platform_id)
        for name, value in keys.items():
            if value:
                same |= Q(**{name: value})
        hit = watch.hits.filter(same).first()
        if hit is None:
            hit = MonitoringHit.objects.create(
                watch=watch,
                department_id=watch.department_id,
                platform=one.platform,
                platform_id=item.platform_id,
                url=item.permalink or "",
                author=item.author.name if item.author else "",
                text=f"{_title(item)}\n\n{item.text}".strip() if _title(item) else item.text,
                text_format=item.text_format,
                raw=item.raw,
                matched=", ".join(one.matched)[:500],
                published_at=item.published_at,
                **keys,
            )
            new += 1
        if one.source_id is not None:
            hit.sources.add(one.source_id)
    for source in watch.sources.all():
        error = errors.get(source.pk, "")
        if source.last_error != error:
            source.last_error = error
            source.save(update_fields=["last_error"])
    watch.last_run_at = now
    watch.next_run_at = now + timedelta(minutes=watch.interval_minutes)
    watch.last_error = ", ".join(sorted(set(errors.values())))
    watch.save(update_fields=["last_run_at", "next_run_at", "last_error", "updated_at"])
    return new


def watches_due(*, now: datetime | None = None) -> list[int]:
    """The active watches whose next run is due (or never ran); beat asks every minute."""
    now = now or timezone.now()
    due = Watch.objects.filter(is_active=True).filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
    return list(due.values_list("pk", flat=True))


# --- watches ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceInput:
    kind: str
    address: str = ""
    query: str = ""


@transaction.atomic
def watch_save(
    *,
    actor: User,
    department: Department,
    name: str,
    terms: str,
    interval_minutes: int,
    sources: list[SourceInput],
    account: ServiceAccount | None = None,
    is_active: bool = True,
    watch: Watch | None = None,
) -> Watch:
    """Create or change a watch and replace its sources. A watch needs a word and a source; a
    hashtag source needs its tag and a feed its address."""
    if not permissions.can_keep_watches(actor, department) or (
        watch is not None and not permissions.can_keep_watches(actor, watch.department)
    ):
        raise PermissionDenied
    errors = []
    if not [line for line in terms.splitlines() if line.strip()]:
        errors.append(_("Enter at least one word or phrase to look for."))
    if not sources:
        errors.append(_("Choose at least one source to read."))
    for source in sources:
        if source.kind == Kind.MASTODON_TAG and not source.query.strip().lstrip("#"):
            errors.append(_("A Mastodon hashtag source needs the hashtag."))
        if source.kind == Kind.FEED and not source.address.strip():
            errors.append(_("A feed source needs the feed's address."))
    if account is not None and account.department_id != department.pk:
        errors.append(_("The account must belong to the watch's department."))
    if errors:
        raise ValidationError(errors)
    if watch is None:
        watch = Watch(created_by=actor)
    watch.department = department
    watch.name = name.strip()
    watch.terms = "\n".join(line.strip() for line in terms.splitlines() if line.strip())
    watch.interval_minutes = interval_minutes
    watch.account = account
    watch.is_active = is_active
    watch.next_run_at = None  # read at once with the new words and sources
    watch.save()
    kept = []
    for source in sources:
        one, _created = WatchSource.objects.get_or_create(
            watch=watch,
            kind=source.kind,
            address=source.address.strip(),
            query=source.query.strip().lstrip("#"),
        )
        kept.append(one.pk)
    watch.sources.exclude(pk__in=kept).delete()
    MonitoringEvent.objects.create(watch=watch, actor=actor, action=Action.WATCH_SAVED, note=watch.terms)
    return watch


# --- hits: N9 and the other actions -----------------------------------------------------------------


def _hit_url(hit: MonitoringHit) -> str:
    return settings.SITE_URL + reverse("moderation:hit", args=[hit.pk])


def _locked(hit: MonitoringHit) -> MonitoringHit:
    return MonitoringHit.objects.select_for_update().select_related("watch", "department").get(pk=hit.pk)


def _require_handler(actor: User, hit: MonitoringHit) -> None:
    if not permissions.can_handle_hit(actor, hit):
        raise PermissionDenied


def _event(hit: MonitoringHit, actor, action: str, note: str = "") -> None:
    MonitoringEvent.objects.create(watch_id=hit.watch_id, hit=hit, actor=actor, action=action, note=note)


@transaction.atomic
def hit_mark_discuss(*, actor: User, hit: MonitoringHit, question: str = "") -> None:
    """N9: errors or criticism are discussed with the manager before responding. The department's
    head is told and answers on the hit's page; until then no response can be written."""
    _require_handler(actor, hit)
    hit = _locked(hit)
    if hit.state not in (HitState.NEW, HitState.MANAGER_ANSWERED):
        raise ValidationError(_("This hit is already handled or waits for the manager."))
    head = hit.department.head
    if head is None:
        raise ValidationError(_("The department has no head of department to discuss it with."))
    hit.state = HitState.WAITING_FOR_MANAGER
    hit.manager_question = question.strip()
    hit.manager_asked_by, hit.manager_asked_at = actor, timezone.now()
    hit.manager_answer, hit.manager_answered_by, hit.manager_answered_at = "", None, None
    hit.save(
        update_fields=[
            "state", "manager_question", "manager_asked_by", "manager_asked_at",
            "manager_answer", "manager_answered_by", "manager_answered_at",
        ]
    )  # fmt: skip
    _event(hit, actor, Action.MANAGER_ASKED, hit.manager_question)
    # The notice names where to answer, never what was written (it may be what must not travel).
    notify(
        [head],
        Notice(
            _("Something written about the department to discuss: %(watch)s") % {"watch": hit.watch},
            _("%(person)s wants to discuss a monitoring hit with you before anyone responds.\n\n%(url)s")
            % {"person": actor.get_full_name() or actor.username, "url": _hit_url(hit)},
        ),
    )


@transaction.atomic
def hit_answer_manager(*, actor: User, hit: MonitoringHit, answer: str) -> None:
    """N9: the head of the department answers; the one who asked is told, and may now respond."""
    if not permissions.can_answer_hit(actor, hit):
        raise PermissionDenied
    hit = _locked(hit)
    if hit.state != HitState.WAITING_FOR_MANAGER:
        raise ValidationError(_("The hit is not waiting for the manager."))
    if not answer.strip():
        raise ValidationError(_("Write your answer."))
    hit.state = HitState.MANAGER_ANSWERED
    hit.manager_answer = answer.strip()
    hit.manager_answered_by, hit.manager_answered_at = actor, timezone.now()
    hit.save(update_fields=["state", "manager_answer", "manager_answered_by", "manager_answered_at"])
    _event(hit, actor, Action.MANAGER_ANSWERED, hit.manager_answer)
    if hit.manager_asked_by is not None:
        notify(
            [hit.manager_asked_by],
            Notice(
                _("The manager has answered: %(watch)s") % {"watch": hit.watch},
                _("%(person)s has answered about the monitoring hit; you can respond now.\n\n%(url)s")
                % {"person": actor.get_full_name() or actor.username, "url": _hit_url(hit)},
            ),
        )


def can_respond(hit: MonitoringHit) -> bool:
    """N9: a hit sent to the manager can be responded to only once the manager answered."""
    return hit.state in (HitState.NEW, HitState.MANAGER_ANSWERED)


def replies_from_account(hit: MonitoringHit) -> bool:
    """Whether the watch's account can answer the hit where it was written (same platform, and a
    platform that takes replies); else the response goes through the normal channels."""
    account = hit.watch.account
    return bool(account and account.platform == hit.platform and can_publish(hit.platform))


@transaction.atomic
def hit_respond(*, actor: User, hit: MonitoringHit, text: str) -> None:
    """Write down the response, signed (F3). It is published by the person: from the watch's
    account where the hit is on a platform that account can reply on, else through the normal
    channels the page names."""
    from .services import signature_for

    _require_handler(actor, hit)
    hit = _locked(hit)
    if hit.state == HitState.WAITING_FOR_MANAGER:
        raise ValidationError(_("The manager has not answered yet: discuss the hit before responding."))
    if not can_respond(hit):
        raise ValidationError(_("This hit is already handled."))
    if not text.strip():
        raise ValidationError(_("Write the response."))
    signature = signature_for(actor)
    hit.state = HitState.RESPONDED
    hit.response = f"{text.strip()}\n{signature}"
    hit.responded_by, hit.responded_at = actor, timezone.now()
    hit.closed_at = hit.responded_at
    hit.save(update_fields=["state", "response", "responded_by", "responded_at", "closed_at"])
    _event(hit, actor, Action.RESPONDED, hit.response)


@transaction.atomic
def hit_close_no_action(*, actor: User, hit: MonitoringHit, note: str = "") -> None:
    _require_handler(actor, hit)
    hit = _locked(hit)
    if hit.state == HitState.WAITING_FOR_MANAGER:
        raise ValidationError(_("The manager has not answered yet: discuss the hit before closing it."))
    if not hit.is_open:
        raise ValidationError(_("This hit is already handled."))
    hit.state, hit.closed_at = HitState.NO_ACTION, timezone.now()
    hit.save(update_fields=["state", "closed_at"])
    _event(hit, actor, Action.NO_ACTION, note.strip())


@transaction.atomic
def hit_save_as_record(*, actor: User, hit: MonitoringHit, reason: str):
    """Keep a hit as a public record of the municipality, through the archive's ingest, with the
    reason why. It is filed under the watch's account, which must be on the hit's platform."""
    _require_handler(actor, hit)
    hit = _locked(hit)
    if not reason.strip():
        raise ValidationError(_("Say why the hit is to be kept as a public record."))
    if hit.record_id:
        raise ValidationError(_("The hit is already saved as a record."))
    account = hit.watch.account
    if account is None or account.platform != hit.platform:
        raise ValidationError(
            _("Only a hit on the same platform as the watch's account can be saved as its record.")
        )
    item = archive_services.IncomingItem(
        platform_id=hit.platform_id,
        kind=RecordKind.POST,
        published_at=hit.published_at,
        text=hit.text,
        text_format=hit.text_format,
        author_name=hit.author,
        permalink=hit.url,
        raw=hit.raw,
    )
    record = archive_services.record_ingest(account=account, item=item).record
    hit.record = record
    hit.save(update_fields=["record"])
    _event(hit, actor, Action.SAVED_AS_RECORD, reason.strip())
    return record


# --- digest and retention ---------------------------------------------------------------------------


def digest_send(*, now: datetime | None = None) -> int:
    """Each department's communicators get yesterday's new hits once a day. Returns the number of
    departments told."""
    from .services import department_communicators

    now = now or timezone.now()
    since = now - timedelta(days=1)
    hits = MonitoringHit.objects.filter(found_at__gt=since, found_at__lte=now).select_related("watch")
    by_department: dict[int, list[MonitoringHit]] = {}
    for hit in hits.order_by("department_id", "watch__name", "found_at"):
        by_department.setdefault(hit.department_id, []).append(hit)
    told = 0
    for department_id, found in by_department.items():
        people = list(department_communicators(department_id))
        if not people:
            continue
        lines = [f"- {hit.watch.name}: {hit.url or hit.platform_id} {_hit_url(hit)}" for hit in found]
        with transaction.atomic():
            notify(
                people,
                Notice(
                    ngettext("%(count)s new monitoring hit", "%(count)s new monitoring hits", len(found))
                    % {"count": len(found)},
                    _("Found by the department's watches since yesterday:\n\n%(lines)s")
                    % {"lines": "\n".join(lines)},
                ),
            )
        told += 1
    return told


@transaction.atomic
def hits_dispose(*, now: datetime | None = None) -> int:
    """Monitoring hits are not public records: after ``MONITORING_RETENTION_DAYS`` they are deleted
    (a hit saved as a record stays in the archive; only the list entry goes). Logged per watch."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MONITORING_RETENTION_DAYS)
    old = MonitoringHit.objects.filter(found_at__lt=cutoff)
    counts = dict(old.values_list("watch_id").annotate(n=Count("pk")).values_list("watch_id", "n"))
    deleted = 0
    for watch_id, count in counts.items():
        MonitoringEvent.objects.create(
            watch_id=watch_id,
            action=Action.DISPOSED,
            note=f"{count} (<{cutoff.date().isoformat()})",
        )
        deleted += count
    old.delete()
    logger.info("monitoring: %s hits older than %s days deleted", deleted, settings.MONITORING_RETENTION_DAYS)
    return deleted


# --- reads ------------------------------------------------------------------------------------------


def hit_list(*, user, department_id: int | None = None, state: str = "open") -> QuerySet[MonitoringHit]:
    hits = permissions.visible_hits(user).select_related("watch", "department")
    if department_id:
        hits = hits.filter(department_id=department_id)
    if state == "open":
        hits = hits.filter(state__in=[HitState.NEW, HitState.WAITING_FOR_MANAGER, HitState.MANAGER_ANSWERED])
    elif state in HitState.values:
        hits = hits.filter(state=state)
    return hits


def watch_list(*, user) -> QuerySet[Watch]:
    return (
        permissions.visible_watches(user).select_related("department", "account").prefetch_related("sources")
    )
