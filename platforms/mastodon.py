"""Mastodon (and API-compatible servers) through the public REST API of the account's instance.

Reading works without a token; with ``credentials["access_token"]`` requests carry it as a bearer
header (never in the URL), which also lifts the instance's limits on thread size and lets the
account publish replies. Status content is HTML and is kept exactly as received.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from requests.utils import parse_header_links
from urllib3 import encode_multipart_formdata

from .base import (
    Author,
    ChangeAction,
    ChangeEvent,
    Connector,
    ConnectorError,
    CredentialsInvalid,
    History,
    Item,
    ItemKind,
    ItemVersion,
    MalformedResponse,
    Media,
    MediaType,
    Page,
    Profile,
    Published,
    Response,
    TransientError,
    Upload,
    parse_time,
    retry_after_seconds,
    same_origin,
)

MEDIA_TYPES: dict[str, MediaType] = {"image": "image", "video": "video", "gifv": "gifv", "audio": "audio"}
STREAM = "user:notification"
CATCH_UP_PAGES = 10  # notifications read after a gap, 40 a page; the scheduled harvest does the rest


MASTODON_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
MASTODON_MENTION = re.compile(r"@(\w+)@[\w.-]+\w", re.UNICODE)


class MastodonConnector(Connector):
    platform = "mastodon"
    default_base_url = "https://mastodon.social"
    credential_kinds = ("access_token",)
    setup_needs = (("base_url",), ("platform_id", "handle"))
    setup_optional = ("access_token",)
    can_reply = True
    keeps_edit_history = True
    page_size = 40  # the API's maximum for account statuses
    # A status holds 500 characters on a default server; every link counts as 23, and a mention
    # counts only its user name, not the server after it (Mastodon's own counting).
    reply_limit = 500
    count_unit = "mastodon"
    # Posts: the same 500 (counted the same way) and four attachments, a default server's limits.
    publishes_posts = True
    post_limit = 500
    post_media_limit = 4
    # A video is processed after its upload; how often and how long apart its state is asked for.
    media_checks = 10
    media_check_wait = 2.0
    recent_posts = 20  # the account's latest posts looked through for one already published

    @classmethod
    def count_text(cls, text: str) -> int:
        text = MASTODON_URL.sub("x" * 23, text)
        text = MASTODON_MENTION.sub(r"@\1", text)
        return len(text)

    def fetch_posts(self, *, since: str | None = None, cursor: dict | None = None) -> Iterator[Page]:
        if cursor:
            url, params = cursor["next"], None
        else:
            url = self.url(f"/api/v1/accounts/{self._account_id()}/statuses")
            params = {"exclude_reblogs": "true", "exclude_replies": "true", "limit": self.page_size}
            if since:
                params["since_id"] = since
        while True:
            response, statuses = self.get_json(url, params=params)
            items, cursor = self.parsed(response, self._posts_page, response, statuses, since)
            yield Page(response, items, cursor)
            if cursor is None:
                return
            url, params = cursor["next"], None

    def fetch_comments(self, post_id: str, *, cursor: dict | None = None) -> Iterator[Page]:
        """The whole thread below ``post_id`` in one response (the context API is not paged, so there
        is never a cursor). Instances cap the thread for anonymous requests; a token lifts the cap."""
        response, context = self.get_json(f"/api/v1/statuses/{post_id}/context")
        items = self.parsed(
            response, lambda: [self._item(status, post_id) for status in context["descendants"]]
        )
        yield Page(response, items, None)

    def fetch_profile(self) -> Profile:
        response, account = self.get_json(f"/api/v1/accounts/{self._account_id()}")
        # Servers may hide the count (a setting of the account): then there is none.
        count = self.parsed(response, lambda: account.get("followers_count"))
        return Profile(int(count) if count is not None else None, raw=account)

    def fetch_item(self, platform_id: str) -> Item:
        response, status = self.get_json(f"/api/v1/statuses/{platform_id}")
        thread_id = platform_id
        parent_id = self.parsed(response, lambda: status["in_reply_to_id"])
        if parent_id:
            # Whether this is a comment or a reply depends on the thread's root: ask for it. With the
            # parent deleted there are no ancestors, and the parent is the best root we know.
            context_response, context = self.get_json(f"/api/v1/statuses/{platform_id}/context")
            ancestors = self.parsed(context_response, lambda: context["ancestors"])
            thread_id = self.parsed(context_response, lambda: ancestors[0]["id"]) if ancestors else parent_id
        return self.parsed(response, lambda: self._item(status, thread_id))

    # --- monitoring ----------------------------------------------------------------------------------

    def read_tag(self, hashtag: str) -> Page:
        """The instance's public timeline of one hashtag (``/api/v1/timelines/tag/:hashtag``), which
        every instance serves without a token."""
        tag = hashtag.strip().lstrip("#")
        response, statuses = self.get_json(
            f"/api/v1/timelines/tag/{quote(tag, safe='')}", params={"limit": self.page_size}
        )
        return Page(response, self.parsed(response, self._found, statuses), None)

    def search_public(self, query: str) -> Page:
        """Full-text search of statuses (``/api/v2/search``); instances allow it only with a token
        and only for what they index, so an instance that refuses raises a typed error."""
        response, body = self.get_json(
            "/api/v2/search", params={"q": query, "type": "statuses", "limit": self.page_size}
        )
        return Page(response, self.parsed(response, lambda: self._found(body["statuses"])), None)

    def _found(self, statuses: list[dict]) -> list[Item]:
        return [self._item(status, status["id"]) for status in statuses]

    # --- streaming -----------------------------------------------------------------------------------

    def streaming_url(self) -> str:
        """The WebSocket address of the account's notifications. Instances may serve streaming from
        a host of their own, which they name in their instance information."""
        try:
            _response, instance = self.get_json("/api/v2/instance")
            base = str(instance["configuration"]["urls"]["streaming"]).rstrip("/")
        except (ConnectorError, KeyError, TypeError, ValueError):
            base = re.sub(r"^http", "ws", self.base_url)
        return f"{base}/api/v1/streaming?stream={STREAM}"

    def streaming_headers(self) -> dict[str, str]:
        token = self.credentials.get("access_token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def notifications_since(self, since_id: str) -> Iterator[dict[str, Any]]:
        """Mentions (replies included) newer than ``since_id``, oldest first: the catch-up after a
        gap in the stream. ``min_id`` pages forward from the id without skipping any."""
        position = since_id
        for _page in range(CATCH_UP_PAGES):
            response, notifications = self.get_json(
                "/api/v1/notifications", params={"min_id": position, "types[]": "mention", "limit": 40}
            )
            batch = self.parsed(response, _oldest_first, notifications)
            if not batch:
                return
            yield from batch
            position = str(batch[-1]["id"])

    @staticmethod
    def stream_notification(message: dict[str, Any]) -> dict[str, Any] | None:
        """The notification in a streaming frame (``{"event": "notification", "payload": "<JSON>"}``)
        or a notification read through the REST API; None for anything else."""
        if "event" in message:
            if message.get("event") != "notification":
                return None
            message = json.loads(message["payload"])
        return message if isinstance(message, dict) and message.get("id") else None

    def notification_event(self, notification: dict[str, Any], thread_id: str) -> ChangeEvent | None:
        """A mention that answers a status of ``thread_id`` as a change; the status in it is whole."""
        status = notification.get("status")
        if notification.get("type") != "mention" or not status:
            return None
        item = self._item(status, thread_id)
        return ChangeEvent(
            ChangeAction.UPSERT, item.platform_id, item.edited_at or item.published_at, item, complete=True
        )

    def fetch_history(self, platform_id: str) -> History:
        """``/history`` lists a status's versions (StatusEdit objects) oldest first: the text as first
        published, every edit, and the current text last. Content is HTML, kept as received."""
        response, edits = self.get_json(f"/api/v1/statuses/{platform_id}/history")
        return History(response, self.parsed(response, lambda: [_version(edit) for edit in edits]))

    def publish_reply(self, parent_id: str, text: str, *, thread_id: str = "") -> Published:
        if not self.credentials.get("access_token"):
            raise CredentialsInvalid("mastodon: publishing a reply needs an access_token")
        thread_id = thread_id or parent_id
        # The same text to the same parent within the instance's idempotency window (an hour) is a
        # retried task, not a second reply: let the server deduplicate it.
        key = hashlib.sha256(f"{parent_id}\n{text}".encode()).hexdigest()
        # Some Mastodon-compatible servers ignore the key: a task run again after a worker died between
        # the server's answer and our commit first looks for the reply it already posted.
        already = self._own_reply(parent_id, text, thread_id)
        if already is not None:
            return already
        response = self.request(
            "POST",
            self.url("/api/v1/statuses"),
            data={"status": text, "in_reply_to_id": parent_id},
            headers={"Idempotency-Key": key},
        )
        status = response.json()
        return Published(self.parsed(response, self._item, status, thread_id), response)

    def publish_post(
        self, text: str, *, media: Sequence[Upload] = (), link: str = "", key: str = ""
    ) -> Published:
        """Upload each photo or video with its description (``POST /api/v2/media``), then post the
        status with their ids (``POST /api/v1/statuses``). Mastodon has no link field: a link not
        already in the text goes on a line of its own at the end, where the server makes its card."""
        if not self.credentials.get("access_token"):
            raise CredentialsInvalid("mastodon: publishing a post needs an access_token")
        status_text = post_text(text, link)
        already = self._own_post(status_text)
        if already is not None:
            return already
        media_ids = [self._upload(upload) for upload in media]
        fields: list[tuple[str, str]] = [("status", status_text), ("visibility", "public")]
        fields += [("media_ids[]", media_id) for media_id in media_ids]
        response = self.request(
            "POST",
            self.url("/api/v1/statuses"),
            data=fields,
            headers={"Idempotency-Key": key or hashlib.sha256(status_text.encode()).hexdigest()},
        )
        status = response.json()
        return Published(self.parsed(response, lambda: self._item(status, status["id"])), response)

    def _upload(self, upload: Upload) -> str:
        """One attachment uploaded with its description; a video the server is still processing
        (202, no ``url`` yet) is asked for until it is ready, since a status cannot carry it before."""
        body, content_type = encode_multipart_formdata(
            [
                ("description", upload.alt_text),
                ("file", (upload.filename, upload.data, upload.content_type)),
            ]
        )
        response = self.request(
            "POST", self.url("/api/v2/media"), data=body, headers={"Content-Type": content_type}
        )
        attachment = response.json()
        media_id = self.parsed(response, lambda: str(attachment["id"]))
        for _check in range(self.media_checks):
            if _ready(response, attachment):
                return media_id
            time.sleep(self.media_check_wait)
            response, attachment = self.get_json(f"/api/v1/media/{media_id}")
        if _ready(response, attachment):
            return media_id
        raise TransientError(f"mastodon: the upload {media_id} was still being processed", response)

    def _own_post(self, status_text: str) -> Published | None:
        """This account's recent post saying ``status_text``, if it is there already: a task run
        again after its worker died between the server's answer and our commit."""
        response, statuses = self.get_json(
            f"/api/v1/accounts/{self._account_id()}/statuses",
            params={"exclude_replies": "true", "exclude_reblogs": "true", "limit": self.recent_posts},
        )
        wanted = _letters(status_text)
        for status in self.parsed(response, lambda: list(statuses)):
            if (
                self._is_own(status.get("account") or {})
                and _letters(_html_text(status.get("content") or "")) == wanted
            ):
                return Published(self.parsed(response, self._item, status, status["id"]), response)
        return None

    def _own_reply(self, parent_id: str, text: str, thread_id: str) -> Published | None:
        """This account's reply to ``parent_id`` saying ``text``, if it is there already."""
        response, context = self.get_json(f"/api/v1/statuses/{parent_id}/context")
        wanted = _words(text)
        for status in self.parsed(response, lambda: context["descendants"]):
            if (
                str(status.get("in_reply_to_id")) == parent_id
                and self._is_own(status.get("account") or {})
                and _words(_html_text(status.get("content") or "")) == wanted
            ):
                return Published(self.parsed(response, self._item, status, thread_id), response)
        return None

    def _is_own(self, account: dict) -> bool:
        """Whether a status's author is this account: by id where we know it, else by handle."""
        if self.platform_id:
            return str(account.get("id")) == self.platform_id
        return str(account.get("acct", "")).lower() == self.handle.lstrip("@").lower()

    # --- parsing -----------------------------------------------------------------------------------

    def _posts_page(
        self, response: Response, statuses: list[dict], since: str | None
    ) -> tuple[list[Item], dict | None]:
        items = []
        for status in statuses:
            if since and _not_newer(status["id"], since):
                return items, None
            items.append(self._item(status, status["id"]))
        next_url = _next_link(response)
        if not statuses or next_url is None:
            return items, None
        if not same_origin(next_url, self.base_url):
            # Our bearer token goes with every request: never follow a link off the instance.
            raise MalformedResponse(f"mastodon: next page {next_url} is not on {self.base_url}", response)
        return items, {"next": next_url}

    def _item(self, status: dict, thread_id: str) -> Item:
        account = status["account"]
        parent_id = status["in_reply_to_id"]
        if status["id"] == thread_id:
            kind = ItemKind.POST
        elif parent_id == thread_id:
            kind = ItemKind.COMMENT
        else:
            kind = ItemKind.REPLY
        edited_at = status.get("edited_at")
        return Item(
            kind=kind,
            platform_id=status["id"],
            parent_id=parent_id,
            thread_id=thread_id,
            author=Author(
                name=account["display_name"] or account["username"],
                handle=account["acct"],
                platform_id=account["id"],
            ),
            text=status["content"],
            text_format="html",
            media=_media(status["media_attachments"]),
            permalink=status.get("url") or status["uri"],
            published_at=parse_time(status["created_at"]),
            edited_at=parse_time(edited_at) if edited_at else None,
            raw=status,
            is_own=account["id"] == self.platform_id,
        )

    def _account_id(self) -> str:
        if not self.platform_id:
            _, account = self.get_json("/api/v1/accounts/lookup", params={"acct": self.handle.lstrip("@")})
            self.platform_id = account["id"]
        return self.platform_id

    # --- HTTP --------------------------------------------------------------------------------------

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        token = self.credentials.get("access_token")
        if token:
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Bearer {token}"}
        return super().request(method, url, **kwargs)

    def _allowance_used_up_until(self, response: Response) -> datetime | None:
        """``X-RateLimit-Remaining`` counts the requests left in the window that ends at
        ``X-RateLimit-Reset`` (an ISO time)."""
        if response.header("X-RateLimit-Remaining") == "0":
            return _reset_time(response)
        return None

    def _error_detail(self, response: Response) -> str:
        try:
            return str(response.json()["error"])
        except (MalformedResponse, KeyError, TypeError):
            return super()._error_detail(response)

    def _retry_after(self, response: Response) -> float:
        reset = _reset_time(response)
        default = max((reset - datetime.now(UTC)).total_seconds(), 0.0) if reset else 300
        return retry_after_seconds(response, default=default)


def id_key(value: Any) -> tuple[int, str]:
    """Sorts Mastodon ids by age: numbers that grow with time (other servers' opaque ids by text)."""
    text = str(value)
    return (int(text), text) if text.isdigit() else (0, text)


def _oldest_first(notifications: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(notifications, key=lambda notification: id_key(notification["id"]))


def _media(attachments: list[dict]) -> tuple[Media, ...]:
    return tuple(
        Media(
            url=attachment["url"] or attachment["remote_url"],
            type=MEDIA_TYPES.get(attachment["type"], "other"),
            alt_text=attachment.get("description") or "",
        )
        for attachment in attachments
    )


def _version(edit: dict) -> ItemVersion:
    return ItemVersion(
        text=edit["content"],
        at=parse_time(edit["created_at"]),
        media=_media(edit.get("media_attachments") or []),
        raw=edit,
    )


def _not_newer(status_id: str, since: str) -> bool:
    """Whether ``status_id`` is the high-water mark or older. Mastodon ids are numbers that grow with
    time; other servers' ids are opaque, and for those only the mark itself stops the listing."""
    if status_id.isdigit() and since.isdigit():
        return int(status_id) <= int(since)
    return status_id == since


def _next_link(response: Response) -> str | None:
    links = parse_header_links(response.header("Link") or "")
    return next((link["url"] for link in links if link.get("rel") == "next"), None)


def _reset_time(response: Response) -> datetime | None:
    value = response.header("X-RateLimit-Reset")
    try:
        return parse_time(value) if value else None
    except ValueError:
        return None


def _html_text(content: str) -> str:
    """The words of a status's HTML content: line breaks and paragraphs as spaces, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", content))


def _words(text: str) -> str:
    return " ".join(text.split())


def _ready(response: Response, attachment: Any) -> bool:
    """Whether an uploaded attachment is processed: 200 with its ``url`` (202 or no url: not yet)."""
    return response.status == 200 and isinstance(attachment, dict) and bool(attachment.get("url"))


def _letters(text: str) -> str:
    """A text without any whitespace: Mastodon's HTML splits a link into spans and paragraphs,
    so only the characters themselves are compared."""
    return "".join(text.split())


def post_text(text: str, link: str = "") -> str:
    """The status as posted: the text, and the link on a line of its own unless the text has it."""
    text = text.strip()
    link = link.strip()
    if not link or link in text:
        return text
    return f"{text}\n\n{link}" if text else link
