"""Instagram professional accounts through the Instagram Graph API on graph.facebook.com.

``platform_id`` is the Instagram user id, ``credentials["access_token"]`` a Page token of the Page
the account is connected to. Instagram threads are two levels deep: comments on a post, and
replies on a comment. A listing of comments may inline the first replies of each; the rest, and all
of them where the listing shows only a count or nothing, are read from the comment's own
``replies`` edge (``GET /{ig-comment-id}/replies``), page by page.

Publishing a post (``instagram_content_publish``) makes a media container of each photo, which
Instagram fetches itself from the photo's public address (``POST /{ig-user-id}/media`` with
``image_url``, and a ``CAROUSEL`` container of them for several), waits until the container is
``FINISHED`` (``GET /{container-id}?fields=status_code``) and publishes it
(``POST /{ig-user-id}/media_publish``). Instagram has no posts of text alone.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from .base import (
    Author,
    ChangeAction,
    ChangeEvent,
    ConnectorError,
    Item,
    ItemKind,
    Media,
    NotSupported,
    Page,
    PermanentError,
    Profile,
    Published,
    TransientError,
    Upload,
    chain_extra_pages,
    parse_time,
)
from .graph import GraphConnector, WrongNodeType

CHILD_FIELDS = "id,media_type,media_url,thumbnail_url"
MEDIA_FIELDS = (
    f"id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,username,children{{{CHILD_FIELDS}}}"
)
REPLY_FIELDS = "id,text,timestamp,username,from"
COMMENT_FIELDS = f"id,text,timestamp,username,from,like_count,replies{{{REPLY_FIELDS}}}"
NODE_COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id,media{id}"
OWN_POSTS_CHECKED = 25  # the account's newest posts looked through for one already published


class InstagramConnector(GraphConnector):
    platform = "instagram"
    webhook_object = "instagram"
    # Instagram announces new comments but never their deletion.
    webhook_reports_deletions = False
    reply_limit = 2200  # a comment, like a caption
    publishes_posts = True
    post_limit = 2200  # a caption
    post_media_limit = 10  # a carousel
    # How often, and how far apart, a new container is asked whether Instagram has fetched its photos.
    container_checks = 5
    container_wait_seconds = 2.0

    def fetch_posts(self, *, since: str | None = None, cursor: dict | None = None) -> Iterator[Page]:
        def parse(data: list[dict[str, Any]]) -> tuple[list[Item], bool]:
            items = []
            for media in data:
                if media["id"] == since:
                    return items, True
                items.append(self._post(media))
            return items, False

        yield from self.list_pages(f"{self.platform_id}/media", {"fields": MEDIA_FIELDS}, cursor, parse)

    def fetch_comments(self, post_id: str, *, cursor: dict | None = None) -> Iterator[Page]:
        more_replies: list[dict[str, Any]] = []  # comments of the current page with replies left out

        def parse(data: list[dict[str, Any]]) -> tuple[list[Item], bool]:
            items = []
            more_replies.clear()
            for comment in data:
                items.append(self._comment(comment, post_id, post_id))
                replies = comment.get("replies") or {}
                items.extend(
                    self._comment(reply, comment["id"], post_id) for reply in replies.get("data", [])
                )
                if _replies_left_out(replies):
                    more_replies.append(comment)
            return items, False

        params = {"fields": COMMENT_FIELDS}
        for page in self.list_pages(f"{post_id}/comments", params, cursor, parse):
            extra = (p for c in list(more_replies) for p in self._more_replies(c, post_id))
            yield from chain_extra_pages(page, extra, here=cursor or {})
            cursor = page.cursor

    def fetch_profile(self) -> Profile:
        response, user = self.get_node(self.platform_id, fields="followers_count,username")
        # Graph leaves out fields it will not return (a personal account, missing permission).
        count = self.parsed(response, lambda: user.get("followers_count"))
        return Profile(int(count) if count is not None else None, raw=user)

    def fetch_item(self, platform_id: str) -> Item:
        """Ids do not say whether they name a post or a comment, so ask for a post first; the API
        answers a comment id with an error naming the field a comment lacks."""
        try:
            response, media = self.get_node(platform_id, fields=MEDIA_FIELDS)
            return self.parsed(response, self._post, media)
        except WrongNodeType:
            response, comment = self.get_node(platform_id, fields=NODE_COMMENT_FIELDS)
        post_id = self.parsed(response, lambda: comment["media"]["id"])
        return self.parsed(response, self._comment, comment, comment.get("parent_id") or post_id, post_id)

    def webhook_events(self, entry: dict[str, Any]) -> list[ChangeEvent]:
        """New comments and replies of the ``comments`` field. The delivery has no time of the
        comment, so the item is read by id; the delivery's own time stands in only when the comment
        is already gone."""
        sent_at = datetime.fromtimestamp(int(entry["time"]), UTC)
        events = []
        for change in entry.get("changes", []):
            value = change.get("value") or {}
            if change.get("field") != "comments" or "id" not in value:
                continue
            post_id = str((value.get("media") or {}).get("id") or "")
            parent_id = str(value.get("parent_id") or post_id)
            # The delivery's value is kept as it came; only the parsing is lent the delivery's time.
            comment = {**value, "timestamp": sent_at.isoformat()}
            item = replace(self._comment(comment, parent_id, post_id), raw=value) if post_id else None
            events.append(ChangeEvent(ChangeAction.UPSERT, str(value["id"]), sent_at, item, complete=False))
        return events

    def publish_reply(self, parent_id: str, text: str, *, thread_id: str = "") -> Published:
        # Graph has no idempotency key: a task run again after its worker died between Graph's answer
        # and our commit finds the reply it already posted under the comment.
        already = self._own_reply(parent_id, text, thread_id)
        if already is not None:
            return already
        response = self.request("POST", self.url(f"{parent_id}/replies"), data={"message": text})
        body = response.json()
        new_id = self.parsed(response, lambda: str(body["id"]))
        # Graph answers with the id only: the rest (time, author) comes from the new comment itself.
        try:
            node_response, reply = self.get_node(new_id, fields=NODE_COMMENT_FIELDS)
            post_id = self.parsed(node_response, lambda: reply["media"]["id"])
            item = self.parsed(
                node_response, self._comment, reply, reply.get("parent_id") or parent_id, post_id
            )
            return Published(item, node_response)
        except ConnectorError:
            return self.accepted_reply(response, new_id, parent_id, thread_id, text)

    def publish_post(
        self, text: str, *, media: Sequence[Upload] = (), link: str = "", key: str = ""
    ) -> Published:
        """Graph has no idempotency key: the account's newest posts are looked through first for one
        with the same caption, which a task run again after its worker died has already published."""
        if not media:
            raise NotSupported(
                "instagram: a post needs at least one photo; Instagram has no posts of text alone"
            )
        if any(not upload.content_type.startswith("image/") for upload in media):
            raise NotSupported("instagram: only photos are published through the API; publish films by hand")
        if without := [upload.filename for upload in media if not upload.public_url]:
            raise NotSupported(
                "instagram: Instagram fetches each photo from a public address, and "
                f"{', '.join(without)} has none"
            )
        if link and link not in text:
            text = f"{text}\n\n{link}"  # a caption is the only place for a link
        already = self._own_post(text)
        if already is not None:
            return already
        if len(media) == 1:
            container = self._container(
                image_url=media[0].public_url, alt_text=media[0].alt_text, caption=text
            )
        else:
            children = [
                self._container(
                    image_url=upload.public_url, alt_text=upload.alt_text, is_carousel_item="true"
                )
                for upload in media
            ]
            container = self._container(media_type="CAROUSEL", children=",".join(children), caption=text)
        self._wait_until_finished(container)
        response = self.request(
            "POST", self.url(f"{self.platform_id}/media_publish"), data={"creation_id": container}
        )
        new_id = self.new_id(response)
        # Graph answers with the id only: the rest (time, address, photos) comes from the post itself.
        try:
            node_response, post = self.get_node(new_id, fields=MEDIA_FIELDS)
            return Published(self.parsed(node_response, self._post, post), node_response)
        except ConnectorError:
            return self.accepted_post(response, new_id, text)

    def _container(self, **fields: str) -> str:
        response = self.request("POST", self.url(f"{self.platform_id}/media"), data=fields)
        return self.new_id(response)

    def _wait_until_finished(self, container: str) -> None:
        """Instagram fetches the photos after answering; a container is published once it is ready."""
        for check in range(self.container_checks):
            if check:
                time.sleep(self.container_wait_seconds)
            response, body = self.get_node(container, fields="status_code,status")
            status, detail = self.parsed(
                response, lambda b: (str(b["status_code"]), str(b.get("status", ""))), body
            )
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status in ("ERROR", "EXPIRED"):
                reason = f"{status}: {detail}" if detail else status
                raise PermanentError(
                    f"instagram: the photos could not be prepared for publishing ({reason})", response
                )
        raise TransientError(
            f"instagram: the photos are still being prepared ({status}); try again later", response
        )

    def _own_post(self, text: str) -> Published | None:
        params = {"fields": MEDIA_FIELDS, "limit": OWN_POSTS_CHECKED}
        response, body = self.get_json(f"{self.platform_id}/media", params=params)
        wanted = " ".join(text.split())
        for media in self.parsed(response, lambda: body["data"]):
            if " ".join(media.get("caption", "").split()) == wanted:
                return Published(self.parsed(response, self._post, media), response)
        return None

    def _own_reply(self, parent_id: str, text: str, thread_id: str) -> Published | None:
        """Replies to one comment are few: all of them are read."""
        wanted = " ".join(text.split())
        found: list[Published] = []

        def parse(data: list[dict[str, Any]]) -> tuple[list[Item], bool]:
            items = [self._comment(reply, parent_id, thread_id or parent_id) for reply in data]
            return items, False

        for page in self.list_pages(f"{parent_id}/replies", {"fields": REPLY_FIELDS}, None, parse):
            found += [
                Published(item, page.response)
                for item in page.items
                if item.is_own and " ".join(item.text.split()) == wanted
            ]
        return found[0] if found else None

    def hide_comment(self, platform_id: str) -> None:
        self.post_node(platform_id, hide="true")

    def _more_replies(self, comment: dict[str, Any], post_id: str) -> Iterator[Page]:
        def parse(data: list[dict[str, Any]]) -> tuple[list[Item], bool]:
            return [self._comment(reply, comment["id"], post_id) for reply in data], False

        # Start over on the replies edge rather than after the inlined ones: upserts make the
        # overlap harmless, and the edge's own paging is then all we follow.
        return self.list_pages(f"{comment['id']}/replies", {"fields": REPLY_FIELDS}, None, parse)

    def _post(self, media: dict[str, Any]) -> Item:
        children = media.get("children", {}).get("data", [])
        return Item(
            kind=ItemKind.POST,
            platform_id=media["id"],
            parent_id=None,
            thread_id=media["id"],
            author=Author(
                name=media.get("username", self.handle),
                handle=media.get("username", self.handle),
                platform_id=self.platform_id,
            ),
            text=media.get("caption", ""),
            text_format="plain",
            media=tuple(m for m in map(_media, children or [media]) if m),
            permalink=media.get("permalink"),
            published_at=parse_time(media["timestamp"]),
            edited_at=None,
            raw=media,
            is_own=True,
        )

    def _comment(self, comment: dict[str, Any], parent_id: str, post_id: str) -> Item:
        person = comment.get("from") or {}
        username = person.get("username") or comment.get("username", "")
        return Item(
            kind=ItemKind.COMMENT if parent_id == post_id else ItemKind.REPLY,
            platform_id=comment["id"],
            parent_id=parent_id,
            thread_id=post_id,
            author=Author(name=username, handle=username, platform_id=person.get("id", "")),
            text=comment.get("text", ""),
            text_format="plain",
            media=(),
            permalink=None,  # Instagram has no address for a single comment
            published_at=parse_time(comment["timestamp"]),
            edited_at=None,
            raw=comment,
            is_own=person.get("id") == self.platform_id or (bool(self.handle) and username == self.handle),
        )


def _replies_left_out(replies: dict[str, Any]) -> bool:
    """Whether a comment's inlined ``replies`` may not be all of them: a next page, a summary counting
    more than were inlined, or no inlined list at all. Graph leaves out an edge it has nothing in and
    an edge it did not fill alike, so a comment without one is asked about rather than taken to
    have no replies."""
    inlined = replies.get("data")
    if inlined is None or replies.get("paging", {}).get("next"):
        return True
    total = (replies.get("summary") or {}).get("total_count")
    return isinstance(total, int) and total > len(inlined)


def _media(media: dict[str, Any]) -> Media | None:
    """A post's picture or film. ``media_url`` is left out of videos flagged for copyright, and then
    the thumbnail is all there is to keep."""
    if media.get("media_type") == "VIDEO":
        url = media.get("media_url") or media.get("thumbnail_url")
        return Media(url=url, type="video" if media.get("media_url") else "image") if url else None
    return Media(url=media["media_url"], type="image") if media.get("media_url") else None
