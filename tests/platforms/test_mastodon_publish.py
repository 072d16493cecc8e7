"""Publishing a post on Mastodon: photos and videos uploaded with their descriptions, then the status
with their ids, an idempotency key, and a look for the same post first so a retried task posts once."""

import json

import pytest
from werkzeug import Response

from platforms.base import CredentialsInvalid, ItemKind, PermanentError, Upload
from platforms.mastodon import MastodonConnector, post_text

ACCOUNT_ID = "109318473626781234"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
JPEG = b"\xff\xd8\xff\xe0" + b"isbanan" * 32
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"isbanan" * 64
TEXT = "Nu öppnar isbanan på torget! Välkomna i helgen."
LINK = "https://www.norrvik.se/isbanan"


@pytest.fixture
def connector(httpserver, fast_session):
    connector = MastodonConnector(
        base_url=httpserver.url_for("/"),
        platform_id=ACCOUNT_ID,
        handle="norrvikskommun",
        credentials={"access_token": "tok"},
        session=fast_session,
    )
    connector.media_check_wait = 0
    return connector


def serve_no_recent_posts(httpserver):
    httpserver.expect_request(STATUSES, method="GET").respond_with_json([])


def test_publish_post_uploads_the_photo_with_its_description_then_posts_the_status(
    connector, httpserver, recorded, recorded_json
):
    serve_no_recent_posts(httpserver)
    httpserver.expect_request("/api/v2/media", method="POST").respond_with_data(
        recorded("mastodon", "media_uploaded.json"), content_type="application/json"
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_data(
        recorded("mastodon", "posted_status.json"), content_type="application/json"
    )
    photo = Upload("isbanan.jpg", "image/jpeg", JPEG, "Isbanan på torget i kvällsljus, inga personer")

    published = connector.publish_post(TEXT, media=[photo], link=LINK, key="smgov-post-7-target-3")

    item = published.item
    assert item.kind == ItemKind.POST and item.is_own
    assert item.platform_id == item.thread_id == "113530100000000021"
    assert item.permalink == "https://mastodon.social/@norrvikskommun/113530100000000021"
    assert item.media[0].alt_text == "Isbanan på torget i kvällsljus, inga personer"
    assert item.raw == recorded_json("mastodon", "posted_status.json")
    assert published.response.method == "POST" and published.response.status == 200

    (lookup, _), (upload, _), (post, _) = httpserver.log
    assert lookup.method == "GET" and lookup.args["exclude_replies"] == "true"
    assert upload.form["description"] == photo.alt_text
    assert upload.files["file"].read() == JPEG
    assert upload.files["file"].filename == "isbanan.jpg"
    assert upload.headers["Authorization"] == "Bearer tok"
    assert post.form.getlist("media_ids[]") == ["113530090000000031"]
    assert post.form["status"] == f"{TEXT}\n\n{LINK}"  # the text as written, the link after it
    assert post.form["visibility"] == "public"
    assert post.headers["Idempotency-Key"] == "smgov-post-7-target-3"
    assert post.headers["Authorization"] == "Bearer tok"


def test_a_video_still_processing_is_waited_for_before_the_status(connector, httpserver, recorded):
    serve_no_recent_posts(httpserver)
    httpserver.expect_request("/api/v2/media", method="POST").respond_with_data(
        recorded("mastodon", "media_processing.json"), status=202, content_type="application/json"
    )
    answers = [recorded("mastodon", "media_processing.json"), recorded("mastodon", "media_processed.json")]
    httpserver.expect_request("/api/v1/media/113530090000000032").respond_with_handler(
        lambda request: Response(answers.pop(0), content_type="application/json")
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_data(
        recorded("mastodon", "posted_status.json"), content_type="application/json"
    )
    video = Upload("isbanan.mp4", "video/mp4", MP4, "Film från isbanan, skridskoåkare på avstånd")

    connector.publish_post(TEXT, media=[video])

    posted = [request for request, _ in httpserver.log if request.path == "/api/v1/statuses"]
    assert posted[0].form.getlist("media_ids[]") == ["113530090000000032"]
    assert [r.path for r, _ in httpserver.log].count("/api/v1/media/113530090000000032") == 2


def test_a_post_already_published_is_found_not_posted_again(connector, httpserver, recorded_json):
    """A task run again after its worker died between the server's answer and the commit: the
    account's own recent post with the same text (Mastodon's HTML splits the link into spans) is
    returned, and nothing is uploaded or posted."""
    posted = recorded_json("mastodon", "posted_status.json")
    httpserver.expect_request(STATUSES, method="GET").respond_with_json([posted])

    published = connector.publish_post(TEXT, link=LINK, key="k")

    assert published.item.platform_id == posted["id"]
    assert all(request.method == "GET" for request, _ in httpserver.log)


def test_another_post_of_the_account_with_other_words_is_not_taken_for_it(
    connector, httpserver, recorded, recorded_json
):
    other = {**recorded_json("mastodon", "posted_status.json"), "id": "1", "content": "<p>Något annat.</p>"}
    httpserver.expect_request(STATUSES, method="GET").respond_with_json([other])
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_data(
        recorded("mastodon", "posted_status.json"), content_type="application/json"
    )

    assert connector.publish_post(TEXT).item.platform_id == "113530100000000021"


def test_a_status_the_server_refuses_is_a_permanent_error_with_its_reason(connector, httpserver, recorded):
    serve_no_recent_posts(httpserver)
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_data(
        recorded("mastodon", "status_too_long.json"), status=422, content_type="application/json"
    )

    with pytest.raises(PermanentError) as refused:
        connector.publish_post("x" * 600)
    assert "character limit of 500 exceeded" in refused.value.message


def test_publish_post_needs_a_token(httpserver, fast_session):
    connector = MastodonConnector(
        base_url=httpserver.url_for("/"), platform_id=ACCOUNT_ID, session=fast_session
    )
    with pytest.raises(CredentialsInvalid):
        connector.publish_post(TEXT)
    assert not httpserver.log


def test_the_link_is_added_once():
    assert post_text(f"Läs mer: {LINK}", LINK) == f"Läs mer: {LINK}"
    assert post_text(TEXT, "") == TEXT
    assert MastodonConnector.publishes_posts and MastodonConnector.post_limit == 500
    assert json.dumps(post_text(TEXT, LINK)).count(LINK) == 1
