"""A demo platform per platform, so that every demo account has something to harvest.

Under /demo-plattform/ (only with ``settings.DEMO_PLATFORM``, on by default in development) the
recorded payloads of tests/fixtures/demo/ are served the way each platform serves them: a Mastodon
instance at the root, the Graph API of Facebook Pages and Instagram under facebook/ and instagram/,
the YouTube Data API under youtube/, Bluesky's XRPC under bluesky/ and an Atom blog with its comment
feeds under blogg/. Media files are served here too, so nothing outside this server is contacted. The
dates are moved by whole days so that the newest post is from today; `configure_demo_harvest()`
points each demo account at its feed.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import services as accounts_services
from accounts.models import AccountState, ServiceAccount

from .models import HarvestState

DEMO_DIR = Path(settings.BASE_DIR) / "tests" / "fixtures" / "demo"
PLACEHOLDER_BASE = "https://demo.invalid/demo-plattform"
RECORDED_ON = date(2026, 1, 15)  # the date of the newest recorded post
NEWEST_RECORDED = datetime(2026, 1, 15, 13, 5, tzinfo=UTC)  # ... and its time: nothing is shown as future
MEDIA_TYPES = {".png": "image/png"}
# The keys that carry a time in the platforms' payloads.
TIME_KEYS = frozenset(
    {
        "created_at",
        "edited_at",  # Mastodon
        "created_time",
        "updated_time",
        "timestamp",  # Graph
        "publishedAt",
        "videoPublishedAt",
        "updatedAt",  # YouTube
        "createdAt",
        "indexedAt",  # Bluesky
    }
)
ATOM_TIME = re.compile(r"<(published|updated)>([^<]+)</\1>")

DEMO_ACCOUNT_ID = "110000000000000001"  # Mastodon
FACEBOOK_PAGES = ("100000000000001", "100000000000002")
INSTAGRAM_USER = "17841400000000001"
YOUTUBE_CHANNEL = "UCx7ExempelbyKommun0001Z"
YOUTUBE_HANDLE = "@exempelbykommun"
YOUTUBE_UPLOADS = "UU" + YOUTUBE_CHANNEL[2:]
BLUESKY_DID = "did:plc:exempelbykommundemo2026"
BLUESKY_HANDLE = "exempelby.se"


def _enabled() -> None:
    if not settings.DEMO_PLATFORM:
        raise Http404


def _days() -> int:
    """Whole days to move the recorded times by, so the newest is from today but not yet to come."""
    days = (timezone.localdate() - RECORDED_ON).days
    return days - 1 if NEWEST_RECORDED + timedelta(days=days) > timezone.now() else days


def _moved(value: str, days: int) -> str:
    """A recorded time moved by ``days``, written the way the platform writes it."""
    moved = datetime.fromisoformat(value) + timedelta(days=days)
    if value.endswith("Z"):
        text = moved.isoformat(timespec="milliseconds" if "." in value else "seconds")
        return text.replace("+00:00", "Z")
    if value.endswith("+0000"):
        return moved.strftime("%Y-%m-%dT%H:%M:%S+0000")
    return moved.isoformat()


def _shift(value, days: int):
    """Every time in a payload moved by ``days``, so that the demo's posts stay recent."""
    if isinstance(value, list):
        return [_shift(v, days) for v in value]
    if isinstance(value, dict):
        return {
            key: _moved(v, days) if key in TIME_KEYS and isinstance(v, str) else _shift(v, days)
            for key, v in value.items()
        }
    return value


def _text(request, name: str) -> str:
    file = (DEMO_DIR / name).resolve()
    if not file.is_relative_to(DEMO_DIR) or not file.is_file():
        raise Http404
    return file.read_text("utf-8").replace(
        PLACEHOLDER_BASE, request.build_absolute_uri("/demo-plattform").rstrip("/")
    )


def _load(request, name: str):
    return _shift(json.loads(_text(request, name)), _days())


def _exists(name: str) -> bool:
    return (DEMO_DIR / name).is_file()


# --- Mastodon ------------------------------------------------------------------------------------


def _not_found() -> JsonResponse:
    return JsonResponse({"error": "Record not found"}, status=404)


@require_GET
def account(request, account_id: str):
    _enabled()
    return JsonResponse(_load(request, "account.json")) if account_id == DEMO_ACCOUNT_ID else _not_found()


@require_GET
def lookup(request):
    _enabled()
    return JsonResponse(_load(request, "account.json"))


@require_GET
def statuses(request, account_id: str):
    _enabled()
    if account_id != DEMO_ACCOUNT_ID:
        return _not_found()
    listed = _load(request, "statuses.json")
    since, before = request.GET.get("since_id", ""), request.GET.get("max_id", "")
    if since.isdigit():
        listed = [s for s in listed if int(s["id"]) > int(since)]
    if before.isdigit():
        listed = [s for s in listed if int(s["id"]) < int(before)]
    return JsonResponse(listed, safe=False)


@require_GET
def context(request, status_id: str):
    _enabled()
    if not status_id.isdigit():
        return _not_found()
    if _exists(f"context_{status_id}.json"):
        return JsonResponse(_load(request, f"context_{status_id}.json"))
    if _find(request, status_id) is None:
        return _not_found()
    return JsonResponse({"ancestors": [], "descendants": []})


def _find(request, status_id: str):
    everything = list(_load(request, "statuses.json"))
    for file in sorted(DEMO_DIR.glob("context_*.json")):
        everything += _load(request, file.name)["descendants"]
    return next((s for s in everything if s["id"] == status_id), None)


@require_GET
def status(request, status_id: str):
    _enabled()
    found = _find(request, status_id) if status_id.isdigit() else None
    return JsonResponse(found) if found else _not_found()


@require_GET
def media(request, name: str):
    _enabled()
    file = DEMO_DIR / name
    if file.suffix not in MEDIA_TYPES or file.parent != DEMO_DIR or not file.is_file():
        raise Http404
    return FileResponse(file.open("rb"), content_type=MEDIA_TYPES[file.suffix])


# --- Facebook Pages and Instagram (the Graph API) --------------------------------------------------


def _graph_missing(node: str) -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "message": f"Unsupported get request. Object with ID '{node}' does not exist, cannot be "
                "loaded due to missing permissions, or does not support this operation.",
                "type": "GraphMethodException",
                "code": 100,
                "error_subcode": 33,
            }
        },
        status=400,
    )


def _facebook_comments(request) -> dict[str, dict]:
    comments = {}
    for file in sorted((DEMO_DIR / "facebook").glob("comments_*.json")):
        for comment in _load(request, f"facebook/{file.name}")["data"]:
            comments[comment["id"]] = comment
    return comments


@require_GET
def facebook_node(request, node: str):
    _enabled()
    if node in FACEBOOK_PAGES:
        return JsonResponse(_load(request, f"facebook/{node}.json"))
    page = node.split("_")[0]
    if page in FACEBOOK_PAGES:
        post = next(
            (p for p in _load(request, f"facebook/posts_{page}.json")["data"] if p["id"] == node), None
        )
        if post:
            return JsonResponse(post)
    comment = _facebook_comments(request).get(node)
    return JsonResponse(comment) if comment else _graph_missing(node)


@require_GET
def facebook_edge(request, node: str, edge: str):
    _enabled()
    if edge == "posts" and node in FACEBOOK_PAGES:
        return JsonResponse(_load(request, f"facebook/posts_{node}.json"))
    if edge == "comments" and _exists(f"facebook/comments_{node}.json"):
        return JsonResponse(_load(request, f"facebook/comments_{node}.json"))
    return _graph_missing(node)


def _instagram_comments(request) -> dict[str, tuple[dict, str, str | None]]:
    """Every comment and reply by id: (the comment, its post's id, the comment it answers)."""
    found = {}
    for file in sorted((DEMO_DIR / "instagram").glob("comments_*.json")):
        post_id = file.stem.removeprefix("comments_")
        for comment in _load(request, f"instagram/{file.name}")["data"]:
            found[comment["id"]] = (comment, post_id, None)
            for reply in comment.get("replies", {}).get("data", []):
                found[reply["id"]] = (reply, post_id, comment["id"])
    return found


@require_GET
def instagram_node(request, node: str):
    _enabled()
    if node == INSTAGRAM_USER:
        return JsonResponse(_load(request, f"instagram/{node}.json"))
    post = next((m for m in _load(request, "instagram/media.json")["data"] if m["id"] == node), None)
    if post:
        return JsonResponse(post)
    found = _instagram_comments(request).get(node)
    if found is None:
        return _graph_missing(node)
    if "caption" in request.GET.get("fields", ""):
        # What Graph answers when the fields of a post are asked of a comment.
        message = "(#100) Tried accessing nonexisting field (caption) on node type (IGComment)"
        return JsonResponse(
            {"error": {"message": message, "type": "OAuthException", "code": 100}}, status=400
        )
    comment, post_id, parent_id = found
    fields = {k: v for k, v in comment.items() if k != "replies"}
    return JsonResponse(
        {**fields, "media": {"id": post_id}, **({"parent_id": parent_id} if parent_id else {})}
    )


@require_GET
def instagram_edge(request, node: str, edge: str):
    _enabled()
    if edge == "media" and node == INSTAGRAM_USER:
        return JsonResponse(_load(request, "instagram/media.json"))
    if edge == "comments" and _exists(f"instagram/comments_{node}.json"):
        return JsonResponse(_load(request, f"instagram/comments_{node}.json"))
    if edge == "replies" and node in _instagram_comments(request):
        return JsonResponse({"data": []})  # every reply is inlined in its comment
    return _graph_missing(node)


# --- YouTube Data API ------------------------------------------------------------------------------


def _youtube_error(status: int, reason: str, message: str) -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "youtube.api", "reason": reason}],
            }
        },
        status=status,
    )


def _youtube_list(kind: str, items: list) -> JsonResponse:
    return JsonResponse(
        {
            "kind": f"youtube#{kind}ListResponse",
            "etag": "demo",
            "pageInfo": {"totalResults": len(items), "resultsPerPage": 100},
            "items": items,
        }
    )


def _youtube_comments(request) -> list[dict]:
    comments = []
    for file in sorted((DEMO_DIR / "youtube").glob("comment_threads_*.json")):
        for thread in _load(request, f"youtube/{file.name}")["items"]:
            comments.append(thread["snippet"]["topLevelComment"])
            comments += thread.get("replies", {}).get("comments", [])
    return comments


@require_GET
def youtube(request, resource: str):
    _enabled()
    query = request.GET
    videos = _load(request, "youtube/videos.json")["items"]
    if resource == "channels":
        if query.get("id") == YOUTUBE_CHANNEL or query.get("forHandle") in (
            YOUTUBE_HANDLE,
            YOUTUBE_HANDLE[1:],
        ):
            return JsonResponse(_load(request, "youtube/channels.json"))
        return _youtube_list("channel", [])
    if resource == "playlistItems":
        if query.get("playlistId") == YOUTUBE_UPLOADS:
            return JsonResponse(_load(request, "youtube/playlist_items.json"))
        return _youtube_error(
            404,
            "playlistNotFound",
            "The playlist identified with the request's playlistId parameter cannot be found.",
        )
    if resource == "commentThreads":
        video = query.get("videoId", "")
        if _exists(f"youtube/comment_threads_{video}.json"):
            return JsonResponse(_load(request, f"youtube/comment_threads_{video}.json"))
        if any(v["id"] == video for v in videos):
            return _youtube_list("commentThread", [])
        return _youtube_error(
            404, "videoNotFound", "The video identified by the videoId parameter could not be found."
        )
    if resource == "comments":
        if query.get("parentId"):
            return _youtube_list("comment", [])  # every reply is inlined in its thread
        wanted = set(query.get("id", "").split(","))
        return _youtube_list("comment", [c for c in _youtube_comments(request) if c["id"] in wanted])
    if resource == "videos":
        wanted = set(query.get("id", "").split(","))
        return _youtube_list("video", [v for v in videos if v["id"] in wanted])
    raise Http404


# --- Bluesky (XRPC) --------------------------------------------------------------------------------


def _xrpc_error(name: str, message: str) -> JsonResponse:
    return JsonResponse({"error": name, "message": message}, status=400)


def _bluesky_posts(request) -> dict[str, dict]:
    posts = {
        entry["post"]["uri"]: entry["post"] for entry in _load(request, "bluesky/author_feed.json")["feed"]
    }

    def walk(node):
        posts[node["post"]["uri"]] = node["post"]
        for reply in node.get("replies") or []:
            walk(reply)

    for file in sorted((DEMO_DIR / "bluesky").glob("thread_*.json")):
        walk(_load(request, f"bluesky/{file.name}")["thread"])
    return posts


@require_GET
def bluesky(request, method: str):
    _enabled()
    query = request.GET
    known_actor = query.get("actor") in (BLUESKY_DID, BLUESKY_HANDLE)
    if method == "app.bsky.actor.getProfile":
        return (
            JsonResponse(_load(request, "bluesky/profile.json"))
            if known_actor
            else _xrpc_error("InvalidRequest", "Profile not found")
        )
    if method == "app.bsky.feed.getAuthorFeed":
        return (
            JsonResponse(_load(request, "bluesky/author_feed.json"))
            if known_actor
            else _xrpc_error("InvalidRequest", "Profile not found")
        )
    if method == "app.bsky.feed.getPostThread":
        uri = query.get("uri", "")
        key = uri.rsplit("/", 1)[-1]
        if uri.startswith(f"at://{BLUESKY_DID}/") and _exists(f"bluesky/thread_{key}.json"):
            return JsonResponse(_load(request, f"bluesky/thread_{key}.json"))
        post = _bluesky_posts(request).get(uri)
        if post:
            return JsonResponse(
                {"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": post, "replies": []}}
            )
        return _xrpc_error("NotFound", f"Post not found: {uri}")
    if method == "app.bsky.feed.getPosts":
        posts = _bluesky_posts(request)
        return JsonResponse({"posts": [posts[uri] for uri in query.getlist("uris") if uri in posts]})
    return JsonResponse({"error": "MethodNotImplemented", "message": "Method Not Implemented"}, status=501)


# --- A blog's Atom feed and its comment feeds -----------------------------------------------------


def _atom(request, name: str) -> HttpResponse:
    days = _days()
    text = ATOM_TIME.sub(lambda m: f"<{m[1]}>{_moved(m[2], days)}</{m[1]}>", _text(request, name))
    return HttpResponse(text, content_type="application/atom+xml; charset=utf-8")


@require_GET
def blog_feed(request):
    _enabled()
    return _atom(request, "blogg/feed.xml")


@require_GET
def blog_comments(request, post: str):
    _enabled()
    if not post.isdigit():
        raise Http404
    return _atom(request, f"blogg/comments_{post}.xml")


urlpatterns = [
    path("api/v1/accounts/lookup", lookup),
    path("api/v1/accounts/<str:account_id>", account),
    path("api/v1/accounts/<str:account_id>/statuses", statuses),
    path("api/v1/statuses/<str:status_id>/context", context),
    path("api/v1/statuses/<str:status_id>", status),
    path("media/<str:name>", media),
    path("facebook/<str:node>", facebook_node),
    path("facebook/<str:node>/<str:edge>", facebook_edge),
    path("instagram/<str:node>", instagram_node),
    path("instagram/<str:node>/<str:edge>", instagram_edge),
    path("youtube/<str:resource>", youtube),
    path("bluesky/xrpc/<str:method>", bluesky),
    path("blogg/feed/", blog_feed),
    path("blogg/kommentarer/<str:post>/", blog_comments),
]


@dataclass(frozen=True)
class DemoFeed:
    """Which demo account (by platform and handle) harvests which feed of the demo platform."""

    platform: str
    handle: str
    platform_id: str
    path: str  # below /demo-plattform/
    # Also found by its address: a demo database seeded before the account had its handle.
    profile_url: str = ""


DEMO_FEEDS = [
    DemoFeed("mastodon", "exempelby@social.exempelby.se", DEMO_ACCOUNT_ID, ""),
    DemoFeed("facebook", "exempelbykommun", FACEBOOK_PAGES[0], "facebook"),
    DemoFeed("facebook", "exempelbyskola", FACEBOOK_PAGES[1], "facebook"),
    DemoFeed("instagram", "exempelbybibliotek", INSTAGRAM_USER, "instagram"),
    DemoFeed("youtube", YOUTUBE_HANDLE, YOUTUBE_CHANNEL, "youtube"),
    DemoFeed("bluesky", BLUESKY_HANDLE, BLUESKY_DID, "bluesky"),
    DemoFeed("rss", "biblioteksbloggen", "", "blogg/feed/", "https://bibliotek.exempelby.se/blogg/"),
]


def configure_demo_harvest(*, site_url: str | None = None) -> list[ServiceAccount]:
    """Point every active demo account at its feed on the demo platform and make its first harvest
    due now (idempotent). Called by the demo seeding; does nothing without DEMO_PLATFORM."""
    if not settings.DEMO_PLATFORM:
        return []
    base = f"{(site_url or settings.SITE_URL).rstrip('/')}/demo-plattform"
    configured = []
    for feed in DEMO_FEEDS:
        account = (
            ServiceAccount.objects.filter(platform=feed.platform, state=AccountState.ACTIVE)
            .filter(Q(handle=feed.handle) | Q(profile_url=feed.profile_url or None))
            .order_by("pk")
            .first()
        )
        if account is None:
            continue
        actor = account.administrators.filter(is_active=True).order_by("pk").first()
        accounts_services.account_update(
            actor=actor,
            account=account,
            platform_id=feed.platform_id,
            api_base_url=f"{base}/{feed.path}" if feed.path else base,
        )
        state, created = HarvestState.objects.get_or_create(account=account)
        if created or state.last_success_at is None:
            state.next_run_at = timezone.now()
            state.save(update_fields=["next_run_at"])
        configured.append(account)
    return configured
