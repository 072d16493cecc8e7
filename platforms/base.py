"""The one small interface every platform connector implements.

A connector turns one platform account into plain, immutable values: HTTP in, items out. It knows
nothing about Django, the database or Celery, so it can be read, tested and replaced on its own.

Shape of a harvest
    ``fetch_posts()`` and ``fetch_comments(post_id)`` yield ``Page`` objects, newest posts first. Each
    page holds the exact ``Response`` it was parsed from (bytes, SHA-256, request URL without secrets),
    the normalised ``Item``s, and a ``cursor``: a JSON-serialisable dict that, passed back to the same
    method, resumes after that page. The caller stores the response, the items and the cursor in one
    transaction, so a killed worker resumes where it stopped and never stores half a page. A cursor of
    ``None`` means "nothing after this page"; on input, ``None`` (or ``{}``) means "start from the
    newest". A page completed by extra requests (replies a listing left out) comes as several pages;
    all but the last carry the cursor that re-reads the group, so a crash never skips part of it.

Incremental harvests
    ``since`` is the platform id of the newest post already stored (the high-water mark). Listings are
    newest first, so ``fetch_posts`` stops as soon as it meets that id. Ids rather than times because
    times are edited, back-dated and collide, while an id is exactly what the caller has stored. If the
    post behind ``since`` was deleted the connector simply reads to the end: slower, never lossy,
    since storing is an upsert.

Items
    ``kind`` is ``post`` for the account's own top-level posts, ``comment`` for anything written
    directly on a post and ``reply`` for anything written on a comment; ``is_own`` tells whether the
    account itself wrote it, so the account answering a comment gives ``kind=reply, is_own=True``.
    ``thread_id`` is the id of the post a comment or reply belongs to. ``raw`` is the item's own JSON
    object exactly as parsed from the response, for the archive.

Errors
    Everything a connector raises is a ``ConnectorError``. ``RateLimited`` carries how long to wait;
    the caller waits and resumes from the stored cursor instead of retrying in a loop. After one, or
    after an answer whose usage headers say the allowance is used up (``_allowance_used_up_until``),
    the connector sends nothing more until the wait is over. ``Retry-After`` (seconds or an HTTP
    date) is honoured on 429 and on a 5xx alike. Other 5xx responses and broken connections are
    retried a bounded number of times (urllib3 ``Retry``, exponential backoff with jitter) before
    ``TransientError``. A page that cannot be fully parsed raises ``MalformedResponse``: never a
    partial page.

Edit histories
    Where a platform keeps the earlier texts of an edited item (``keeps_edit_history``),
    ``fetch_history`` returns them all, oldest first, each with the time it was published or edited.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

T = TypeVar("T")

USER_AGENT = "smgov-harvest/1.0"


class ItemKind(StrEnum):
    POST = "post"
    COMMENT = "comment"
    REPLY = "reply"


MediaType = Literal["image", "video", "audio", "gifv", "link", "other"]


@dataclass(frozen=True)
class Author:
    name: str
    handle: str
    platform_id: str


@dataclass(frozen=True)
class Media:
    url: str
    type: MediaType
    alt_text: str = ""


@dataclass(frozen=True)
class Response:
    """One HTTP exchange exactly as received, kept as provenance for the items parsed from it."""

    url: str  # the request URL with secrets removed
    method: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    sha256: str

    def header(self, name: str) -> str | None:
        """A response header by case-insensitive name (HTTP/2 servers send them in lower case)."""
        name = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == name), None)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as e:
            if _cut_off(self.body, e):
                raise TruncatedResponse(
                    f"{self.method} {self.url}: the body ends before the JSON does (connection cut?)", self
                ) from e
            raise MalformedResponse(f"{self.method} {self.url}: body is not valid JSON ({e})", self) from e


# Some servers refuse a revoked or invalid token with 400 or 403 instead of 401 (several
# Mastodon-compatible servers answer 400 "Invalid Bearer token"); their words give it away.
_TOKEN_REFUSED = re.compile(
    r"invalid[ _-]?(?:bearer[ _-]?|access[ _-]?)?token|token[^.]{0,20}\b(?:invalid|expired|revoked)\b"
    r"|invalid_grant|unauthori[sz]ed",
    re.IGNORECASE,
)


def _cut_off(body: bytes, error: ValueError) -> bool:
    """Whether invalid JSON is a valid beginning that stops short: a dropped connection, which trying
    again may mend, as opposed to a body of the wrong shape, which it will not."""
    if not body.strip():
        return True
    position = getattr(error, "pos", None)
    if position is None:  # not a JSONDecodeError (e.g. bytes that are not UTF-8)
        return False
    # A string with no closing quote runs to the end of the body; anything else stops at the end.
    return error.msg.startswith("Unterminated string") or position >= len(
        body.decode("utf-8", "replace").rstrip()
    )


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    platform_id: str
    parent_id: str | None  # the post for a comment, the comment for a reply, None for a post
    thread_id: str  # the post this item belongs to (a post's own id for a post)
    author: Author | None  # None where the platform withholds who wrote it
    text: str
    text_format: Literal["html", "plain"]
    media: tuple[Media, ...]
    permalink: str | None
    published_at: datetime  # aware, UTC
    edited_at: datetime | None  # aware, UTC
    raw: dict[str, Any] = field(repr=False)
    is_own: bool


@dataclass(frozen=True)
class ItemVersion:
    """One text an item had, from the platform's own record of its edits."""

    text: str
    at: datetime  # when it was published with this text, or edited to it; aware, UTC
    media: tuple[Media, ...]
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class History:
    """An item's edit history as the platform keeps it: every version, oldest (as first published)
    first and the current one last, with the response it came in."""

    response: Response
    versions: list[ItemVersion]


@dataclass(frozen=True)
class Page:
    response: Response
    items: list[Item]
    cursor: dict[str, Any] | None


class ChangeAction(StrEnum):
    UPSERT = "upsert"  # the item was created, edited, hidden or shown again: store it as it is now
    DELETE = "delete"  # the platform says the item was removed


@dataclass(frozen=True)
class ChangeEvent:
    """One change to one item announced by the platform itself (a webhook or a stream), as opposed
    to one found by reading a listing.

    ``at`` is when the platform says the change happened, and ``order`` breaks ties between changes
    of the same second (a creation before an edit before a removal): platforms retry and reorder
    their deliveries, and the caller applies a change only when no later one was applied before.
    ``item`` is the item as the event describes it; when ``complete`` is false it lacks something
    the archive needs (a time, an attachment), and the caller asks ``fetch_item`` for the item as it
    is now, falling back to ``item`` only when the platform no longer has it.
    """

    action: ChangeAction
    platform_id: str
    at: datetime
    item: Item | None = None
    complete: bool = False
    order: int = 0


@dataclass(frozen=True)
class Published:
    """The platform's answer to a reply we published: the new item as the platform describes it (the
    same item a harvest will read later) and the response it was parsed from."""

    item: Item
    response: Response


@dataclass(frozen=True)
class Upload:
    """A photo or video to publish with a post, with the text that describes it to those who cannot
    see it. ``public_url`` is where the platform can fetch the same file itself, for platforms that
    take photos only by address (Instagram)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    alt_text: str
    public_url: str = ""


@dataclass(frozen=True)
class Profile:
    followers_count: int | None
    raw: dict[str, Any] = field(repr=False)


class ConnectorError(Exception):
    """Base of everything a connector raises; carries the offending response when there is one."""

    def __init__(self, message: str, response: Response | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.response = response


class RateLimited(ConnectorError):
    """The platform asks us to slow down: wait ``retry_after`` seconds, then resume from the cursor."""

    def __init__(self, message: str, retry_after: float, response: Response | None = None) -> None:
        super().__init__(f"{message} (retry after {retry_after:.0f} s)", response)
        self.retry_after = retry_after


class CredentialsInvalid(ConnectorError):
    """The token or key is missing, expired or revoked: a person has to renew it."""


class TransientError(ConnectorError):
    """Server errors and network failures that outlasted our retries; trying later may work."""


class TruncatedResponse(TransientError):
    """The body stops before its end: the connection dropped mid-response. Retried like a 5xx."""


class PermanentError(ConnectorError):
    """The platform refused the request in a way that retrying will not fix."""


class MalformedResponse(PermanentError):
    """The body is not what the platform documents (bad JSON, wrong shape, broken XML)."""


class NotFound(ConnectorError):
    """The platform says the object does not exist (any more)."""


class CommentsUnavailable(ConnectorError):
    """The post exists but its comments cannot be read (its comment feed is gone, say): the run goes
    on and says so, rather than taking the post for deleted or its comments for none."""


class NotSupported(ConnectorError):
    """The platform, or the credentials we hold, cannot do this."""


class _Retry(Retry):
    """urllib3's retry, except that a server naming its own time to come back (``Retry-After`` on a
    503, say) is not asked again at once: the answer goes up as ``RateLimited`` with that time."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        return not has_retry_after and super().is_retry(method, status_code, has_retry_after)


def http_session(
    *, retries: int = 3, backoff_factor: float = 1.0, backoff_jitter: float = 1.0
) -> requests.Session:
    """A session retrying 5xx and connection errors a bounded number of times with backoff.

    429 is deliberately *not* retried here: a throttled platform gets no further requests from us;
    ``RateLimited`` goes up to the caller, who reschedules. Neither is a 5xx with ``Retry-After``.
    Only idempotent methods are retried (urllib3's default), so a reply is never published twice
    because a gateway timed out.
    """
    retry = _Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        status_forcelist=(500, 502, 503, 504),
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_jitter,
        backoff_max=60,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def parse_time(value: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime; naive times are a malformed payload."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without a timezone: {value!r}")
    return parsed.astimezone(UTC)


def retry_after_seconds(response: Response, default: float) -> float:
    """Seconds to wait according to a ``Retry-After`` header (seconds or an HTTP date)."""
    value = response.header("Retry-After")
    if not value:
        return default
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def author_key(name: str) -> str:
    """An author's name as compared with the account's own names: case and spacing do not count."""
    return " ".join(name.split()).casefold()


def same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def chain_extra_pages(page: Page, extra: Iterable[Page], here: dict[str, Any]) -> Iterator[Page]:
    """Yield ``page`` followed by the ``extra`` pages that complete it (e.g. replies beyond those
    inlined in a comment listing), in an order that survives a crash at any point.

    Every page but the last carries ``here`` (the cursor that fetches ``page`` again), and only the
    last carries ``page.cursor`` onward, so a resumed harvest re-reads the whole group rather than
    skipping the replies it had not reached yet.
    """
    pending = replace(page, cursor=here)
    for sub in extra:
        yield pending
        pending = replace(sub, cursor=here)
    yield replace(pending, cursor=page.cursor)


class Connector(ABC):
    """One platform account. Subclasses set ``platform`` and ``default_base_url`` and implement the
    fetch methods; ``_check`` turns the platform's error responses into typed errors."""

    platform: ClassVar[str]
    default_base_url: ClassVar[str]
    can_reply: ClassVar[bool] = False
    can_hide: ClassVar[bool] = False
    # Whether a listing read to its end returns everything that still exists, so that an item it
    # leaves out is missing and ``fetch_item``'s NotFound means deleted. Feeds only show their latest
    # entries: for them neither holds.
    complete_listings: ClassVar[bool] = True
    # The ``object`` of the platform's webhook deliveries ("page", "instagram"), or "" for none; and
    # whether its webhooks announce removals (when they do not, an item they announced is asked for
    # again soon after, so that one deleted before the next harvest is still known to be deleted).
    webhook_object: ClassVar[str] = ""
    webhook_reports_deletions: ClassVar[bool] = True
    # Query parameters that carry secrets: sent to the platform, removed from every stored URL.
    secret_params: ClassVar[tuple[str, ...]] = ()
    # The credential kinds this connector reads, e.g. ("access_token",); the vault offers these.
    credential_kinds: ClassVar[tuple[str, ...]] = ()
    # What an account needs before it can be read, for the setup checklist: each entry lists
    # alternatives, any one of which will do. Names are the account's ``platform_id``, ``handle`` and
    # ``base_url``, or a credential kind.
    setup_needs: ClassVar[tuple[tuple[str, ...], ...]] = (("platform_id",),)
    # Credential kinds reading does without, but acting as the account (replying, hiding) needs.
    setup_optional: ClassVar[tuple[str, ...]] = ()

    # The longest reply the platform accepts, counted the way the platform counts (`count_text`).
    reply_limit: ClassVar[int] = 8000
    # How `count_text` counts, for the counter shown while writing: "characters", "graphemes" or
    # "mastodon" (characters, with every link as 23 and mentions without their server).
    count_unit: ClassVar[str] = "characters"

    @classmethod
    def count_text(cls, text: str) -> int:
        """The length of a text as the platform counts it: by default in characters (code points)."""
        return len(text)

    # Whether posts can be published through the platform's API (``publish_post``); where not, a
    # communicator publishes by hand and records the link.
    publishes_posts: ClassVar[bool] = False
    # The longest post the platform accepts, counted like replies (`count_text`).
    post_limit: ClassVar[int] = 8000
    # How many photos or videos one post may carry through the API.
    post_media_limit: ClassVar[int] = 4

    # Whether the platform keeps the earlier texts of an edited item (``fetch_history``).
    keeps_edit_history: ClassVar[bool] = False

    def __init__(
        self,
        *,
        base_url: str | None = None,
        platform_id: str = "",
        handle: str = "",
        credentials: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
        timeout: float = 20,
        own_authors: Iterable[str] = (),
    ) -> None:
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.platform_id = platform_id
        self.handle = handle
        # Where a platform has no account ids (blog comment feeds), the names the account's own
        # comments are signed with tell them apart from the public's.
        self.own_authors = frozenset(author_key(name) for name in own_authors if name.strip())
        self.credentials = dict(credentials or {})
        self.session = session or http_session()
        self.timeout = timeout
        # Set when a response says the platform's allowance is used up (or nearly so), so that the
        # next request is not even sent: it would only be refused and counted against us.
        self._blocked_until: datetime | None = None

    # --- the interface -----------------------------------------------------------------------------

    @abstractmethod
    def fetch_posts(self, *, since: str | None = None, cursor: dict | None = None) -> Iterator[Page]:
        """The account's own posts, newest first, stopping at ``since`` (see the module docstring)."""

    @abstractmethod
    def fetch_comments(self, post_id: str, *, cursor: dict | None = None) -> Iterator[Page]:
        """Every public comment and reply on one post, including the account's own replies."""

    @abstractmethod
    def fetch_profile(self) -> Profile: ...

    @abstractmethod
    def fetch_item(self, platform_id: str) -> Item:
        """One item as it is now; raises ``NotFound`` once the platform says it is gone."""

    def webhook_events(self, entry: dict[str, Any]) -> list[ChangeEvent]:
        """The item changes in one ``entry`` of a webhook delivery addressed to this account; changes
        of fields the archive does not keep are left out."""
        raise NotSupported(f"{self.platform}: webhooks are not supported")

    def check_connection(self) -> None:
        """One harmless read proving that the platform answers, knows the account and accepts the
        credentials; raises the typed error otherwise. Nothing is written anywhere."""
        self.fetch_profile()

    def fetch_history(self, platform_id: str) -> History:
        """Every version of an edited item, oldest first, where the platform keeps them."""
        raise NotSupported(f"{self.platform}: edit histories are not kept")

    def publish_reply(self, parent_id: str, text: str, *, thread_id: str = "") -> Published:
        """Publish ``text`` as the account's reply to ``parent_id`` (in the thread of post ``thread_id``)
        and return the platform's answer.

        Publishing runs in a task that a dead worker leaves to run again, so a connector first looks
        for this account's reply with the same text under ``parent_id`` and returns that instead of
        posting a second one, wherever the platform itself does not deduplicate."""
        raise NotSupported(f"{self.platform}: publishing replies is not supported")

    def publish_post(
        self, text: str, *, media: Sequence[Upload] = (), link: str = "", key: str = ""
    ) -> Published:
        """Publish ``text`` (with ``media`` and ``link``) as a new post of the account and return the
        platform's answer: the post as a harvest will later read it (``is_own``, kind ``post``).

        ``key`` is the same for every attempt at one post: publishing runs in a task that a dead worker
        leaves to run again, so a connector passes it where the platform deduplicates (an idempotency
        key), and otherwise first looks for the account's own recent post with the same text and
        returns that instead of posting a second one."""
        raise NotSupported(f"{self.platform}: publishing posts is not supported")

    def accepted_reply(
        self, response: Response, platform_id: str, parent_id: str, thread_id: str, text: str
    ) -> Published:
        """What we know of a reply the platform accepted without describing it (its answer gave only
        the id, and asking for the rest failed): the harvest fills in the rest by the same id."""
        item = Item(
            kind=ItemKind.REPLY,
            platform_id=platform_id,
            parent_id=parent_id,
            thread_id=thread_id or parent_id,
            author=Author(name=self.handle, handle=self.handle, platform_id=self.platform_id),
            text=text,
            text_format="plain",
            media=(),
            permalink=None,
            published_at=response.fetched_at,
            edited_at=None,
            raw={"id": platform_id},
            is_own=True,
        )
        return Published(item, response)

    def hide_comment(self, platform_id: str) -> None:
        """Hide a comment from the public without deleting it."""
        raise NotSupported(f"{self.platform}: hiding comments is not supported")

    # --- monitoring (what others write about the municipality) --------------------------------------

    def search_public(self, query: str) -> Page:
        """Public items anywhere on the platform that match ``query`` (newest first, one page), for
        keyword monitoring. They are nobody's account items: ``is_own`` is false and every item is a
        ``post`` of its own thread."""
        raise NotSupported(f"{self.platform}: searching is not supported")

    # --- HTTP --------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def strip_secrets(self, url: str) -> str:
        parts = urlsplit(url)
        query = [
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in self.secret_params
        ]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | bytes | None = None,
        json_body: Any = None,
    ) -> Response:
        """Send one request and return the response as received, or raise a typed error.

        Nothing is sent while an earlier answer of the platform asked us to wait."""
        now = datetime.now(UTC)
        if self._blocked_until and now < self._blocked_until:
            wait = (self._blocked_until - now).total_seconds()
            raise RateLimited(
                f"{self.platform}: the platform's rate limit is used up; nothing was sent", wait
            )
        try:
            r = self.session.request(
                method, url, params=params, headers=headers, data=data, json=json_body, timeout=self.timeout
            )
        except requests.RequestException as e:
            # requests' messages include the full URL, query string and all: keep secrets out of logs.
            raise TransientError(self._redact(f"{method} {self.strip_secrets(url)}: {e}")) from e
        response = Response(
            url=self.strip_secrets(r.request.url or url),
            method=method,
            status=r.status_code,
            headers=dict(r.headers),
            body=r.content,
            fetched_at=datetime.now(UTC),
            sha256=hashlib.sha256(r.content).hexdigest(),
        )
        self._block_until(self._allowance_used_up_until(response))
        try:
            if response.status >= 500 and response.header("Retry-After"):
                # An overloaded or paused server that says when to come back is not asked again before.
                raise RateLimited(
                    f"{self.platform}: {method} {response.url}: HTTP {response.status}",
                    retry_after_seconds(response, default=60),
                    response,
                )
            self._check(response)
        except ConnectorError as e:
            if isinstance(e, RateLimited):  # and the platform gets nothing more from us until then
                self._block_until(datetime.now(UTC) + timedelta(seconds=e.retry_after))
            # Error messages quote the platform's answer, which may echo what we sent: they are stored
            # on the run and shown on pages, so the secrets go before anything else sees them.
            e.message = self._redact(e.message)
            e.args = (e.message, *e.args[1:])
            raise
        return response

    def _block_until(self, until: datetime | None) -> None:
        if until is not None and (self._blocked_until is None or until > self._blocked_until):
            self._blocked_until = until

    def _allowance_used_up_until(self, response: Response) -> datetime | None:
        """Until when the platform's usage headers on ``response`` (an answer that went through)
        say to send nothing more; None while there is allowance left. Platforms override this."""
        return None

    def get_json(self, path_or_url: str, **kwargs: Any) -> tuple[Response, Any]:
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        response = self.request("GET", url, **kwargs)
        return response, response.json()

    def _check(self, response: Response) -> None:
        """Raise for an error response. Platforms with structured error bodies override this."""
        status = response.status
        if status < 400:
            return
        where = f"{self.platform}: {response.method} {response.url}: HTTP {status}"
        detail = self._error_detail(response)
        message = f"{where}: {detail}" if detail else where
        if status == 429:
            raise RateLimited(message, self._retry_after(response), response)
        if status == 401 or (status in (400, 403) and _TOKEN_REFUSED.search(detail or "")):
            raise CredentialsInvalid(message, response)
        if status in (404, 410):
            raise NotFound(message, response)
        if status >= 500:
            raise TransientError(message, response)
        raise PermanentError(message, response)

    def _error_detail(self, response: Response) -> str:
        """A short human-readable reason from an error body, for the harvest run's log."""
        return response.body[:300].decode("utf-8", "replace")

    def _retry_after(self, response: Response) -> float:
        return retry_after_seconds(response, default=60)

    def _redact(self, text: str) -> str:
        for secret in self.credentials.values():
            if secret:
                text = text.replace(secret, "[redacted]")
        return text

    def parsed(self, response: Response, parse: Callable[..., T], *args: Any) -> T:
        """Run ``parse`` over a response's JSON, turning any shape surprise into ``MalformedResponse``,
        so that a page is either parsed completely or not at all."""
        try:
            return parse(*args)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise MalformedResponse(
                f"{self.platform}: unexpected payload from {response.url}: {type(e).__name__}: {e}", response
            ) from e


def count_graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, close to Unicode's UAX #29): a combining
    mark, a variation selector or a skin tone joins the character before it, a zero-width joiner
    joins its neighbours into one emoji, two regional indicators make one flag, CR LF is one."""
    import unicodedata

    count = 0
    previous = ""
    joined = regional_open = False
    for char in text:
        code = ord(char)
        extends = unicodedata.category(char) in ("Mn", "Me", "Mc") or 0x1F3FB <= code <= 0x1F3FF
        if char == "\u200d" or joined or (extends and count) or (char == "\n" and previous == "\r"):
            joined = char == "\u200d"
        elif 0x1F1E6 <= code <= 0x1F1FF and regional_open:
            regional_open = False
        else:
            regional_open = 0x1F1E6 <= code <= 0x1F1FF
            count += 1
        previous = char
    return count
