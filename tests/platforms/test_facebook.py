import json
from datetime import UTC, datetime

import pytest

from platforms.base import CredentialsInvalid, ItemKind, MalformedResponse, NotFound, RateLimited, Upload
from platforms.facebook import COMMENT_FIELDS, POST_FIELDS, FacebookConnector

PAGE_ID = "104512345678901"
POST_ID = f"{PAGE_ID}_912345678901234"
TOKEN = "page-token-s3cret"
RECORDED_BASE = b"https://graph.facebook.com/v21.0"


@pytest.fixture
def base(httpserver):
    return httpserver.url_for("/v21.0")


@pytest.fixture
def serve(httpserver, recorded, base):
    """Serve a recorded payload, with its absolute paging links pointed at the local server."""

    def serve(path, name, query=None, status=200, headers=None, method="GET"):
        body = recorded("facebook", name).replace(RECORDED_BASE, base.encode())
        # The token travels as a bearer header, never in the URL.
        query = {k: v for k, v in query.items() if k != "access_token"} if query else query
        httpserver.expect_request(
            f"/v21.0/{path}",
            query_string=query,
            method=method,
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).respond_with_data(body, status=status, headers=headers, content_type="application/json")
        return body

    return serve


@pytest.fixture
def connector(base, fast_session):
    return FacebookConnector(
        base_url=base, platform_id=PAGE_ID, credentials={"access_token": TOKEN}, session=fast_session
    )


@pytest.fixture
def two_pages(serve):
    first = serve(
        f"{PAGE_ID}/posts", "posts_page1.json", {"fields": POST_FIELDS, "limit": "50", "access_token": TOKEN}
    )
    serve(
        f"{PAGE_ID}/posts",
        "posts_page2.json",
        {
            "fields": POST_FIELDS,
            "limit": "50",
            "until": "1731931200",
            "__paging_token": "enc_AdC2",
            "access_token": TOKEN,
        },
    )
    return json.loads(first)


def test_fetch_posts_follows_paging_next(connector, two_pages, base):
    pages = list(connector.fetch_posts())

    assert [[i.platform_id for i in p.items] for p in pages] == [
        [POST_ID, f"{PAGE_ID}_912345678900001"],
        [f"{PAGE_ID}_912345678800002"],
    ]
    assert pages[0].cursor["next"].startswith(f"{base}/{PAGE_ID}/posts?")
    assert "access_token" not in pages[0].cursor["next"]  # cursors are stored: no secrets in them
    assert pages[1].cursor is None

    post = pages[0].items[0]
    assert (post.kind, post.thread_id, post.parent_id, post.is_own) == (ItemKind.POST, POST_ID, None, True)
    assert post.text.startswith("Snöröjningen pågår för fullt ❄️")
    assert post.text_format == "plain"
    assert post.published_at == datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC)
    assert post.edited_at is None  # updated_time also moves on new comments
    assert post.author.name == "Norrviks kommun"
    assert post.permalink == "https://www.facebook.com/norrvikskommun/posts/pfbid02Xy7sNoWqT"
    assert post.media[0].type == "image"
    assert post.media[0].alt_text == "Plogbil på Storgatan"
    assert post.raw == two_pages["data"][0]
    link_card = pages[0].items[1].media[0]
    assert link_card.type == "link"
    assert (
        link_card.url == "https://external.xx.fbcdn.net/emg1/v/t13/bibliotek.jpg"
    )  # its picture, not the page
    video = pages[1].items[0].media[0]
    assert (video.type, video.url) == (
        "video",
        "https://video.xx.fbcdn.net/v/t42.1790-2/vaderstation.mp4?_nc_cat=1",
    )


def test_token_is_sent_and_stripped_from_the_stored_url(connector, two_pages, httpserver):
    pages = list(connector.fetch_posts())

    assert [r.headers["Authorization"] for r, _ in httpserver.log] == [f"Bearer {TOKEN}"] * 2
    assert all("access_token" not in r.args for r, _ in httpserver.log)
    assert all(TOKEN not in p.response.url and "access_token" not in p.response.url for p in pages)
    assert "until=1731931200" in pages[1].response.url


def test_since_stops_at_the_high_water_mark(connector, two_pages, httpserver):
    pages = list(connector.fetch_posts(since=f"{PAGE_ID}_912345678900001"))

    assert [i.platform_id for p in pages for i in p.items] == [POST_ID]
    assert pages[-1].cursor is None
    assert len(httpserver.log) == 1


def test_cursor_resumes_after_the_page(connector, two_pages):
    cursor = next(connector.fetch_posts()).cursor

    pages = list(connector.fetch_posts(cursor=json.loads(json.dumps(cursor))))

    assert [i.platform_id for p in pages for i in p.items] == [f"{PAGE_ID}_912345678800002"]


def test_fetch_comments_reads_the_stream_with_parents(connector, serve):
    query = {"filter": "stream", "order": "chronological", "fields": COMMENT_FIELDS, "limit": "50"}
    serve(f"{POST_ID}/comments", "comments_page1.json", {**query, "access_token": TOKEN})
    serve(
        f"{POST_ID}/comments", "comments_page2.json", {**query, "after": "QVFIUnRqZA2", "access_token": TOKEN}
    )

    pages = list(connector.fetch_comments(POST_ID))

    items = [i for p in pages for i in p.items]
    assert [(i.kind, i.parent_id, i.is_own) for i in items] == [
        (ItemKind.COMMENT, POST_ID, False),
        (ItemKind.REPLY, "912345678901234_1122334455667788", True),
        (ItemKind.COMMENT, POST_ID, False),
    ]
    assert items[0].author.name == "Anna Öberg"
    assert items[2].author is None  # Graph withholds "from" for people who have not allowed the app
    assert items[2].raw["is_hidden"] is True
    assert items[2].media[0].url == "https://scontent.xx.fbcdn.net/v/t39.1997-6/sticker.png"
    assert {i.thread_id for i in items} == {POST_ID}


def test_fetch_item_of_a_comment(connector, serve):
    serve(
        "912345678901234_1122334455667799", "comment.json", {"fields": COMMENT_FIELDS, "access_token": TOKEN}
    )

    item = connector.fetch_item("912345678901234_1122334455667799")

    assert (item.kind, item.thread_id, item.is_own) == (ItemKind.REPLY, POST_ID, True)


def test_fetch_item_of_a_deleted_comment_raises_not_found(connector, serve):
    serve("912345678901234_1122334455667788", "error_deleted.json", status=400)

    with pytest.raises(NotFound, match="does not exist"):
        connector.fetch_item("912345678901234_1122334455667788")


def test_page_throttling_raises_rate_limited_with_the_usage_estimate(connector, serve, httpserver):
    usage = {
        PAGE_ID: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 20,
                "estimated_time_to_regain_access": 17,
            }
        ]
    }
    serve(
        f"{PAGE_ID}/posts",
        "error_page_rate_limit.json",
        status=403,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )

    with pytest.raises(RateLimited, match="Page request limit reached") as e:
        list(connector.fetch_posts())
    assert e.value.retry_after == 17 * 60
    assert len(httpserver.log) == 1


def test_throttling_without_estimate_waits_the_default(connector, serve):
    serve(
        f"{PAGE_ID}/posts",
        "error_page_rate_limit.json",
        status=403,
        headers={"X-App-Usage": '{"call_count":100,"total_cputime":25,"total_time":25}'},
    )

    with pytest.raises(RateLimited) as e:
        list(connector.fetch_posts())
    assert e.value.retry_after == 600


def test_expired_token_raises_credentials_invalid(connector, serve):
    serve(f"{PAGE_ID}/posts", "error_token_expired.json", status=400)

    with pytest.raises(CredentialsInvalid, match="Session has expired") as e:
        list(connector.fetch_posts())
    assert TOKEN not in str(e.value)


def test_next_link_to_another_host_is_refused(connector, httpserver, recorded):
    body = recorded("facebook", "posts_page1.json").replace(
        RECORDED_BASE, b"https://graph.evil.example/v21.0"
    )
    httpserver.expect_request(f"/v21.0/{PAGE_ID}/posts").respond_with_data(
        body, content_type="application/json"
    )

    with pytest.raises(MalformedResponse, match="graph.evil.example"):
        list(connector.fetch_posts())


def test_fetch_profile(connector, serve):
    serve(PAGE_ID, "page.json", {"fields": "followers_count,fan_count", "access_token": TOKEN})

    assert connector.fetch_profile().followers_count == 18342


def test_publish_reply(connector, serve, httpserver):
    parent = "912345678901234_1122334455667788"
    serve(f"{parent}/comments", "comments_empty.json")
    serve(f"{parent}/comments", "comment_created.json", method="POST")
    serve("912345678901234_1122334455667811", "comment_published.json")

    published = connector.publish_reply(parent, "Hej Anna! Nu är Storgatan plogad.")

    # Graph answers with the id; the reply is then read as the harvest will read it.
    item = published.item
    assert item.platform_id == "912345678901234_1122334455667811" and item.is_own and item.kind == "reply"
    assert item.thread_id == POST_ID and item.parent_id == parent
    assert item.permalink.endswith("comment_id=1122334455667811")
    assert item.text == "Hej Anna! Nu är Storgatan plogad."
    post = next(request for request, _ in httpserver.log if request.method == "POST")
    assert post.form.to_dict() == {"message": "Hej Anna! Nu är Storgatan plogad."}
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "access_token" not in post.args


def test_a_reply_already_posted_is_found_not_posted_again(connector, serve, httpserver):
    """Graph has no idempotency key: a task run again after its worker died between Graph's answer and
    the commit finds the Page's reply under the comment (not someone else's with the same words)."""
    parent = "912345678901234_1122334455667788"
    serve(f"{parent}/comments", "replies_with_own.json")

    published = connector.publish_reply(parent, "Hej Anna!  Nu är Storgatan plogad.")

    assert published.item.platform_id == "912345678901234_1122334455667811"
    assert all(request.method == "GET" for request, _ in httpserver.log)  # nothing posted


def test_a_reply_graph_accepted_but_does_not_describe_is_still_published(connector, serve, httpserver):
    parent = "912345678901234_1122334455667788"
    serve(f"{parent}/comments", "comments_empty.json")
    serve(f"{parent}/comments", "comment_created.json", method="POST")
    serve("912345678901234_1122334455667811", "error_page_rate_limit.json", status=400)

    published = connector.publish_reply(parent, "Hej Anna!")

    assert published.item.platform_id == "912345678901234_1122334455667811" and published.item.is_own
    assert published.item.thread_id == POST_ID


def test_hide_comment(connector, serve, httpserver):
    serve("912345678901234_1122334455667788", "success.json", method="POST")

    connector.hide_comment("912345678901234_1122334455667788")

    assert httpserver.log[0][0].form.to_dict() == {"is_hidden": "true"}


def test_a_link_without_a_picture_has_no_media(connector, serve, httpserver):
    body = json.loads(serve(f"{PAGE_ID}/posts", "posts_page1.json", {"fields": POST_FIELDS, "limit": "50"}))
    link = body["data"][1]["attachments"]["data"][0]
    del link["media"]
    httpserver.clear()
    httpserver.expect_request(f"/v21.0/{PAGE_ID}/posts").respond_with_json({"data": body["data"]})

    post = next(connector.fetch_posts()).items[1]

    assert post.media == ()


def test_a_post_without_from_is_the_pages_own(base, fast_session, httpserver):
    connector = FacebookConnector(
        base_url=base, platform_id=PAGE_ID, handle="Norrviks kommun", credentials={"access_token": TOKEN},
        session=fast_session,
    )  # fmt: skip
    httpserver.expect_request(f"/v21.0/{PAGE_ID}/posts").respond_with_json(
        {"data": [{"id": POST_ID, "message": "Hej", "created_time": "2024-11-20T06:45:12+0000"}]}
    )

    post = next(connector.fetch_posts()).items[0]

    assert (post.author.name, post.author.platform_id, post.is_own) == ("Norrviks kommun", PAGE_ID, True)


@pytest.mark.parametrize(
    ("header", "usage", "wait"),
    [
        ("X-App-Usage", {"call_count": 96, "total_cputime": 20, "total_time": 30}, 600),
        ("X-App-Usage", {"call_count": 40, "total_cputime": 95, "total_time": 30}, 600),
        (
            "X-Business-Use-Case-Usage",
            {
                PAGE_ID: [
                    {
                        "type": "pages",
                        "call_count": 12,
                        "total_cputime": 3,
                        "total_time": 97,
                        "estimated_time_to_regain_access": 7,
                    }
                ]
            },
            7 * 60,
        ),
        (
            "X-Ad-Account-Usage",
            {"acc_id_util_pct": 99.2, "reset_time_duration": 240, "ads_api_access_tier": "standard_access"},
            240,
        ),
    ],
)
def test_usage_at_95_percent_stops_before_the_next_request(connector, serve, httpserver, header, usage, wait):
    first = serve(f"{PAGE_ID}/posts", "posts_page1.json", headers={header: json.dumps(usage)})

    pages = connector.fetch_posts()
    page = next(pages)
    with pytest.raises(RateLimited) as e:
        next(pages)

    assert [i.platform_id for i in page.items] == [p["id"] for p in json.loads(first)["data"]]
    assert wait - 5 < e.value.retry_after <= wait
    assert len(httpserver.log) == 1  # the second page was not asked for


def test_usage_below_95_percent_goes_on(connector, two_pages, httpserver):
    httpserver.clear()
    # The same two pages, each answer reporting a high but not exhausted usage.
    usage = {"X-App-Usage": json.dumps({"call_count": 94, "total_cputime": 60, "total_time": 80})}
    body1 = json.dumps(two_pages).replace("https://graph.facebook.com/v21.0", httpserver.url_for("/v21.0"))
    httpserver.expect_request(
        f"/v21.0/{PAGE_ID}/posts", query_string={"fields": POST_FIELDS, "limit": "50"}
    ).respond_with_data(body1, headers=usage, content_type="application/json")
    httpserver.expect_request(f"/v21.0/{PAGE_ID}/posts").respond_with_json({"data": []}, headers=usage)

    assert len(list(connector.fetch_posts())) == 2


def test_throttling_with_retry_after_waits_that_long(connector, serve):
    serve(f"{PAGE_ID}/posts", "error_page_rate_limit.json", status=403, headers={"Retry-After": "1800"})

    with pytest.raises(RateLimited) as e:
        list(connector.fetch_posts())
    assert e.value.retry_after == 1800


NEW_POST = f"{PAGE_ID}_912345699100002"
JULMARKNAD = "Julmarknad på Torget på lördag kl. 11–16! Välkommen med hela familjen."
OWN_POSTS = {"fields": POST_FIELDS, "limit": "25"}


def test_publish_post_with_a_photo_and_a_link(connector, serve, httpserver):
    serve(f"{PAGE_ID}/posts", "posts_page1.json", OWN_POSTS)  # not published yet
    serve(f"{PAGE_ID}/photos", "photo_uploaded.json", method="POST")
    serve(f"{PAGE_ID}/feed", "post_created.json", method="POST")
    serve(NEW_POST, "post_published.json", {"fields": POST_FIELDS})
    photo = Upload("torget.jpg", "image/jpeg", b"\xff\xd8 torget", "Marknadsstånd med julgranar på Torget")

    published = connector.publish_post(
        JULMARKNAD, media=[photo], link="https://norrvik.se/julmarknad", key="p1"
    )

    item = published.item
    assert (item.kind, item.is_own, item.platform_id) == (ItemKind.POST, True, NEW_POST)
    assert item.permalink == "https://www.facebook.com/norrvikskommun/posts/pfbid0JulMarknad2024"
    assert item.media[0].alt_text == "Marknadsstånd med julgranar på Torget"
    posts = [request for request, _ in httpserver.log if request.method == "POST"]
    upload, feed = posts
    # The photo goes up unpublished, with its description, and is attached to the one post.
    assert upload.form.to_dict() == {
        "published": "false",
        "alt_text_custom": "Marknadsstånd med julgranar på Torget",
    }
    assert upload.files["source"].read() == b"\xff\xd8 torget"
    assert upload.files["source"].content_type == "image/jpeg"
    assert feed.form.to_dict() == {
        "message": f"{JULMARKNAD}\n\nhttps://norrvik.se/julmarknad",
        "attached_media[0]": '{"media_fbid": "912345699000001"}',
    }
    assert all(
        r.headers["Authorization"] == f"Bearer {TOKEN}" and "access_token" not in r.args for r in posts
    )


def test_publish_post_with_a_link_preview(connector, serve, httpserver):
    serve(f"{PAGE_ID}/posts", "posts_page1.json", OWN_POSTS)
    serve(f"{PAGE_ID}/feed", "post_created.json", method="POST")
    serve(NEW_POST, "error_page_rate_limit.json", {"fields": POST_FIELDS}, status=400)

    published = connector.publish_post(JULMARKNAD, link="https://norrvik.se/julmarknad")

    feed = next(request for request, _ in httpserver.log if request.method == "POST")
    assert feed.form.to_dict() == {"message": JULMARKNAD, "link": "https://norrvik.se/julmarknad"}
    # Graph accepted it but would not describe it yet: the id is enough for the harvest to fill in.
    assert (published.item.platform_id, published.item.kind, published.item.is_own) == (
        NEW_POST,
        "post",
        True,
    )


def test_a_post_already_published_is_found_not_posted_again(connector, serve, httpserver):
    serve(f"{PAGE_ID}/posts", "posts_with_published.json", OWN_POSTS)
    photo = Upload("torget.jpg", "image/jpeg", b"jpeg", "Marknadsstånd med julgranar på Torget")

    published = connector.publish_post(JULMARKNAD, media=[photo], link="https://norrvik.se/julmarknad")

    assert published.item.platform_id == NEW_POST and published.item.is_own
    assert all(request.method == "GET" for request, _ in httpserver.log)  # nothing uploaded or posted


def test_a_refused_token_stops_publishing_with_a_credentials_error(connector, serve, httpserver):
    serve(f"{PAGE_ID}/posts", "error_token_expired.json", OWN_POSTS, status=400)

    with pytest.raises(CredentialsInvalid) as refused:
        connector.publish_post(JULMARKNAD)

    assert TOKEN not in str(refused.value) and "Session has expired" in str(refused.value)
    assert all(request.method == "GET" for request, _ in httpserver.log)
