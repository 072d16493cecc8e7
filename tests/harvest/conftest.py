"""A Mastodon instance for the pipeline tests: the recorded payloads of tests/fixtures/mastodon/,
served by a real local HTTP server (pytest-httpserver), with media addresses pointing at it."""

import json
from collections import Counter
from pathlib import Path

import pytest
from werkzeug import Request, Response

from tests.factories import ServiceAccountFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ACCOUNT_ID = "109318473626781234"
POST_WITH_COMMENTS = "113520000000000003"
CDN = "https://files.mastodon.social"
JPEG = b"\xff\xd8\xff\xe0" + b"smgov-test-image" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"smgov-test-video" * 256


class MastodonServer:
    """Serves the recorded payloads; tests change `statuses`, `contexts` or `overrides` to stage
    edits, deletions and faults, and read `hits` to count the requests the platform got."""

    def __init__(self, httpserver):
        self.httpserver = httpserver
        self.base_url = httpserver.url_for("/").rstrip("/")
        self.hits: Counter[str] = Counter()
        self.statuses = [self.load("statuses_page1.json"), self.load("statuses_page2.json")]
        self.contexts = {POST_WITH_COMMENTS: self.load("context.json")}
        # Edit histories (StatusEdit lists, oldest first) of the edited statuses in the listings.
        self.histories = {
            status_id: self.load(f"history_{status_id}.json")
            for status_id in (POST_WITH_COMMENTS, "113520300000000012")
        }
        self.account = self.load("account.json")
        self.overrides: dict[str, list] = {}  # path -> responses (or callables) to give first, in order
        self.media = {".jpg": (JPEG, "image/jpeg"), ".mp4": (MP4, "video/mp4")}
        httpserver.expect_request(pattern_any()).respond_with_handler(self.handle)

    def load(self, name: str):
        text = (FIXTURES / "mastodon" / name).read_text("utf-8")
        return json.loads(text.replace(CDN, self.base_url + "/cdn"))

    def json(self, payload, status=200, headers=None) -> Response:
        return Response(
            json.dumps(payload), status=status, headers=headers or {}, content_type="application/json"
        )

    def handle(self, request: Request) -> Response:
        path = request.path
        self.hits[path] += 1
        # The second page of the posts listing can be staged apart from the first: "<path>#2".
        key = f"{path}#2" if "max_id" in request.args else path
        if self.overrides.get(key):
            response = self.overrides[key].pop(0)
            return response if isinstance(response, Response) else response()
        statuses_path = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
        if path == f"/api/v1/accounts/{ACCOUNT_ID}":
            return self.json(self.account)
        if path == statuses_path:
            page = 1 if "max_id" not in request.args else 2
            statuses = self.statuses[page - 1]
            since = request.args.get("since_id")
            if since:
                statuses = [s for s in statuses if int(s["id"]) > int(since)]
            headers = {}
            if page == 1 and not since:
                headers["Link"] = (
                    f'<{self.base_url}{statuses_path}?limit=40&max_id=113510000000000002>; rel="next"'
                )
            return self.json(statuses, headers=headers)
        if path.startswith("/api/v1/statuses/") and path.endswith("/context"):
            post_id = path.split("/")[4]
            if (
                not any(s["id"] == post_id for page in self.statuses for s in page)
                and post_id not in self.contexts
            ):
                return self.json({"error": "Record not found"}, status=404)
            return self.json(self.contexts.get(post_id, {"ancestors": [], "descendants": []}))
        if path.startswith("/api/v1/statuses/") and path.endswith("/history"):
            status_id = path.split("/")[4]
            if status_id in self.histories:
                return self.json(self.histories[status_id])
            return self.json({"error": "Record not found"}, status=404)
        if path.startswith("/api/v1/statuses/"):
            status_id = path.split("/")[4]
            everything = [s for page in self.statuses for s in page] + [
                s for context in self.contexts.values() for s in context["descendants"]
            ]
            found = next((s for s in everything if s["id"] == status_id), None)
            return self.json(found) if found else self.json({"error": "Record not found"}, status=404)
        if path.startswith("/cdn/"):
            body, content_type = self.media[Path(path).suffix]
            return Response(body, content_type=content_type)
        return self.json({"error": "Record not found"}, status=404)


def pattern_any():
    import re

    return re.compile(".*")


@pytest.fixture
def mastodon(httpserver):
    return MastodonServer(httpserver)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fast_retries(settings):
    """The connector's own retries shrunk, so that fault tests stay fast."""
    settings.HARVEST_HTTP_RETRIES = 1


@pytest.fixture
def mastodon_account(org, mastodon):
    """The own department's Mastodon account, pointed at the local instance."""
    account = org.account
    account.platform = "mastodon"
    account.platform_id = ACCOUNT_ID
    account.handle = "norrvikskommun"
    account.api_base_url = mastodon.base_url
    account.save()
    return account


def make_account(org, **kwargs):
    return ServiceAccountFactory(department=org.own, admins=[org.alice, org.bob], **kwargs)
