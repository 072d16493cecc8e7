"""RSS 2.0 and Atom feeds, e.g. the news of a municipality's website or blog.

``base_url`` is the feed's own URL. Its entries are the account's posts. Comments come from a
comments feed, as WordPress and most blog software publish them: the post's own feed
(``wfw:commentRss`` in RSS, ``<link rel="replies">`` in Atom) or else the site-wide comments feed,
which WordPress serves at ``<site>/comments/feed/`` (the site being the feed's ``<link>``), filtered to
the post by ``thr:in-reply-to`` or by the comment's link. A feed has no account ids: a comment is the
account's own when it is signed with one of the names given as ``own_authors``. A comments feed that is gone (404) raises
``CommentsUnavailable``: the post is there, its comments could not be read.

A WordPress blog can also be published to, through its REST API (``/wp-json/wp/v2/``, the site
being the feed's ``<link>``) with a user's application password (``credentials["wp_username"]`` and
``credentials["wp_application_password"]``, made under Users → Profile → Application Passwords):
each photo goes to the media library with its description (``POST /wp/v2/media``), then the post
(``POST /wp/v2/posts``). Without them a blog post is published by hand.

A feed is one page and cannot be paged back in time. The cursor therefore carries the feed's
validators (``etag``, ``modified``) rather than a position: passed back, it turns the request into a
conditional one, and an unchanged feed (HTTP 304) yields no page at all.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from urllib3 import encode_multipart_formdata

from .base import (
    Author,
    CommentsUnavailable,
    Connector,
    Item,
    ItemKind,
    MalformedResponse,
    Media,
    MediaType,
    NotFound,
    NotSupported,
    Page,
    Profile,
    Published,
    Response,
    Upload,
    author_key,
    parse_time,
    same_origin,
)

HTML_TYPES = ("text/html", "application/xhtml+xml")
# feedparser flags these but parses the feed completely: they are not broken XML.
HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
ENCLOSURE_TYPES: dict[str, MediaType] = {"image": "image", "video": "video", "audio": "audio"}
OWN_POSTS_CHECKED = 20  # the blog's newest posts looked through for one already published


class RSSConnector(Connector):
    platform = "rss"
    default_base_url = ""
    complete_listings = False  # a feed holds only its latest entries
    setup_needs = (("base_url",),)
    credential_kinds = ("wp_username", "wp_application_password")
    setup_optional = ("wp_username", "wp_application_password")
    publishes_posts = True  # a WordPress blog, with an application password
    post_media_limit = 10

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed_url = kwargs.get("base_url") or ""  # exactly as given: a feed URL's slash matters
        self._feed_now: Response | None = None  # the feed as ``fetch_item`` read it (see there)
        # Feeds read in full by this connector, that is in this harvest run, by address: the posts'
        # comment lookups and a site-wide comment feed shared by many posts ask for each one once.
        self._answers: dict[str, Response] = {}

    def fetch_posts(self, *, since: str | None = None, cursor: dict | None = None) -> Iterator[Page]:
        response = self._get(self.feed_url, cursor)
        if response.status == 304:
            return
        entries = self._entries(response)

        def parse() -> list[Item]:
            items = []
            for entry in entries:
                if _entry_id(entry) == since:
                    break
                items.append(self._item(entry, response, ItemKind.POST, None, _entry_id(entry), True))
            return items

        yield Page(response, self.parsed(response, parse), _validators(response))

    def fetch_comments(self, post_id: str, *, cursor: dict | None = None) -> Iterator[Page]:
        post, site = self._post_entry(post_id)
        own_feed = post.get("wfw_commentrss") or next(
            (link["href"] for link in post.get("links", []) if link.get("rel") == "replies"), None
        )
        comments_url = own_feed or urljoin(site, "comments/feed/")
        try:
            response = self._get(comments_url, cursor)
        except NotFound as exc:
            raise CommentsUnavailable(
                f"rss: the comments feed {comments_url} is not found (HTTP 404)", exc.response
            ) from exc
        if response.status == 304:
            return
        entries = self._entries(response)
        post_link = post.get("link", "")

        def parse() -> list[Item]:
            items = []
            for entry in entries:
                target = entry.get("thr_in-reply-to", {})
                ref, target_url = target.get("ref"), target.get("href")
                on_thread = (
                    ref == post_id or _page(target_url) == post_link or _page(entry.get("link")) == post_link
                )
                if not (own_feed or on_thread):
                    continue  # a comment on another post, in the site-wide feed
                # thr:in-reply-to names the post (by id or address) or, for a reply, another comment.
                parent_id = post_id if not ref or ref == post_id or target_url == post_link else ref
                kind = ItemKind.COMMENT if parent_id == post_id else ItemKind.REPLY
                items.append(self._item(entry, response, kind, parent_id, post_id, self._by_account(entry)))
            return items

        yield Page(response, self.parsed(response, parse), _validators(response))

    def fetch_profile(self) -> Profile:
        return Profile(followers_count=None, raw={})  # feeds have readers, but nobody counts them

    def check_connection(self) -> None:
        """A feed has no profile to read: read the feed itself, which also proves it is one."""
        for _page in self.fetch_posts():
            break

    def fetch_item(self, platform_id: str) -> Item:
        """A post as the feed shows it now. Feeds only hold their latest entries, so an older post
        that has scrolled out of the feed is reported as not found too. A feed has no call for one
        entry, so the feed is read once for all the items one connector (one run) asks for."""
        if self._feed_now is None:
            self._feed_now = self._get(self.feed_url, None)
        response = self._feed_now
        for entry in self._entries(response):
            if _entry_id(entry) == platform_id:
                return self.parsed(
                    response, self._item, entry, response, ItemKind.POST, None, platform_id, True
                )
        raise NotFound(f"rss: {platform_id} is not in {self.feed_url}", response)

    def search_public(self, query: str) -> Page:
        """Every entry of the feed (a news site or blog someone else writes): a feed cannot be
        searched, so the caller picks the entries that mention what it looks for."""
        response = self._get(self.feed_url, None)
        entries = self._entries(response)

        def parse() -> list[Item]:
            return [
                self._item(entry, response, ItemKind.POST, None, _entry_id(entry), False) for entry in entries
            ]

        return Page(response, self.parsed(response, parse), None)

    def publish_post(
        self, text: str, *, media: Sequence[Upload] = (), link: str = "", key: str = ""
    ) -> Published:
        """The first line is the post's title and the rest its text, with the photos above it and
        ``link`` below. WordPress has no idempotency key: the blog's newest posts are looked through
        first for one with the same title and text."""
        user = self.credentials.get("wp_username")
        password = self.credentials.get("wp_application_password")
        if not (user and password):
            raise NotSupported(
                "rss: publishing needs a WordPress user name and application password; publish by hand"
            )
        auth = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
        api = urljoin(self._site(), "wp-json/wp/v2/")
        title, body = _title_and_body(text, link)
        already = self._own_post(api, auth, title, body)
        if already is not None:
            return already
        uploaded = [(self._upload(api, auth, upload), upload.alt_text) for upload in media]
        figures = "".join(
            f'<figure class="wp-block-image"><img src="{html.escape(m["source_url"])}" '
            f'alt="{html.escape(alt)}"/></figure>\n'
            for m, alt in uploaded
        )
        post: dict[str, Any] = {"title": title, "content": figures + body, "status": "publish"}
        if uploaded:
            post["featured_media"] = uploaded[0][0]["id"]
        response = self.request(
            "POST", urljoin(api, "posts"), params={"_embed": "author"}, headers=auth, json_body=post
        )
        return Published(self.parsed(response, self._published, response.json()), response)

    def _own_post(self, api: str, auth: dict[str, str], title: str, body: str) -> Published | None:
        params = {
            "context": "edit",
            "per_page": OWN_POSTS_CHECKED,
            "orderby": "date",
            "order": "desc",
            "status": "publish",
            "_embed": "author",
        }
        response = self.request("GET", urljoin(api, "posts"), params=params, headers=auth)
        posts = response.json()
        if not isinstance(posts, list):
            raise MalformedResponse(f"rss: {response.url}: not a list of posts", response)
        for post in posts:
            raw = post.get("content", {}).get("raw", "")
            if post.get("title", {}).get("raw") == title and raw.endswith(body):
                return Published(self.parsed(response, self._published, post), response)
        return None

    def _upload(self, api: str, auth: dict[str, str], upload: Upload) -> dict[str, Any]:
        """A photo in the blog's media library, with its description as the image's alt text."""
        data, content_type = encode_multipart_formdata(
            {"file": (upload.filename, upload.data, upload.content_type), "alt_text": upload.alt_text}
        )
        response = self.request(
            "POST", urljoin(api, "media"), headers={**auth, "Content-Type": content_type}, data=data
        )
        media = response.json()
        return self.parsed(
            response, lambda: {**media, "id": int(media["id"]), "source_url": str(media["source_url"])}
        )

    def _published(self, post: dict[str, Any]) -> Item:
        """A post as WordPress describes it, as the feed will show it: the feed's entry id is the
        post's guid, its text the rendered content."""
        platform_id = html.unescape(post["guid"]["rendered"])
        author = (post.get("_embedded", {}).get("author") or [{}])[0]
        return Item(
            kind=ItemKind.POST,
            platform_id=platform_id,
            parent_id=None,
            thread_id=platform_id,
            author=Author(author["name"], "", author.get("link", "")) if author.get("name") else None,
            text=post["content"]["rendered"],
            text_format="html",
            media=(),
            permalink=post.get("link"),
            published_at=parse_time(post["date_gmt"] + "+00:00"),
            edited_at=None,
            raw=post,
            is_own=True,
        )

    def _by_account(self, entry: dict[str, Any]) -> bool:
        """Whether a comment is the account's own: signed with one of the names it writes under
        (``dc:creator`` in WordPress's comment feeds, ``<author><name>`` in Atom)."""
        name = (entry.get("author_detail") or {}).get("name") or entry.get("author") or ""
        return bool(name) and author_key(name) in self.own_authors

    def _get(self, url: str, cursor: dict | None) -> Response:
        if not cursor and url in self._answers:
            return self._answers[url]
        response = self._send(url, cursor)
        if response.status == 200:
            self._answers[url] = response
        return response

    def _send(self, url: str, cursor: dict | None) -> Response:
        headers = {}
        if cursor and cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor and cursor.get("modified"):
            headers["If-Modified-Since"] = cursor["modified"]
        return self.request("GET", url, headers=headers)

    def _entries(self, response: Response) -> list[dict[str, Any]]:
        return self._parse(response).entries

    def _parse(self, response: Response) -> Any:
        # Keep markup exactly as published (no sanitising, no rewritten links): the archive stores
        # what was said, and the display layer cleans it.
        parsed = feedparser.parse(
            response.body,
            response_headers={k.lower(): v for k, v in response.headers.items()}
            | {"content-location": response.url},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        if not parsed.version:
            raise MalformedResponse(f"rss: {response.url}: not an RSS or Atom feed", response)
        if parsed.bozo and not isinstance(parsed.bozo_exception, HARMLESS_BOZO):
            raise MalformedResponse(f"rss: {response.url}: {parsed.bozo_exception}", response)
        return parsed

    def _post_entry(self, post_id: str) -> tuple[dict[str, Any], str]:
        """The post's entry and the site's address (the feed's own ``<link>``)."""
        response = self._get(self.feed_url, None)
        parsed = self._parse(response)
        entry = next((e for e in parsed.entries if _entry_id(e) == post_id), None)
        if entry is None:
            raise NotFound(f"rss: {post_id} is not in {self.feed_url}", response)
        return entry, self._site(parsed)

    def _site(self, parsed: Any = None) -> str:
        """The site's address: the feed's own ``<link>``, ending in a slash."""
        parsed = parsed or self._parse(self._get(self.feed_url, None))
        # The site is where the feed says it is, if that is the feed's own server; else the server's root
        # (a feed does not get to send us to another host).
        site = parsed.feed.get("link", "")
        if not same_origin(site, self.feed_url):
            site = urljoin(self.feed_url, "/")
        return site if site.endswith("/") else site + "/"

    def _item(
        self,
        entry: dict[str, Any],
        response: Response,
        kind: ItemKind,
        parent_id: str | None,
        thread_id: str,
        is_own: bool,
    ) -> Item:
        content = (entry.get("content") or [entry.get("summary_detail")])[0] or {}
        published = entry.get("published_parsed") or dict.get(entry, "updated_parsed")
        updated = dict.get(entry, "updated_parsed")  # plain lookup: feedparser would fall back to published
        author = entry.get("author_detail") or {}
        return Item(
            kind=kind,
            platform_id=_entry_id(entry),
            parent_id=parent_id,
            thread_id=thread_id,
            author=Author(author.get("name", ""), "", author.get("href") or author.get("email") or "")
            if author
            else None,
            text=content.get("value", ""),
            text_format="html" if content.get("type") in HTML_TYPES else "plain",
            media=tuple(
                Media(e["href"], ENCLOSURE_TYPES.get(e.get("type", "").split("/")[0], "other"))
                for e in entry.get("enclosures", [])
            ),
            permalink=entry.get("link"),
            # An undated entry is dated when first seen: better than refusing the whole feed.
            published_at=_utc(published) if published else response.fetched_at,
            edited_at=_utc(updated) if updated and published and updated != published else None,
            raw=_json(entry),
            is_own=is_own,
        )


def _title_and_body(text: str, link: str) -> tuple[str, str]:
    """A plain text as a blog post: its first line the title, the rest paragraphs (a single line is
    both), and the link as a last paragraph of its own."""
    title, _newline, rest = text.strip().partition("\n")
    paragraphs = [p.strip() for p in (rest.strip() or title).split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>\n" for p in paragraphs)
    if link and link not in text:
        body += f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>\n'
    return title.strip(), body


def _entry_id(entry: dict[str, Any]) -> str:
    return entry.get("id") or entry["link"]


def _page(url: str | None) -> str:
    """A comment's link is its post's link plus ``#comment-N``."""
    return (url or "").split("#")[0] or "\0"  # never equal to a post without a link


def _validators(response: Response) -> dict[str, str] | None:
    validators = {"etag": response.header("ETag"), "modified": response.header("Last-Modified")}
    return {k: v for k, v in validators.items() if v} or None


def _utc(value: time.struct_time) -> datetime:
    return datetime(*value[:6], tzinfo=UTC)  # feedparser normalises times to UTC


def _json(value: Any) -> Any:
    """A feedparser entry as plain JSON types: times become ISO strings, everything else as is."""
    if isinstance(value, time.struct_time):
        return _utc(value).isoformat()
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value
