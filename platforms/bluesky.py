"""Bluesky through the public AppView, which needs no account: everything read here is public.

``platform_id`` is the account's DID (the handle works too, but DIDs survive a change of handle);
items are identified by their ``at://`` URI. Replying and hiding are not supported.

Publishing a post writes to the account's own repository, which needs an app password
(``credentials["app_password"]``, made under Settings → Privacy and security → App passwords): the
connector signs in (``com.atproto.server.createSession``) at ``pds_url``, Bluesky's entryway, which
passes the writes on to the server that hosts the account, uploads each photo
(``com.atproto.repo.uploadBlob``) and creates the post record (``com.atproto.repo.createRecord``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .base import (
    Author,
    ChangeAction,
    ChangeEvent,
    Connector,
    ConnectorError,
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
    count_graphemes,
    parse_time,
    retry_after_seconds,
)

REPOST = "app.bsky.feed.defs#reasonRepost"
THREAD_POST = "app.bsky.feed.defs#threadViewPost"
THREAD_DEPTH = 1000  # the API's maximum: a municipality's threads are never that deep
AUTH_ERRORS = frozenset({"AuthenticationRequired", "ExpiredToken", "InvalidToken"})
POST_COLLECTION = "app.bsky.feed.post"
JETSTREAM_ORDER = {"create": 0, "update": 1, "delete": 3}
# Links in a post's text; what ends a sentence after one is not part of it.
LINK = re.compile(r"https?://[^\s<>\"]+")
LINK_TRAILING = ".,;:!?'\""
OWN_POSTS_CHECKED = 30  # the account's newest posts looked through for one already published


def jetstream_post_uri(event: dict[str, Any]) -> str | None:
    """The ``at://`` URI of the post a Jetstream commit event is about (None for other events)."""
    commit = event.get("commit") or {}
    if event.get("kind") != "commit" or commit.get("collection") != POST_COLLECTION:
        return None
    return f"at://{event['did']}/{POST_COLLECTION}/{commit['rkey']}"


def jetstream_replied_to(event: dict[str, Any]) -> tuple[str, ...]:
    """The root and parent URIs a created or updated post answers (none for a top-level post)."""
    reply = ((event.get("commit") or {}).get("record") or {}).get("reply") or {}
    return tuple(uri for part in ("root", "parent") if (uri := (reply.get(part) or {}).get("uri")))


def did_of(uri: str) -> str:
    """The repository (author) of an ``at://did/collection/rkey`` URI."""
    return uri.removeprefix("at://").split("/", 1)[0]


def jetstream_time(event: dict[str, Any]) -> datetime:
    """Jetstream's ``time_us``: microseconds since the epoch, exactly."""
    seconds, micros = divmod(int(event["time_us"]), 1_000_000)
    return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=micros)


class BlueskyConnector(Connector):
    platform = "bluesky"
    default_base_url = "https://public.api.bsky.app"
    page_size = 100
    setup_needs = (("platform_id", "handle"),)

    credential_kinds = ("app_password",)
    setup_optional = ("app_password",)

    # A post holds 300 graphemes (the app view's limit), counted as user-perceived characters.
    reply_limit = 300
    count_unit = "graphemes"
    publishes_posts = True  # with an app password
    post_limit = 300
    post_media_limit = 4  # app.bsky.embed.images holds at most four
    # Where publishing signs in: the entryway of the accounts Bluesky hosts.
    pds_url = "https://bsky.social"

    @classmethod
    def count_text(cls, text: str) -> int:
        return count_graphemes(text)

    def fetch_posts(self, *, since: str | None = None, cursor: dict | None = None) -> Iterator[Page]:
        """Top-level posts only (``posts_no_replies``): the account's answers are harvested as replies
        in the threads they belong to."""
        params = {"actor": self._actor(), "limit": self.page_size, "filter": "posts_no_replies"}
        position = (cursor or {}).get("cursor")
        while True:
            response, body = self.get_json(
                "/xrpc/app.bsky.feed.getAuthorFeed",
                params={**params, "cursor": position} if position else params,
            )
            items, next_cursor = self.parsed(response, self._feed_page, body, since)
            yield Page(response, items, next_cursor)
            if next_cursor is None:
                return
            position = next_cursor["cursor"]

    def fetch_comments(self, post_id: str, *, cursor: dict | None = None) -> Iterator[Page]:
        """The whole reply tree in one response (threads are not paged, so there is never a cursor)."""
        response, body = self.get_json(
            "/xrpc/app.bsky.feed.getPostThread",
            params={"uri": post_id, "depth": THREAD_DEPTH, "parentHeight": 0},
        )
        items = self.parsed(response, lambda: self._thread_items(body["thread"], post_id))
        yield Page(response, items, None)

    def fetch_profile(self) -> Profile:
        response, profile = self.get_json("/xrpc/app.bsky.actor.getProfile", params={"actor": self._actor()})
        return self.parsed(response, lambda: Profile(profile.get("followersCount"), raw=profile))

    def fetch_item(self, platform_id: str) -> Item:
        response, body = self.get_json("/xrpc/app.bsky.feed.getPosts", params={"uris": platform_id})
        posts = self.parsed(response, lambda: body["posts"])
        if not posts:  # deleted posts are silently left out of the answer
            raise NotFound(f"bluesky: {platform_id} no longer exists", response)
        return self.parsed(response, self._item, posts[0])

    def search_public(self, query: str) -> Page:
        """Posts matching ``query`` (``app.bsky.feed.searchPosts``, Lucene-like words and phrases)."""
        response, body = self.get_json(
            "/xrpc/app.bsky.feed.searchPosts", params={"q": query, "limit": self.page_size, "sort": "latest"}
        )
        items = self.parsed(
            response, lambda: [replace(self._item(post), is_own=False) for post in body["posts"]]
        )
        return Page(response, items, None)

    def publish_post(
        self, text: str, *, media: Sequence[Upload] = (), link: str = "", key: str = ""
    ) -> Published:
        """A post record with its photos (each with its description) or, without photos, a card for
        ``link``; every address in the text is made a link. A repository has no idempotency key, so the
        account's newest posts are looked through first for one with the same text."""
        password = self.credentials.get("app_password")
        if not password:
            raise NotSupported("bluesky: publishing posts needs the account's app password")
        if media and link and link not in text:
            text = f"{text}\n\n{link}"  # the photos take the post's one embed: the link goes in the text
        already = self._own_post(text)
        if already is not None:
            return already
        did, token = self._sign_in(password)
        auth = {"Authorization": f"Bearer {token}"}
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        if facets := link_facets(text):
            record["facets"] = facets
        if media:
            images = [{"alt": upload.alt_text, "image": self._upload(upload, auth)} for upload in media]
            record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        elif link:
            external = {"uri": link, "title": "", "description": ""}
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        response = self.request(
            "POST",
            self._pds("com.atproto.repo.createRecord"),
            headers=auth,
            json_body={"repo": did, "collection": POST_COLLECTION, "record": record},
        )
        created = response.json()
        uri, cid = self.parsed(response, lambda: (str(created["uri"]), str(created.get("cid", ""))))
        # The repository answers with the address only; the post as the harvest reads it comes from the
        # AppView, which may not have it yet: then the record we wrote stands in.
        try:
            view_response, body = self.get_json("/xrpc/app.bsky.feed.getPosts", params={"uris": uri})
            posts = self.parsed(view_response, lambda: body["posts"])
            if posts:
                return Published(self.parsed(view_response, self._item, posts[0]), view_response)
        except ConnectorError:
            pass
        author = {"did": did, "handle": self.handle.lstrip("@") or did}
        view = {"uri": uri, "cid": cid, "author": author, "record": record}
        return Published(replace(self.parsed(response, self._item, view), raw=created), response)

    def _own_post(self, text: str) -> Published | None:
        wanted = " ".join(text.split())
        params = {"actor": self._actor(), "limit": OWN_POSTS_CHECKED, "filter": "posts_no_replies"}
        response, body = self.get_json("/xrpc/app.bsky.feed.getAuthorFeed", params=params)
        items, _cursor = self.parsed(response, self._feed_page, body, None)
        return next(
            (
                Published(item, response)
                for item in items
                if item.is_own and " ".join(item.text.split()) == wanted
            ),
            None,
        )

    def _sign_in(self, password: str) -> tuple[str, str]:
        """The account's DID and an access token for its repository."""
        response = self.request(
            "POST",
            self._pds("com.atproto.server.createSession"),
            json_body={"identifier": self.platform_id or self.handle.lstrip("@"), "password": password},
        )
        session = response.json()
        return self.parsed(response, lambda: (str(session["did"]), str(session["accessJwt"])))

    def _upload(self, upload: Upload, auth: dict[str, str]) -> dict[str, Any]:
        response = self.request(
            "POST",
            self._pds("com.atproto.repo.uploadBlob"),
            headers={**auth, "Content-Type": upload.content_type},
            data=upload.data,
        )
        body = response.json()
        return self.parsed(response, lambda: dict(body["blob"]))

    def _pds(self, method: str) -> str:
        return f"{self.pds_url.rstrip('/')}/xrpc/{method}"

    def jetstream_event(self, event: dict[str, Any]) -> ChangeEvent | None:
        """A Jetstream commit as a change. Jetstream carries the record and the author's DID but not
        the author's name or handle, so a created post is read again from the AppView (exactly as the
        harvest reads it); the event's own record stands in only when the post is gone already."""
        uri = jetstream_post_uri(event)
        operation = (event.get("commit") or {}).get("operation")
        if uri is None or operation not in JETSTREAM_ORDER:
            return None
        at = jetstream_time(event)
        if operation == "delete":
            return ChangeEvent(ChangeAction.DELETE, uri, at, order=JETSTREAM_ORDER[operation])
        commit, did = event["commit"], event["did"]
        view = {"uri": uri, "cid": commit.get("cid", ""), "author": {"did": did, "handle": did}}
        item = replace(self._item({**view, "record": commit["record"]}), raw=event)
        return ChangeEvent(
            ChangeAction.UPSERT, uri, at, item, complete=False, order=JETSTREAM_ORDER[operation]
        )

    def _actor(self) -> str:
        return self.platform_id or self.handle.lstrip("@")

    def _feed_page(self, body: dict[str, Any], since: str | None) -> tuple[list[Item], dict | None]:
        items = []
        for entry in body["feed"]:
            post = entry["post"]
            if post["uri"] == since:
                return items, None
            if entry.get("reason", {}).get("$type") == REPOST:
                continue  # someone else's post, shared by the account
            items.append(self._item(post))
        if not body["feed"] or not body.get("cursor"):
            return items, None
        return items, {"cursor": body["cursor"]}

    def _thread_items(self, node: dict[str, Any], post_id: str) -> list[Item]:
        """Replies below ``node``, depth first. Deleted and blocked posts appear in the tree as
        ``notFoundPost``/``blockedPost`` stubs without content; they and their subtrees are skipped
        (the archive learns about deletions from ``fetch_item``)."""
        if node.get("$type") != THREAD_POST:
            return []
        items = []
        for reply in node.get("replies") or []:
            if reply.get("$type") == THREAD_POST:
                items.append(self._item(reply["post"]))
                items.extend(self._thread_items(reply, post_id))
        return items

    def _item(self, post: dict[str, Any]) -> Item:
        record, author = post["record"], post["author"]
        reply = record.get("reply")
        if reply is None:
            kind, parent_id, thread_id = ItemKind.POST, None, post["uri"]
        else:
            parent_id, thread_id = reply["parent"]["uri"], reply["root"]["uri"]
            kind = ItemKind.COMMENT if parent_id == thread_id else ItemKind.REPLY
        return Item(
            kind=kind,
            platform_id=post["uri"],
            parent_id=parent_id,
            thread_id=thread_id,
            author=Author(
                name=author.get("displayName") or author["handle"],
                handle=author["handle"],
                platform_id=author["did"],
            ),
            text=record.get("text", ""),
            text_format="plain",
            media=_media(post.get("embed")),
            permalink=f"https://bsky.app/profile/{author['handle']}/post/{post['uri'].rsplit('/', 1)[1]}",
            published_at=parse_time(record["createdAt"]),
            edited_at=None,
            raw=post,
            is_own=author["did"] == self.platform_id or author["handle"] == self.handle.lstrip("@"),
        )

    def _allowance_used_up_until(self, response: Response) -> datetime | None:
        """``RateLimit-Remaining`` counts the requests left until ``RateLimit-Reset`` (a Unix time)."""
        if response.header("RateLimit-Remaining") != "0":
            return None
        return datetime.now(UTC) + timedelta(seconds=_wait_seconds(response))

    def _check(self, response: Response) -> None:
        """XRPC errors are ``{"error": name, "message": text}``; a missing post is a 400 ``NotFound``."""
        if response.status < 400:
            return
        try:
            body = response.json()
            name, message = str(body.get("error", "")), str(body.get("message", ""))
        except (MalformedResponse, AttributeError):  # not an XRPC body: the status alone has to do
            name, message = "", response.body[:300].decode("utf-8", "replace")
        text = f"bluesky: {response.method} {response.url}: HTTP {response.status}: {name} {message}".rstrip()
        if response.status == 429:
            raise RateLimited(text, _wait_seconds(response), response)
        if name in AUTH_ERRORS or response.status == 401:
            raise CredentialsInvalid(text, response)
        if name == "NotFound" or "not found" in message.lower() or response.status == 404:
            raise NotFound(text, response)
        if response.status >= 500:
            raise TransientError(text, response)
        raise PermanentError(text, response)


def link_facets(text: str) -> list[dict[str, Any]]:
    """A link facet for every web address in ``text``: Bluesky marks rich text by UTF-8 byte offsets."""
    facets = []
    for match in LINK.finditer(text):
        url = match.group().rstrip(LINK_TRAILING)
        while url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1].rstrip(LINK_TRAILING)  # the address was written in brackets
        start = len(text[: match.start()].encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(url.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    return facets


def _wait_seconds(response: Response) -> float:
    """Bluesky's ``ratelimit-reset`` is a Unix time."""
    reset = response.header("ratelimit-reset")
    default = 300.0
    if reset and reset.isdigit():
        default = max(int(reset) - datetime.now(UTC).timestamp(), 0.0)
    return retry_after_seconds(response, default=default)


def _media(embed: dict[str, Any] | None) -> tuple[Media, ...]:
    """Pictures, a film or a link card, also when they come together with a quoted post."""
    if not embed:
        return ()
    kind = embed.get("$type", "")
    if kind == "app.bsky.embed.recordWithMedia#view":
        return _media(embed["media"])
    if kind == "app.bsky.embed.images#view":
        return tuple(Media(image["fullsize"], "image", image.get("alt", "")) for image in embed["images"])
    if kind == "app.bsky.embed.video#view":
        return (Media(embed["playlist"], "video", embed.get("alt", "")),)
    if kind == "app.bsky.embed.external#view":
        external = embed["external"]
        return (Media(external["uri"], "link", external.get("title", "")),)
    return ()
