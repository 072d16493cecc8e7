"""YouTube channels through the YouTube Data API v3.

``platform_id`` is the channel id (``UC...``); without it the channel is looked up by ``handle``.
Reading needs an API key (``credentials["key"]``, sent in the ``X-Goog-Api-Key`` header, never in
a URL). Replying and holding comments for review act as the channel and need an OAuth token
(``credentials["oauth_token"]``); without one they raise ``NotSupported``.

Posts are the videos of the channel's uploads playlist; comments and replies come from comment
threads, which inline at most a few replies each; the rest are read with ``comments.list``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .base import (
    Author,
    Connector,
    CredentialsInvalid,
    Item,
    ItemKind,
    MalformedResponse,
    Media,
    NotFound,
    NotSupported,
    Page,
    PermanentError,
    Profile,
    Published,
    RateLimited,
    Response,
    TransientError,
    Upload,
    chain_extra_pages,
    parse_time,
    retry_after_seconds,
)

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "authError"})
MISSING_REASONS = frozenset({"videoNotFound", "commentNotFound", "playlistNotFound", "channelNotFound"})
THUMBNAIL_SIZES = ("maxres", "standard", "high", "medium", "default")
VIDEO_ID_LENGTH = 11  # video ids are 11 characters; comment ids are longer
QUOTA_TIMEZONE = ZoneInfo("America/Los_Angeles")  # the daily quota resets at midnight Pacific time


class CommentsDisabled(PermanentError):
    """The video's owner switched comments off: there is nothing to harvest, not a failure."""


class YouTubeConnector(Connector):
    platform = "youtube"
    default_base_url = "https://www.googleapis.com/youtube/v3"
    secret_params = ("key",)
    credential_kinds = ("key", "oauth_token")
    setup_needs = (("platform_id", "handle"), ("key",))
    setup_optional = ("oauth_token",)
    can_reply = True  # with an OAuth token
    can_hide = True  # with an OAuth token
    page_size = 50  # the maximum for playlistItems; comment threads allow 100
    reply_limit = 10000  # a comment's textOriginal
    # The Data API uploads videos but has no call for the channel's community posts.
    publishes_posts = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._channel_answer: tuple[Response, dict[str, Any]] | None = None

    def fetch_posts(self, *, since: str | None = None, cursor: dict | None = None) -> Iterator[Page]:
        cursor = cursor or {}
        playlist_id = cursor.get("playlist_id") or self._uploads_playlist_id()
        page_token = cursor.get("page_token")
        while True:
            params = {
                "part": "snippet,contentDetails",
                "playlistId": playlist_id,
                "maxResults": self.page_size,
            }
            response, body = self._get("playlistItems", params, page_token)
            items, next_cursor = self.parsed(response, self._uploads_page, body, playlist_id, since)
            yield Page(response, items, next_cursor)
            if next_cursor is None:
                return
            page_token = next_cursor["page_token"]

    def fetch_comments(self, post_id: str, *, cursor: dict | None = None) -> Iterator[Page]:
        page_token = (cursor or {}).get("page_token")
        params = {"part": "snippet,replies", "videoId": post_id, "textFormat": "plainText", "maxResults": 100}
        while True:
            try:
                response, body = self._get("commentThreads", params, page_token)
            except CommentsDisabled as e:
                yield Page(e.response, [], None)
                return
            items, more, next_token = self.parsed(response, self._threads_page, body, post_id)
            page = Page(response, items, {"page_token": next_token} if next_token else None)
            extra = (p for parent_id in more for p in self._replies(parent_id, post_id))
            yield from chain_extra_pages(page, extra, here={"page_token": page_token} if page_token else {})
            if not next_token:
                return
            page_token = next_token

    def fetch_profile(self) -> Profile:
        response, channel = self._channel()
        # Channels may hide their subscriber count; the API then leaves it out.
        count = self.parsed(response, lambda: channel.get("statistics", {}).get("subscriberCount"))
        return Profile(int(count) if count is not None else None, raw=channel)

    def fetch_item(self, platform_id: str) -> Item:
        if len(platform_id) == VIDEO_ID_LENGTH:
            response, body = self._get("videos", {"part": "snippet", "id": platform_id})
            video = self._only(response, body, platform_id)
            snippet = video["snippet"]
            return self.parsed(response, self._video, platform_id, snippet, snippet["publishedAt"], video)
        response, body = self._get(
            "comments", {"part": "snippet", "id": platform_id, "textFormat": "plainText"}
        )
        comment = self._only(response, body, platform_id)
        return self.parsed(response, self._comment, comment, comment["snippet"].get("videoId", ""))

    def publish_post(
        self, text: str, *, media: Sequence[Upload] = (), link: str = "", key: str = ""
    ) -> Published:
        raise NotSupported(
            "youtube: the YouTube Data API has no way to publish community posts; publish it in "
            "YouTube Studio by hand"
        )

    def publish_reply(self, parent_id: str, text: str, *, thread_id: str = "") -> Published:
        # Threads are two levels deep: an answer to a reply goes to the thread's top comment, whose id
        # is the part of a reply's id before the dot.
        top = parent_id.split(".")[0]
        headers = self._oauth()
        # The API has no idempotency key: a task run again after its worker died between the API's
        # answer and our commit finds the reply it already posted in the thread.
        already = self._own_reply(top, text, thread_id)
        if already is not None:
            return already
        response = self.request(
            "POST",
            self.url("comments"),
            params={"part": "snippet"},
            headers=headers,
            json_body={"snippet": {"parentId": top, "textOriginal": text}},
        )
        body = response.json()
        video_id = self.parsed(response, lambda: body["snippet"].get("videoId") or thread_id)
        return Published(self.parsed(response, self._comment, body, video_id), response)

    def _own_reply(self, top: str, text: str, thread_id: str) -> Published | None:
        wanted = " ".join(text.split())
        params = {"part": "snippet", "parentId": top, "textFormat": "plainText", "maxResults": 100}
        page_token = None
        while True:
            response, body = self._get("comments", params, page_token)
            items, page_token = self.parsed(response, self._replies_page, body, thread_id)
            for item in items:
                if item.is_own and " ".join(item.text.split()) == wanted:
                    return Published(item, response)
            if not page_token:
                return None

    def hide_comment(self, platform_id: str) -> None:
        """Hold the comment for review: hidden from the public, and the channel can publish it again."""
        params = {"id": platform_id, "moderationStatus": "heldForReview"}
        self.request("POST", self.url("comments/setModerationStatus"), params=params, headers=self._oauth())

    # --- requests ----------------------------------------------------------------------------------

    def _get(
        self, resource: str, params: dict[str, Any], page_token: str | None = None
    ) -> tuple[Response, Any]:
        params = {**params, "pageToken": page_token} if page_token else dict(params)
        headers = {}
        if self.credentials.get("key"):
            # Google's APIs take the key as a header too, which keeps it out of every URL and log.
            headers = {"X-Goog-Api-Key": self.credentials["key"]}
        elif self.credentials.get("oauth_token"):
            headers = self._oauth()
        return self.get_json(resource, params=params, headers=headers)

    def _oauth(self) -> dict[str, str]:
        token = self.credentials.get("oauth_token")
        if not token:
            raise NotSupported("youtube: acting as the channel needs an OAuth token")
        return {"Authorization": f"Bearer {token}"}

    def _uploads_playlist_id(self) -> str:
        response, channel = self._channel()
        return self.parsed(response, lambda: channel["contentDetails"]["relatedPlaylists"]["uploads"])

    def _channel(self) -> tuple[Response, dict[str, Any]]:
        """The channel (statistics and uploads playlist in one answer), asked for once per connector,
        that is once per harvest run: the profile and the listing share it."""
        if self._channel_answer is None:
            self._channel_answer = self._fetch_channel()
        return self._channel_answer

    def _fetch_channel(self) -> tuple[Response, dict[str, Any]]:
        lookup = {"id": self.platform_id} if self.platform_id else {"forHandle": self.handle}
        response, body = self._get("channels", {"part": "contentDetails,statistics", **lookup})
        channel = self._only(response, body, self.platform_id or self.handle)
        self.platform_id = self.parsed(response, lambda: channel["id"])
        return response, channel

    def _only(self, response: Response, body: Any, wanted: str) -> dict[str, Any]:
        """The single resource a lookup by id returns: the API answers a missing one with no items."""
        items = self.parsed(response, lambda: body["items"])
        if not items:
            raise NotFound(f"youtube: {wanted} does not exist", response)
        return items[0]

    def _replies(self, parent_id: str, video_id: str) -> Iterator[Page]:
        params = {"part": "snippet", "parentId": parent_id, "textFormat": "plainText", "maxResults": 100}
        page_token = None
        while True:
            response, body = self._get("comments", params, page_token)
            items, page_token = self.parsed(response, self._replies_page, body, video_id)
            yield Page(response, items, None)
            if not page_token:
                return

    # --- parsing -----------------------------------------------------------------------------------

    def _uploads_page(
        self, body: dict[str, Any], playlist_id: str, since: str | None
    ) -> tuple[list[Item], dict | None]:
        items = []
        for entry in body["items"]:
            details = entry["contentDetails"]
            if details["videoId"] == since:
                return items, None
            if "videoPublishedAt" not in details:
                continue  # a private or deleted video: the playlist keeps a placeholder without content
            items.append(
                self._video(details["videoId"], entry["snippet"], details["videoPublishedAt"], entry)
            )
        next_token = body.get("nextPageToken")
        return items, {"playlist_id": playlist_id, "page_token": next_token} if next_token else None

    def _replies_page(self, body: dict[str, Any], video_id: str) -> tuple[list[Item], str | None]:
        return [self._comment(c, video_id) for c in body["items"]], body.get("nextPageToken")

    def _threads_page(self, body: dict[str, Any], video_id: str) -> tuple[list[Item], list[str], str | None]:
        """Items of a page of comment threads, the threads whose replies were not all inlined, and
        the next page's token."""
        items, more = [], []
        for thread in body["items"]:
            top = thread["snippet"]["topLevelComment"]
            inlined = thread.get("replies", {}).get("comments", [])
            items.append(self._comment(top, video_id))
            items.extend(self._comment(reply, video_id) for reply in inlined)
            if thread["snippet"].get("totalReplyCount", 0) > len(inlined):
                more.append(top["id"])
        return items, more, body.get("nextPageToken")

    def _video(self, video_id: str, snippet: dict[str, Any], published: str, raw: dict[str, Any]) -> Item:
        thumbnails = snippet.get("thumbnails", {})
        best = next((thumbnails[size] for size in THUMBNAIL_SIZES if size in thumbnails), None)
        return Item(
            kind=ItemKind.POST,
            platform_id=video_id,
            parent_id=None,
            thread_id=video_id,
            author=Author(
                name=snippet.get("channelTitle", ""), handle=self.handle, platform_id=snippet["channelId"]
            ),
            text=f"{snippet['title']}\n\n{snippet.get('description', '')}".strip(),
            text_format="plain",
            media=(Media(best["url"], "image", snippet["title"]),) if best else (),
            permalink=f"https://www.youtube.com/watch?v={video_id}",
            published_at=parse_time(published),
            edited_at=None,
            raw=raw,
            is_own=True,
        )

    def _comment(self, comment: dict[str, Any], video_id: str) -> Item:
        snippet = comment["snippet"]
        parent_id = snippet.get("parentId")
        channel_id = snippet.get("authorChannelId", {}).get("value", "")
        name = snippet["authorDisplayName"]
        updated = snippet.get("updatedAt")
        return Item(
            kind=ItemKind.REPLY if parent_id else ItemKind.COMMENT,
            platform_id=comment["id"],
            parent_id=parent_id or video_id,
            thread_id=video_id,
            author=Author(name=name, handle=name if name.startswith("@") else "", platform_id=channel_id),
            # The text as written where the API gives it; else the display text (asked for as plain text).
            text=snippet.get("textOriginal", snippet["textDisplay"]),
            text_format="plain",
            media=(),
            permalink=f"https://www.youtube.com/watch?v={video_id}&lc={comment['id']}",
            published_at=parse_time(snippet["publishedAt"]),
            edited_at=parse_time(updated) if updated and updated != snippet["publishedAt"] else None,
            raw=comment,
            is_own=bool(channel_id) and channel_id == self.platform_id,
        )

    def _check(self, response: Response) -> None:
        """Google errors name their cause in ``errors[].reason`` (and, in newer responses, in
        ``details[].reason``); the HTTP status alone does not tell quota from permission."""
        if response.status < 400:
            return
        try:
            error = response.json()["error"]
            reasons = {e.get("reason") for e in error.get("errors", [])} | {
                d.get("reason") for d in error.get("details", [])
            }
            message = str(error.get("message", ""))
        except (MalformedResponse, KeyError, TypeError, AttributeError):
            super()._check(response)
            return
        text = f"youtube: {response.method} {response.url}: HTTP {response.status}: {message}"
        if reasons & QUOTA_REASONS:
            raise RateLimited(text, seconds_until_quota_reset(), response)
        if reasons & THROTTLE_REASONS or response.status == 429:
            raise RateLimited(text, retry_after_seconds(response, default=60), response)
        if reasons & KEY_REASONS or response.status == 401:
            raise CredentialsInvalid(text, response)
        if "commentsDisabled" in reasons:
            raise CommentsDisabled(text, response)
        if reasons & MISSING_REASONS or response.status == 404:
            raise NotFound(text, response)
        if response.status >= 500:
            raise TransientError(text, response)
        raise PermanentError(text, response)


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    now = (now or datetime.now(QUOTA_TIMEZONE)).astimezone(QUOTA_TIMEZONE)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=QUOTA_TIMEZONE)
    return (midnight - now).total_seconds()
