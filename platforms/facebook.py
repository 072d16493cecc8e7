"""Facebook Pages through the Graph API, with a Page access token (``credentials["access_token"]``).

``platform_id`` is the Page id. Post ids have the form ``{page-id}_{post-id}`` and comment ids
``{post-id}_{comment-id}``, which is how ``fetch_item`` tells them apart without an extra request.
``edited_at`` stays empty: a post's ``updated_time`` also moves when someone comments, so it cannot
say whether the text changed; the archive compares texts instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .base import Author, Item, ItemKind, Media, MediaType, Page, Profile, parse_time
from .graph import GraphConnector

POST_FIELDS = (
    "id,message,created_time,updated_time,permalink_url,from,attachments{media_type,media,url,description}"
)
COMMENT_FIELDS = "id,message,created_time,from,parent{id},attachment,permalink_url,is_hidden"
MEDIA_TYPES: dict[str, MediaType] = {"photo": "image", "video": "video", "link": "link", "share": "link"}


class FacebookConnector(GraphConnector):
    platform = "facebook"
    reply_limit = 8000  # a comment on a Page post

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
        post_id = f"{self.platform_id}_{platform_id.split('_')[0]}"
        return self.parsed(response, self._comment, comment, post_id)

    def publish_reply(self, parent_id: str, text: str) -> str:
        return str(self.post_node(f"{parent_id}/comments", message=text)["id"])

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
