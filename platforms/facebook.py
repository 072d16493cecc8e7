"""Facebook Pages through the Graph API, with a Page access token (``credentials["access_token"]``).

``platform_id`` is the Page id. Post ids have the form ``{page-id}_{post-id}`` and comment ids
``{post-id}_{comment-id}``, which is how ``fetch_item`` tells them apart without an extra request.
``edited_at`` stays empty: a post's ``updated_time`` also moves when someone comments, so it cannot
say whether the text changed; the archive compares texts instead.

Publishing a post (``pages_manage_posts``) uploads each photo unpublished
(``POST /{page-id}/photos?published=false``) and attaches them all to one post of the Page's feed
(``POST /{page-id}/feed`` with ``attached_media``); a post without photos carries ``link`` as its
link preview.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
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
    MediaType,
    Page,
    Profile,
    Published,
    Upload,
    parse_time,
)
from .graph import GraphConnector

POST_FIELDS = (
    "id,message,created_time,updated_time,permalink_url,from,attachments{media_type,media,url,description}"
)
COMMENT_FIELDS = "id,message,created_time,from,parent{id},attachment,permalink_url,is_hidden"
MEDIA_TYPES: dict[str, MediaType] = {"photo": "image", "video": "video", "link": "link", "share": "link"}
# The verbs of the Page ``feed`` webhook field for comments, in the order they can happen within one
# second; "remove" is the only one that does not leave the comment readable.
FEED_VERBS = {"add": 0, "edited": 1, "hide": 2, "unhide": 2, "remove": 3}
OWN_POSTS_CHECKED = 25  # the Page's newest posts looked through for one already published


class FacebookConnector(GraphConnector):
    platform = "facebook"
    webhook_object = "page"
    reply_limit = 8000  # a comment on a Page post
    publishes_posts = True
    post_limit = 63206  # Facebook's documented maximum for a post's text
    post_media_limit = 10

    def fetch_posts(self, *, since: str | None = None, cursor: dict | None = None) -> Iterator[Page]:
        def parse(data: list[dict[str, Any]]) -> tuple[list[Item], bool]:
            items = []
            for post in data:
                if post["id"] == since:
                    return items, True
                items.append(self._post(post))
            return items, False

        yield from self.list_pages(f"{self.platform_id}/posts", {"fields": POST_FIELDS}, cursor, parse)

    def fetch_comments(self, post_id: str, *, cursor: dict | None = None) -> Iterator[Page]:
        """``filter=stream`` lists replies alongside comments, each with its ``parent``, so one
        chronological walk sees the whole conversation."""
        params = {"filter": "stream", "order": "chronological", "fields": COMMENT_FIELDS}

        def parse(data: list[dict[str, Any]]) -> tuple[list[Item], bool]:
            return [self._comment(comment, post_id) for comment in data], False

        yield from self.list_pages(f"{post_id}/comments", params, cursor, parse)

    def fetch_profile(self) -> Profile:
        response, page = self.get_node(self.platform_id, fields="followers_count,fan_count")
        return self.parsed(response, lambda: Profile(_followers(page), raw=page))

    def fetch_item(self, platform_id: str) -> Item:
        if platform_id.startswith(f"{self.platform_id}_"):
            response, post = self.get_node(platform_id, fields=POST_FIELDS)
            return self.parsed(response, self._post, post)
        response, comment = self.get_node(platform_id, fields=COMMENT_FIELDS)
        return self.parsed(response, self._comment, comment, self._post_of(platform_id))

    def webhook_events(self, entry: dict[str, Any]) -> list[ChangeEvent]:
        """Comment changes of the Page's ``feed`` field. A new comment's delivery carries all the
        archive needs (text, author, time); an edit's ``created_time`` is not the comment's own, and
        a hidden or photo comment's text may be missing, so those are read again by id."""
        sent_at = datetime.fromtimestamp(int(entry["time"]), UTC)
        events = []
        for change in entry.get("changes", []):
            value = change.get("value") or {}
            verb = value.get("verb")
            if change.get("field") != "feed" or value.get("item") != "comment" or verb not in FEED_VERBS:
                continue
            comment_id = str(value["comment_id"])
            if verb == "remove":
                events.append(ChangeEvent(ChangeAction.DELETE, comment_id, sent_at, order=3))
                continue
            item = self._webhook_comment(value, comment_id)
            complete = verb == "add" and "message" in value and "photo" not in value and "video" not in value
            events.append(
                ChangeEvent(ChangeAction.UPSERT, comment_id, sent_at, item, complete, FEED_VERBS[verb])
            )
        return events

    def _webhook_comment(self, value: dict[str, Any], comment_id: str) -> Item:
        post_id = str(value["post_id"])
        parent_id = str(value.get("parent_id") or post_id)
        author = _author(value.get("from"))
        return Item(
            kind=ItemKind.COMMENT if parent_id == post_id else ItemKind.REPLY,
            platform_id=comment_id,
            parent_id=parent_id,
            thread_id=post_id,
            author=author,
            text=value.get("message", ""),
            text_format="plain",
            media=(),
            permalink=None,
            published_at=datetime.fromtimestamp(int(value["created_time"]), UTC),
            edited_at=None,
            raw=value,
            is_own=author is not None and author.platform_id == self.platform_id,
        )

    def publish_reply(self, parent_id: str, text: str, *, thread_id: str = "") -> Published:
        # Graph has no idempotency key: a task run again after its worker died between Graph's answer
        # and our commit finds the reply it already posted among the newest under the comment.
        already = self._own_reply(parent_id, text)
        if already is not None:
            return already
        response = self.request("POST", self.url(f"{parent_id}/comments"), data={"message": text})
        body = response.json()
        new_id = self.parsed(response, lambda: str(body["id"]))
        # Graph answers with the id only: the rest (time, address) comes from the new comment itself.
        try:
            node_response, comment = self.get_node(new_id, fields=COMMENT_FIELDS)
            return Published(
                self.parsed(node_response, self._comment, comment, self._post_of(new_id)), node_response
            )
        except ConnectorError:
            return self.accepted_reply(response, new_id, parent_id, thread_id or self._post_of(new_id), text)

    def publish_post(
        self, text: str, *, media: Sequence[Upload] = (), link: str = "", key: str = ""
    ) -> Published:
        """Graph has no idempotency key: the Page's newest posts are looked through first for one
        with the same text, which a task run again after its worker died has already published."""
        if media and link and link not in text:
            text = f"{text}\n\n{link}"  # a post with photos has no link preview: the link goes in the text
        already = self._own_post(text)
        if already is not None:
            return already
        data = {"message": text}
        if media:
            for number, upload in enumerate(media):
                data[f"attached_media[{number}]"] = json.dumps(
                    {"media_fbid": self._unpublished_photo(upload)}
                )
        elif link:
            data["link"] = link
        response = self.request("POST", self.url(f"{self.platform_id}/feed"), data=data)
        new_id = self.new_id(response)
        # Graph answers with the id only: the rest (time, address, photos) comes from the post itself.
        try:
            node_response, post = self.get_node(new_id, fields=POST_FIELDS)
            return Published(self.parsed(node_response, self._post, post), node_response)
        except ConnectorError:
            return self.accepted_post(response, new_id, text)

    def _unpublished_photo(self, upload: Upload) -> str:
        """A photo uploaded to the Page without a post of its own, to be attached to one."""
        response = self.post_file(
            f"{self.platform_id}/photos",
            "source",
            upload,
            published="false",
            alt_text_custom=upload.alt_text,
        )
        return self.new_id(response)

    def _own_post(self, text: str) -> Published | None:
        params = {"fields": POST_FIELDS, "limit": OWN_POSTS_CHECKED}
        response, body = self.get_json(f"{self.platform_id}/posts", params=params)
        wanted = " ".join(text.split())
        for post in self.parsed(response, lambda: body["data"]):
            if " ".join(post.get("message", "").split()) == wanted:
                return Published(self.parsed(response, self._post, post), response)
        return None

    def _own_reply(self, parent_id: str, text: str) -> Published | None:
        params = {"order": "reverse_chronological", "fields": COMMENT_FIELDS, "limit": self.page_size}
        response, body = self.get_json(f"{parent_id}/comments", params=params)
        wanted = " ".join(text.split())
        for comment in self.parsed(response, lambda: body["data"]):
            person = comment.get("from") or {}
            if (
                person.get("id") == self.platform_id
                and " ".join(comment.get("message", "").split()) == wanted
            ):
                return Published(
                    self.parsed(response, self._comment, comment, self._post_of(comment["id"])), response
                )
        return None

    def _post_of(self, comment_id: str) -> str:
        """A comment id is ``{post-id}_{comment-id}`` without the Page's part of the post id."""
        return f"{self.platform_id}_{comment_id.split('_')[0]}"

    def hide_comment(self, platform_id: str) -> None:
        self.post_node(platform_id, is_hidden="true")

    def _post(self, post: dict[str, Any]) -> Item:
        return Item(
            kind=ItemKind.POST,
            platform_id=post["id"],
            parent_id=None,
            thread_id=post["id"],
            # The Page's own posts: Graph may leave ``from`` out, but the Page wrote them.
            author=_author(post.get("from"))
            or Author(name=self.handle, handle=self.handle, platform_id=self.platform_id),
            text=post.get("message", ""),
            text_format="plain",
            media=tuple(m for a in post.get("attachments", {}).get("data", []) if (m := _media(a))),
            permalink=post.get("permalink_url"),
            published_at=parse_time(post["created_time"]),
            edited_at=None,
            raw=post,
            is_own=True,
        )

    def _comment(self, comment: dict[str, Any], post_id: str) -> Item:
        parent = comment.get("parent")
        author = _author(comment.get("from"))
        return Item(
            kind=ItemKind.REPLY if parent else ItemKind.COMMENT,
            platform_id=comment["id"],
            parent_id=parent["id"] if parent else post_id,
            thread_id=post_id,
            author=author,
            text=comment.get("message", ""),
            text_format="plain",
            media=tuple(m for m in [_media(comment["attachment"])] if m) if comment.get("attachment") else (),
            permalink=comment.get("permalink_url"),
            published_at=parse_time(comment["created_time"]),
            edited_at=None,
            raw=comment,
            is_own=author is not None and author.platform_id == self.platform_id,
        )


def _author(person: dict[str, Any] | None) -> Author | None:
    """Graph leaves ``from`` out for people who have not allowed the Page's app to see them."""
    return Author(name=person.get("name", ""), handle="", platform_id=person["id"]) if person else None


def _media(attachment: dict[str, Any]) -> Media | None:
    """A photo or video, or a link card's picture; never the linked page itself (a link without a
    picture has no media: the link is in the post's text and raw JSON)."""
    media = attachment.get("media", {})
    kind = MEDIA_TYPES.get(attachment.get("media_type") or attachment.get("type", ""), "other")
    picture = media.get("source") or media.get("image", {}).get("src")
    if kind == "link":
        url = media.get("image", {}).get("src")
        return Media(url=url, type="link", alt_text=attachment.get("description", "")) if url else None
    url = picture or attachment.get("url")
    return Media(url=url, type=kind, alt_text=attachment.get("description", "")) if url else None


def _followers(page: dict[str, Any]) -> int | None:
    # Pages in the New Pages Experience report followers; classic Pages only report likes (fans).
    count = page.get("followers_count", page.get("fan_count"))
    return int(count) if count is not None else None
