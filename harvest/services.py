"""The harvest pipeline: from a platform connector's pages into the archive and the inbox.

One run of one account:
1. the profile (follower count, N18);
2. the account's posts, paged from the stored cursor, stopping at the newest post already stored;
3. the comments of new posts and of posts younger than the re-poll window (comments keep arriving);
4. items a complete listing no longer returned are marked missing, and asked for one by one: only an
   explicit not-found from the platform makes them deleted on the platform (N20);
5. media files of new and changed items are downloaded, since platform addresses expire.

Every page is stored in ONE transaction: the API response exactly as received, each item upserted into
the archive (drawn-up/received date = published time, a new version when the text changed), a
moderation case for each new incoming comment, and the cursor that resumes after the page. A worker
killed at any moment therefore resumes from the last committed page and stores nothing twice.

Exactly one run per account at a time: a PostgreSQL advisory lock, held by the database session and
released by PostgreSQL when the session ends, even if the worker is killed. A second run is recorded as
skipped instead of queueing behind the first.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import requests
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import selectors as accounts_selectors
from accounts import services as accounts_services
from accounts.models import AccountState, ServiceAccount
from archive import services as archive_services
from archive.services import EarlierVersion, IngestResult
from moderation import services as moderation_services
from moderation.platform import incoming_item
from platforms import CREDENTIAL_KINDS, build_connector
from platforms.base import (
    USER_AGENT,
    CommentsUnavailable,
    Connector,
    ConnectorError,
    CredentialsInvalid,
    History,
    Item,
    ItemKind,
    MalformedResponse,
    NotFound,
    NotSupported,
    Page,
    PermanentError,
    RateLimited,
    TransientError,
    http_session,
)
from smgov.lib.mail import mail_after_commit

from . import selectors
from .models import ConnectionStatus, FollowerCount, HarvestRun, HarvestState

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x68617276  # first key of the advisory lock; the second is the account id
BUSY_RUN = 10  # new items in one run that make an account "busy": harvest it more often
RECONNECT_RETRY = timedelta(hours=24)  # an account needing reconnection is tried again daily
MEDIA_REDIRECTS = 3
NOT_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# A media download that failed for a reason that may pass (a timeout, HTTP 429 or 5xx) is tried
# again at the next runs, waiting longer each time, at most this many attempts in all.
MEDIA_ATTEMPTS = 5
MEDIA_RETRY_FIRST = timedelta(minutes=15)
LOCK_WAIT = 5  # seconds


class HarvestDeferred(Exception):
    """The platform asked us to wait: retry after ``retry_after`` seconds, from the stored cursor."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# --- building blocks ------------------------------------------------------------------------------


def connector_for(account: ServiceAccount) -> Connector:
    """The account's connector, with its credentials read from the vault (each read is logged, F1)."""
    stored = {health.credential.name for health in accounts_selectors.credential_health(account=account)}
    credentials = {
        name: accounts_services.credential_read(account=account, name=name, purpose="harvest")
        for name in CREDENTIAL_KINDS
        if name in stored
    }
    return build_connector(
        account.platform,
        base_url=account.api_base_url or None,
        platform_id=account.platform_id,
        handle=account.handle,
        credentials=credentials,
        session=http_session(retries=settings.HARVEST_HTTP_RETRIES),
        timeout=settings.HARVEST_HTTP_TIMEOUT,
        own_authors=account.own_author_list,
    )


def harvest_state_for(account: ServiceAccount) -> HarvestState:
    state, _created = HarvestState.objects.get_or_create(account=account)
    return state


def next_interval(*, base: timedelta, current: timedelta, items_new: int) -> timedelta:
    """More often with more traffic (N13): halve the interval after a busy run, stretch it after a
    run that found nothing, return to the normal interval otherwise; always within the bounds."""
    lowest = timedelta(minutes=settings.HARVEST_MIN_INTERVAL_MINUTES)
    highest = max(timedelta(minutes=settings.HARVEST_MAX_INTERVAL_MINUTES), lowest)
    if items_new >= BUSY_RUN:
        wanted = min(current, base) / 2
    elif items_new == 0:
        wanted = max(current, base) * 1.5
    else:
        wanted = base
    return min(max(wanted, lowest), highest)


@contextmanager
def _account_lock(account_id: int) -> Iterator[bool]:
    """The account's advisory lock, if free. A worker killed mid-run holds it until PostgreSQL notices
    its connection is gone, a moment later: a run redelivered at once waits that moment out. A run
    that is really going holds it for much longer, and the newcomer gives up."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, account_id])
            locked = cursor.fetchone()[0]
        if locked or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, account_id])


def _public_address(url: str) -> bool:
    """Whether every address the URL's host resolves to is on the public internet."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if settings.HARVEST_MEDIA_ALLOW_PRIVATE_HOSTS:
        return True
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


@dataclass(frozen=True)
class MediaDownload:
    content: bytes | None
    content_type: str = ""
    reason: str = ""  # why it was not downloaded
    retryable: bool = False  # the reason may pass: try again later


def download_media(session: requests.Session, url: str) -> MediaDownload:
    """Download one media file. Never more than the size limit is read."""
    if not settings.HARVEST_DOWNLOAD_MEDIA:
        return MediaDownload(None, reason=_("media downloads are turned off"))
    limit = settings.HARVEST_MAX_MEDIA_BYTES
    for _hop in range(MEDIA_REDIRECTS + 1):
        if not _public_address(url):
            return MediaDownload(
                None,
                reason=_("not downloaded: %(host)s is not a public address")
                % {"host": urlsplit(url).hostname or url},
            )
        try:
            with session.get(
                url, stream=True, allow_redirects=False, timeout=settings.HARVEST_HTTP_TIMEOUT
            ) as response:
                if response.is_redirect and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                content_type = response.headers.get("Content-Type", "")
                status = response.status_code
                if status != 200:
                    return MediaDownload(
                        None,
                        content_type,
                        _("download failed: the server answered HTTP %(status)s") % {"status": status},
                        retryable=status in (408, 429) or status >= 500,
                    )
                if content_type.split(";")[0].strip().lower() in NOT_MEDIA_TYPES:
                    # A link card's page, not its picture: the link stays in the record, nothing is kept.
                    return MediaDownload(None, content_type, _("not a media file: a web page"))
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > limit:
                    return MediaDownload(
                        None,
                        content_type,
                        _("larger than the limit of %(limit)s bytes (%(size)s bytes)")
                        % {"limit": limit, "size": declared},
                    )
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > limit:
                        return MediaDownload(
                            None,
                            content_type,
                            _("larger than the limit of %(limit)s bytes") % {"limit": limit},
                        )
                return MediaDownload(bytes(body), content_type)
        except requests.RequestException as e:
            return MediaDownload(
                None,
                reason=_("download failed: the server could not be reached or did not answer (%(error)s)")
                % {"error": type(e).__name__},
                retryable=True,
            )
    return MediaDownload(None, reason=_("download failed: too many redirects"))


def media_retry_at(*, attempts: int, now: datetime) -> datetime | None:
    """When to try a failed download again after `attempts` attempts, or None: give up."""
    if attempts >= MEDIA_ATTEMPTS:
        return None
    return now + MEDIA_RETRY_FIRST * 2 ** (attempts - 1)


def _notify_reconnection(account: ServiceAccount, error: str) -> None:
    recipients = [user.email for user in account.administrators.filter(is_active=True)]
    subject = _("%(account)s needs to be reconnected") % {"account": account.display_name}
    body = _(
        "The harvest of %(account)s stopped because the platform no longer accepts its login "
        "details:\n\n%(error)s\n\nAsk the information unit to renew them: %(url)s\n"
    ) % {"account": account, "error": error, "url": settings.SITE_URL + account.get_absolute_url()}
    mail_after_commit(recipients, subject, body)


# --- one run --------------------------------------------------------------------------------------


class _Run:
    """The work of one run; every write goes through the archive's and moderation's services."""

    def __init__(
        self,
        *,
        account: ServiceAccount,
        state: HarvestState,
        run: HarvestRun,
        connector: Connector,
        full: bool,
    ) -> None:
        self.account, self.state, self.run, self.connector, self.full = account, state, run, connector, full
        self.media_session = requests.Session()
        self.media_session.headers["User-Agent"] = USER_AGENT
        # The first harvest of an account that was in use before brings its history: comments older
        # than its answers are due are archived without an inbox case (see ``hand_over``).
        factor = settings.HARVEST_HISTORICAL_FACTOR
        self.historical_before = (
            run.started_at - account.response_time * factor
            if factor > 0 and state.last_success_at is None
            else None
        )

    def execute(self) -> None:
        self.profile()
        self.posts()
        self.reread_posts()
        self.comments()
        self.verify_missing()
        self.media_catch_up()

    def _progress(self, **progress) -> None:
        self.run.progress = progress

    def profile(self) -> None:
        self._progress(phase="profile")
        try:
            profile = self.connector.fetch_profile()
        except NotSupported:
            return
        except (CredentialsInvalid, RateLimited):
            raise  # the posts would fail the same way; a throttled platform gets nothing more
        except ConnectorError as exc:
            # The follower count is optional: the posts and comments are what the archive must have.
            self.warn(_("The follower count was not read: %(error)s") % {"error": exc.message})
            return
        if profile.followers_count is not None:
            FollowerCount.objects.create(
                account=self.account, at=timezone.now(), count=profile.followers_count
            )
            self.run.followers = profile.followers_count
            self.run.save(update_fields=["followers", "progress"])

    def warn(self, message: str) -> None:
        """Something the run could not read although it went on: kept and shown with the run."""
        logger.warning("harvest of account %s: %s", self.account.pk, message)
        self.run.warnings = [*self.run.warnings, message]
        self.run.save(update_fields=["warnings"])

    def store_page(
        self, page: Page, advance: Callable[[list[IngestResult | None]], None]
    ) -> list[IngestResult | None]:
        """Store one page and move the cursor, all or nothing.

        The page goes in as one transaction; only when the database refuses something in it is the
        page stored again item by item, each in a savepoint of its own, so that one bad item is recorded
        as such and never blocks the rest (and a good page pays for no savepoints)."""
        counters = (self.run.items_new, self.run.items_changed, self.run.items_failed)
        histories = self.edit_histories(page.items)
        try:
            results = self._store_page(page, advance, histories, one_by_one=False)
        except (DatabaseError, ValueError, UnicodeError):
            self.run.items_new, self.run.items_changed, self.run.items_failed = counters
            results = self._store_page(page, advance, histories, one_by_one=True)
        self.download_media([r.record for r in results if r and (r.created or r.changed) and r.record.media])
        return results

    def edit_histories(self, items: list[Item]) -> dict[str, History]:
        """The platform's edit history of each edited item that is new to the archive or edited
        since it was stored, so that every earlier text is kept (N20). Reading it is optional: when
        it fails, the item is stored as it is now and the run says so."""
        edited = [item for item in items if item.edited_at is not None]
        if not edited or not self.connector.keeps_edit_history:
            return {}
        stored = selectors.edit_times(account=self.account, platform_ids=[i.platform_id for i in edited])
        histories = {}
        for item in edited:
            if item.platform_id in stored and stored[item.platform_id] == item.edited_at:
                continue
            if item.platform_id in histories:
                continue
            try:
                histories[item.platform_id] = self.connector.fetch_history(item.platform_id)
            except (CredentialsInvalid, RateLimited):
                raise  # nothing else would be answered either; the page is read again later
            except ConnectorError as exc:
                self.warn(
                    _("The earlier versions of %(id)s were not read: %(error)s")
                    % {"id": item.platform_id[:200], "error": exc.message}
                )
        return histories

    def _earlier_versions(self, histories: dict[str, History]) -> dict[str, tuple[EarlierVersion, ...]]:
        """The histories' responses stored as received, and their versions in the archive's terms."""
        earlier = {}
        for platform_id, history in histories.items():
            response = history.response
            source = archive_services.source_response_store(
                account=self.account,
                url=response.url,
                status=response.status,
                headers=response.headers,
                body=response.body,
                fetched_at=response.fetched_at,
                method=response.method,
            )
            earlier[platform_id] = tuple(
                EarlierVersion(text=v.text, edited_at=v.at, raw=v.raw, source=source)
                for v in history.versions
            )
        return earlier

    def _store_page(
        self, page: Page, advance, histories: dict[str, History], *, one_by_one: bool
    ) -> list[IngestResult | None]:
        seen_at = timezone.now()
        response = page.response
        with transaction.atomic():
            source = archive_services.source_response_store(
                account=self.account,
                url=response.url,
                status=response.status,
                headers=response.headers,
                body=response.body,
                fetched_at=response.fetched_at,
                method=response.method,
            )
            earlier = self._earlier_versions(histories)
            results: list[IngestResult | None]
            if one_by_one:
                results = [
                    self.store_item_alone(item, source, seen_at, earlier.get(item.platform_id, ()))
                    for item in page.items
                ]
            else:
                results = list(self.store_items(page.items, source, seen_at, earlier))
            for result in results:
                if result is not None and result.created:
                    self.run.items_new += 1
                elif result is not None and result.changed:
                    self.run.items_changed += 1
            advance(results)
            self.run.pages += 1
            self.run.save(
                update_fields=[
                    "pages",
                    "items_new",
                    "items_changed",
                    "items_missing",
                    "items_failed",
                    "progress",
                ]
            )
            self.state.save()
        return results

    def store_items(
        self, items: list[Item], source, seen_at, earlier: dict[str, tuple[EarlierVersion, ...]] | None = None
    ) -> list[IngestResult]:
        """A page's items into the archive as one set; the new ones to the inbox together, the
        edited ones screened again. A fixed number of statements however long the page (an item with
        an edit history adds its earlier versions)."""
        earlier = earlier or {}
        incoming = [incoming_item(item, earlier.get(item.platform_id, ())) for item in items]
        results = archive_services.records_ingest(
            account=self.account,
            items=incoming,
            source=source,
            seen_at=seen_at,
            labels=[
                []
                if self.historical(i.published_at)
                else moderation_services.labels_on_arrival(kind=i.kind, is_own=i.is_own)
                for i in incoming
            ],
        )
        self.hand_over([result for result in results if result.created])
        for result in results:
            if result.changed:
                moderation_services.case_rescreen(record=result.record)
        return results

    def store_item(
        self, item: Item, source, seen_at, earlier: tuple[EarlierVersion, ...] = ()
    ) -> IngestResult:
        """One item into the archive and, when it is new or edited, to the inbox."""
        return self.store_items([item], source, seen_at, {item.platform_id: earlier} if earlier else None)[0]

    def store_item_alone(
        self, item: Item, source, seen_at, earlier: tuple[EarlierVersion, ...] = ()
    ) -> IngestResult | None:
        """``store_item`` in a savepoint of its own: an item the database still refuses is recorded on
        the run with its reason (its response is kept as received) and the rest of the page goes on."""
        try:
            with transaction.atomic():
                return self.store_item(item, source, seen_at, earlier)
        except (DatabaseError, ValueError, UnicodeError) as exc:
            self.run.items_failed += 1
            self.warn(
                _("Item %(id)s was not stored: %(reason)s")
                % {"id": item.platform_id[:200], "reason": str(exc).splitlines()[0][:300]}
            )
            return None

    def historical(self, published_at) -> bool:
        """An item older than its answer would be due, found by the first harvest of an account that
        was in use before: archived without an inbox case."""
        return self.historical_before is not None and published_at < self.historical_before

    def hand_over(self, results: list[IngestResult]) -> None:
        """The one place where new records go to the moderation inbox; moderation decides which
        need a case (incoming comments and replies do, own posts do not; historical ones are listed
        apart)."""
        historical, current = [], []
        for result in results:
            (historical if self.historical(result.record.published_at) else current).append(result.record)
        if historical:
            moderation_services.older_items_note(records=historical)
        moderation_services.cases_open(records=current)

    # posts ------------------------------------------------------------------------------------

    def posts(self) -> None:
        state = self.state
        if state.posts_pass_started_at is None:
            state.posts_pass_started_at = timezone.now()
            state.posts_pass_full = self.full or not state.posts_since
            state.posts_pass_newest_id, state.posts_pass_newest_at = "", None
            if self.full:
                state.posts_cursor = None
        since = None if state.posts_pass_full else state.posts_since or None
        pages = self.connector.fetch_posts(since=since, cursor=state.posts_cursor or None)
        for page_number, page in enumerate(pages, start=1):
            self._progress(phase="posts", page=page_number)

            def advance(results: list[IngestResult | None], page: Page = page) -> None:
                for item, result in zip(page.items, results, strict=True):
                    if item.kind != ItemKind.POST:
                        continue
                    newest = state.posts_pass_newest_at
                    if newest is None or item.published_at > newest:
                        state.posts_pass_newest_id = item.platform_id
                        state.posts_pass_newest_at = item.published_at
                    # A post the database refused still has comments to read.
                    if (result is None or result.created) and item.platform_id not in state.comment_queue:
                        state.comment_queue = [*state.comment_queue, item.platform_id]
                state.posts_cursor = page.cursor

            self.store_page(page, advance)
        with transaction.atomic():
            now = timezone.now()
            if state.posts_pass_full and self.connector.complete_listings:
                for record in selectors.posts_not_seen_since(
                    account=self.account, since=state.posts_pass_started_at
                ):
                    archive_services.record_mark_missing(record=record, at=now)
                    self.run.items_missing += 1
            if state.posts_pass_newest_id:
                state.posts_since = state.posts_pass_newest_id
            state.posts_pass_started_at = None
            state.posts_pass_full = False
            state.posts_pass_newest_id, state.posts_pass_newest_at = "", None
            state.save()
            self.run.save(update_fields=["items_missing"])

    def reread_posts(self) -> None:
        """Young posts the listing did not return are read again one by one: an incremental listing
        stops at the newest stored post, so an edit or a deletion of an older one would go unseen."""
        since = timezone.now() - timedelta(days=settings.HARVEST_REREAD_DAYS)
        posts = selectors.posts_to_reread(
            account=self.account, since=since, not_seen_since=self.run.started_at
        )
        for number, record in enumerate(posts, start=1):
            self._progress(phase="reread", post=number, posts=len(posts))
            self._reread_or_warn(record)

    def reconcile(self) -> None:
        """The nightly check: a bounded number of older stored posts read again one by one, going on
        from where the last night stopped, so that edits and deletions of any post are found; the
        comments of those too old to be read at every run (``repoll_days``) are listed again."""
        state = self.state
        young = timezone.now() - timedelta(days=settings.HARVEST_REREAD_DAYS)
        repolled_since = timezone.now() - timedelta(days=state.repoll_days)
        posts = selectors.posts_to_reconcile(
            account=self.account,
            published_before=young,
            after_pk=state.reconcile_after,
            limit=settings.HARVEST_RECONCILE_PER_NIGHT,
        )
        for number, record in enumerate(posts, start=1):
            self._progress(phase="reconcile", post=number, posts=len(posts))
            self._reread_or_warn(record)
            if record.published_at < repolled_since and record.deleted_on_platform_at is None:
                self._comments_again(record.platform_id)
            state.reconcile_after = record.pk
            state.save(update_fields=["reconcile_after"])
        state.reconciled_at = timezone.now()
        state.save(update_fields=["reconciled_at"])

    def _reread_or_warn(self, record) -> None:
        try:
            self._reread(record)
        except PermanentError as exc:
            # One post the platform will not give us never stops the others.
            self.warn(
                _("The post %(post)s was not read again: %(error)s")
                % {"post": record.platform_id[:200], "error": exc.message}
            )

    def _reread(self, record) -> None:
        """One stored item as the platform has it now: a changed text becomes a new version (and is
        screened again); an explicit not-found from a platform whose listings are complete makes it
        deleted on the platform. A feed's not-found only means the entry scrolled out of the feed."""
        now = timezone.now()
        try:
            item = self.connector.fetch_item(record.platform_id)
        except NotFound:
            if self.connector.complete_listings:
                with transaction.atomic():
                    archive_services.record_mark_missing(record=record, at=now)
                    archive_services.record_mark_deleted_on_platform(record=record, at=now)
                    self.run.items_deleted += 1
                    self.run.save(update_fields=["items_deleted"])
            return
        self._store_found(item, now)

    def _store_found(self, item: Item, seen_at, *, found_again: bool = False) -> IngestResult:
        """An item the platform gave when asked for it alone, stored as an item of a page is: with
        the edits the archive has not seen (from the platform's edit history), screened again and
        counted when its text changed, its media kept. ``found_again``: this run had counted it
        missing."""
        histories = self.edit_histories([item])
        with transaction.atomic():
            earlier = self._earlier_versions(histories)
            result = self.store_item(item, None, seen_at, earlier.get(item.platform_id, ()))
            if result.changed:
                self.run.items_changed += 1
            if found_again and self.run.items_missing:
                self.run.items_missing -= 1
            if result.changed or found_again:
                self.run.save(update_fields=["items_changed", "items_missing"])
        if result.changed and result.record.media:
            self.download_media([result.record])
        return result

    # comments ---------------------------------------------------------------------------------

    def comments(self) -> None:
        state = self.state
        window_start = timezone.now() - timedelta(days=state.repoll_days)
        with transaction.atomic():
            queue = list(state.comment_queue)
            for post_id in selectors.posts_to_repoll(account=self.account, since=window_start):
                if post_id not in queue:
                    queue.append(post_id)
            state.comment_queue = queue
            state.save(update_fields=["comment_queue"])
        done = 0
        while state.comment_queue:
            post_id = state.comment_queue[0]
            done += 1
            self._progress(phase="comments", post=done, posts=done - 1 + len(state.comment_queue), page=0)
            self.comments_of(post_id)

    def _comments_again(self, post_id: str) -> None:
        """One older post's comments listed again, first in the queue so that a listing cut off
        halfway is taken up by the next run; left to the ordinary harvest while one of its listings
        is under way (the queue's cursor is that listing's)."""
        state = self.state
        if state.comment_cursor or state.comment_pass_started_at:
            return
        with transaction.atomic():
            state.comment_queue = [post_id, *(pid for pid in state.comment_queue if pid != post_id)]
            state.save(update_fields=["comment_queue"])
        self.comments_of(post_id)

    def comments_of(self, post_id: str) -> None:
        state = self.state
        started = state.comment_pass_started_at or timezone.now()
        completed = False
        try:
            for page in self.connector.fetch_comments(post_id, cursor=state.comment_cursor or None):
                self.run.progress["page"] = self.run.progress.get("page", 0) + 1

                def advance(results: list[IngestResult | None], page: Page = page) -> None:
                    nonlocal completed
                    state.comment_pass_started_at = started
                    if page.cursor is None:
                        self._complete_post(post_id, started)
                        completed = True
                    else:
                        state.comment_cursor = page.cursor

                self.store_page(page, advance)
        except CommentsUnavailable as exc:
            # Not a deleted post and not a post without comments: say so, and try again next run.
            self.warn(
                _("The comments of %(post)s were not read: %(error)s")
                % {"post": post_id, "error": exc.message}
            )
            with transaction.atomic():
                state.comment_queue = [pid for pid in state.comment_queue if pid != post_id]
                state.comment_cursor, state.comment_pass_started_at = None, None
                state.save(update_fields=["comment_queue", "comment_cursor", "comment_pass_started_at"])
            return
        except NotFound:
            self._post_not_found(post_id)
            return
        if not completed:
            with transaction.atomic():
                self._complete_post(post_id, started)
                state.save()
                self.run.save(update_fields=["items_missing"])

    def _complete_post(self, post_id: str, started) -> None:
        """The listing of one post's comments reached its end: what it did not return is missing."""
        state = self.state
        if self.connector.complete_listings:
            now = timezone.now()
            for record in selectors.thread_items_not_seen_since(
                account=self.account, post_id=post_id, since=started
            ):
                archive_services.record_mark_missing(record=record, at=now)
                self.run.items_missing += 1
        state.comment_queue = [pid for pid in state.comment_queue if pid != post_id]
        state.comment_cursor = None
        state.comment_pass_started_at = None

    def _post_not_found(self, post_id: str) -> None:
        """The platform does not find the post whose comments we asked for: confirm it is gone."""
        record = selectors.record_for(account=self.account, platform_id=post_id)
        if record is not None and self.connector.complete_listings:
            self._verify(record)
        with transaction.atomic():
            state = self.state
            state.comment_queue = [pid for pid in state.comment_queue if pid != post_id]
            state.comment_cursor = None
            state.comment_pass_started_at = None
            state.save()

    # missing and deleted ----------------------------------------------------------------------

    def verify_missing(self) -> None:
        if not self.connector.complete_listings:
            return
        self._progress(phase="verify")
        for record in selectors.records_to_verify(
            account=self.account, limit=settings.HARVEST_VERIFY_PER_RUN
        ):
            self._verify(record)

    def _verify(self, record) -> None:
        """Ask the platform for one item: an explicit not-found makes it deleted on the platform;
        finding it clears the missing mark (through the ordinary upsert)."""
        now = timezone.now()
        try:
            item = self.connector.fetch_item(record.platform_id)
        except NotFound:
            with transaction.atomic():
                # Counted where the state changed, so that the run's figures are what it stored.
                self.run.items_missing += archive_services.record_mark_missing(record=record, at=now)
                self.run.items_deleted += archive_services.record_mark_deleted_on_platform(
                    record=record, at=now
                )
                self.run.save(update_fields=["items_missing", "items_deleted"])
            return
        # Left out of a listing earlier in this run and there after all: not missing in its figures.
        found_again = record.missing_since is not None and record.missing_since >= self.run.started_at
        self._store_found(item, now, found_again=found_again)

    # media ------------------------------------------------------------------------------------

    def download_media(self, records) -> None:
        now = timezone.now()
        for record in records:
            files = {media.url: media for media in record.media_files.all()}
            handled = set()
            for entry in record.media:
                url = entry.get("url") or ""
                known = files.get(url)
                if not url or url in handled or (known and not (known.retry_at and known.retry_at <= now)):
                    continue
                download = download_media(self.media_session, url)
                attempts = (known.attempts if known else 0) + 1
                archive_services.media_file_store(
                    record=record,
                    url=url,
                    media_type=entry.get("type", "other"),
                    alt_text=entry.get("alt_text", ""),
                    content=download.content,
                    content_type=download.content_type,
                    skipped_reason=download.reason,
                    retry_at=media_retry_at(attempts=attempts, now=now) if download.retryable else None,
                )
                if download.content is None:
                    self.run.media_skipped += 1
                else:
                    self.run.media_saved += 1
                handled.add(url)
        self.run.save(update_fields=["media_saved", "media_skipped"])

    def media_catch_up(self) -> None:
        self._progress(phase="media")
        since = timezone.now() - timedelta(days=self.state.repoll_days)
        self.download_media(selectors.records_lacking_media(account=self.account, first_seen_since=since))


# --- the service functions ------------------------------------------------------------------------


def explained(error: Exception) -> str:
    """What a failed run tells the people reading the account's page: what happened and what to do,
    in their language, then the platform's own words (or the program's) for the IT department."""
    if isinstance(error, RateLimited):
        until = timezone.localtime(timezone.now() + timedelta(seconds=error.retry_after))
        said = _("The platform asks us to wait until %(time)s; the harvest goes on by itself then.") % {
            "time": formats.date_format(until, "TIME_FORMAT")
        }
    elif isinstance(error, CredentialsInvalid):
        said = _(
            "The platform no longer accepts the account's login details. Ask the information unit to "
            "renew them; the harvest goes on once they are."
        )
    elif isinstance(error, TransientError):
        said = _(
            "The platform is not answering properly right now. The harvest tries again by itself; "
            "nothing needs changing. If it keeps failing for a day, tell the IT department."
        )
    elif isinstance(error, NotFound):
        said = _(
            "The platform does not find the account. Check its id on the platform against the "
            "account's details (Edit details)."
        )
    elif isinstance(error, MalformedResponse):
        said = _(
            "The platform answered with something that cannot be read; the answer is kept. The next "
            "harvest tries again; if this keeps happening, tell the IT department."
        )
    elif isinstance(error, ConnectorError):
        said = _(
            "The platform refused the request. Check the account's details against the checklist on "
            "its page; the login details may lack a permission."
        )
    else:
        said = _(
            "An unexpected error in smgov stopped the harvest; the next one resumes from the last "
            "stored page. Tell the IT department if it happens again."
        )
    detail = error.message if isinstance(error, ConnectorError) else f"{type(error).__name__}: {error}"
    return f"{said} {_('Technical detail')}: {detail}"


def _finish(run: HarvestRun, status: str, error: str = "") -> HarvestRun:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.progress = {"phase": "done"}
    run.save()
    return run


def _skipped(account: ServiceAccount, trigger: str, reason: str) -> HarvestRun:
    now = timezone.now()
    return HarvestRun.objects.create(
        account=account,
        trigger=trigger,
        started_at=now,
        finished_at=now,
        status=HarvestRun.Status.SKIPPED,
        error=reason,
    )


def harvest_account(
    *,
    account_id: int,
    trigger: str = HarvestRun.Trigger.SCHEDULE,
    full: bool = False,
    attempt: int = 0,
    will_retry: bool = False,
) -> HarvestRun:
    """Harvest one account now and record the run.

    Raises ``HarvestDeferred`` when the platform asks us to wait, and ``TransientError`` after server
    errors outlasting the connector's own retries (the task retries both, from the stored cursor).
    Invalid credentials and permanent errors end the run as failed without raising: retrying would
    not help, a person has to act.
    """
    account = ServiceAccount.objects.select_related("department").get(pk=account_id)
    with _account_lock(account.pk) as locked:
        if not locked:
            return _skipped(account, trigger, _("Another harvest of this account was running."))
        if account.state != AccountState.ACTIVE:
            return _skipped(account, trigger, _("The account is not active."))
        now = timezone.now()
        HarvestRun.objects.filter(account=account, status=HarvestRun.Status.RUNNING).update(
            status=HarvestRun.Status.FAILED,
            finished_at=now,
            error=_("Interrupted before it ended; the next run resumed from the last stored page."),
        )
        state = harvest_state_for(account)
        run = HarvestRun.objects.create(
            account=account, trigger=trigger, attempt=attempt, started_at=now, progress={"phase": "start"}
        )
        throttled = state.rate_limited_until is not None and state.rate_limited_until > now
        if throttled and trigger == HarvestRun.Trigger.MANUAL and attempt == 0:
            # A person asking does not make a throttled platform answer sooner: nothing is sent until its
            # window has passed (the schedule and the task's own retries already wait for it).
            wait = (state.rate_limited_until - now).total_seconds()
            message = _("The platform asked us to wait until %(time)s; nothing was sent.") % {
                "time": f"{timezone.localtime(state.rate_limited_until):%H.%M}"
            }
            _finish(run, HarvestRun.Status.DEFERRED, message)
            raise HarvestDeferred(message, wait)
        state.last_run_at = now
        state.save(update_fields=["last_run_at"])
        try:
            connector = connector_for(account)
            _Run(account=account, state=state, run=run, connector=connector, full=full).execute()
        except RateLimited as e:
            until = timezone.now() + timedelta(seconds=e.retry_after)
            _problem(
                state,
                ConnectionStatus.RATE_LIMITED,
                explained(e),
                next_run_at=until,
                rate_limited_until=until,
            )
            _finish(run, HarvestRun.Status.DEFERRED, explained(e))
            raise HarvestDeferred(e.message, e.retry_after) from e
        except CredentialsInvalid as e:
            _needs_reconnection(account, state, explained(e))
            return _finish(run, HarvestRun.Status.FAILED, explained(e))
        except TransientError as e:
            _problem(state, ConnectionStatus.FAILING, explained(e))
            _finish(run, HarvestRun.Status.DEFERRED if will_retry else HarvestRun.Status.FAILED, explained(e))
            raise
        except ConnectorError as e:
            _problem(state, ConnectionStatus.FAILING, explained(e))
            return _finish(run, HarvestRun.Status.FAILED, explained(e))
        except SoftTimeLimitExceeded:
            message = _("Time limit reached; the next run continues from the last stored page.")
            _problem(state, ConnectionStatus.OK, message, next_run_at=timezone.now())
            return _finish(run, HarvestRun.Status.FAILED, message)
        except Exception as e:
            logger.exception("harvest of account %s failed", account.pk)
            _problem(state, ConnectionStatus.FAILING, explained(e))
            _finish(run, HarvestRun.Status.FAILED, explained(e))
            raise
        _succeeded(account, state, run)
        return _finish(run, HarvestRun.Status.SUCCEEDED)


def harvest_reconcile(*, account_id: int) -> HarvestRun:
    """The nightly check of one account's older stored posts (see ``_Run.reconcile``), recorded as
    a run of its own. It yields to a harvest already running and to a platform's wait, and leaves
    the account's schedule and connection status to the ordinary harvest."""
    account = ServiceAccount.objects.select_related("department").get(pk=account_id)
    trigger = HarvestRun.Trigger.RECONCILE
    with _account_lock(account.pk) as locked:
        if not locked:
            return _skipped(account, trigger, _("Another harvest of this account was running."))
        if account.state != AccountState.ACTIVE:
            return _skipped(account, trigger, _("The account is not active."))
        state = harvest_state_for(account)
        now = timezone.now()
        if state.rate_limited_until is not None and state.rate_limited_until > now:
            return _skipped(account, trigger, _("The platform asked us to wait; the next night goes on."))
        run = HarvestRun.objects.create(
            account=account, trigger=trigger, started_at=now, progress={"phase": "start"}
        )
        try:
            connector = connector_for(account)
            _Run(account=account, state=state, run=run, connector=connector, full=False).reconcile()
        except RateLimited as e:
            until = timezone.now() + timedelta(seconds=e.retry_after)
            HarvestState.objects.filter(pk=state.pk).update(rate_limited_until=until)
            return _finish(run, HarvestRun.Status.DEFERRED, explained(e))
        except ConnectorError as e:
            return _finish(run, HarvestRun.Status.FAILED, explained(e))
        except SoftTimeLimitExceeded:
            return _finish(run, HarvestRun.Status.FAILED, _("Time limit reached; the next night goes on."))
        return _finish(run, HarvestRun.Status.SUCCEEDED)


def harvest_reconcile_nightly() -> list[int]:
    """Queue the nightly check of older posts for every active account (called by beat)."""
    from .tasks import reconcile_account

    account_ids = list(
        ServiceAccount.objects.filter(state=AccountState.ACTIVE).order_by("pk").values_list("pk", flat=True)
    )
    for account_id in account_ids:
        transaction.on_commit(lambda account_id=account_id: reconcile_account.delay(account_id))
    return account_ids


def _problem(state: HarvestState, status: str, error: str, **fields) -> None:
    state.refresh_from_db()
    state.status = status
    state.last_error = error
    state.last_error_at = timezone.now()
    for name, value in fields.items():
        setattr(state, name, value)
    state.save()


@transaction.atomic
def _needs_reconnection(account: ServiceAccount, state: HarvestState, error: str) -> None:
    """The platform refuses the credentials: stop trying, tell the administrators once."""
    state.refresh_from_db()
    now = timezone.now()
    state.status = ConnectionStatus.NEEDS_RECONNECTION
    state.last_error, state.last_error_at = error, now
    state.next_run_at = now + RECONNECT_RETRY
    if state.notified_at is None:
        _notify_reconnection(account, error)
        state.notified_at = now
    state.save()
    accounts_services.credential_record_result(account=account, ok=False, error=error)


@transaction.atomic
def _succeeded(account: ServiceAccount, state: HarvestState, run: HarvestRun) -> None:
    state.refresh_from_db()
    now = timezone.now()
    state.current_interval = next_interval(
        base=state.interval, current=state.current_interval, items_new=run.items_new
    )
    state.status = ConnectionStatus.OK
    state.rate_limited_until = None
    state.notified_at = None
    state.last_success_at = now
    state.next_run_at = now + state.current_interval
    state.save()
    accounts_services.credential_record_result(account=account, ok=True)


def harvest_schedule_due(*, now=None) -> list[int]:
    """Enqueue a run for every active account whose next run is due (called by beat every minute).

    The account's next run time is moved on in the same transaction, so an account is enqueued once
    per interval; the run sets the real next time when it ends. Concurrent callers skip each other's
    rows (``skip_locked``), so two beats never enqueue the same account twice.
    """
    from .tasks import run_account

    now = now or timezone.now()
    with transaction.atomic():
        missing = ServiceAccount.objects.filter(state=AccountState.ACTIVE, harvest_state__isnull=True)
        HarvestState.objects.bulk_create(
            [HarvestState(account=account, next_run_at=now) for account in missing], ignore_conflicts=True
        )
        enqueued = []
        for state in selectors.due_states(now=now).select_for_update(skip_locked=True, of=("self",)):
            state.next_run_at = now + state.current_interval
            state.save(update_fields=["next_run_at"])
            enqueued.append(state.account_id)
        for account_id in enqueued:
            transaction.on_commit(lambda account_id=account_id: run_account.delay(account_id))
    return enqueued


def harvest_request(*, actor, account: ServiceAccount) -> None:
    """A person asks for a harvest now (the run still obeys the one-run-per-account rule)."""
    from .tasks import run_account

    transaction.on_commit(lambda: run_account.delay(account.pk, HarvestRun.Trigger.MANUAL))
