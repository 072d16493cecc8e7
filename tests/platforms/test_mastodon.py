import json
from datetime import UTC, datetime, timedelta

import pytest

from platforms.base import (
    CredentialsInvalid,
    ItemKind,
    MalformedResponse,
    Media,
    NotFound,
    NotSupported,
    RateLimited,
)
from platforms.mastodon import MastodonConnector

ACCOUNT_ID = "109318473626781234"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
FIRST_PAGE_QUERY = {"exclude_reblogs": "true", "exclude_replies": "true", "limit": "40"}


@pytest.fixture
def connector(httpserver, fast_session):
    return MastodonConnector(
        base_url=httpserver.url_for("/"),
        platform_id=ACCOUNT_ID,
        handle="norrvikskommun",
        session=fast_session,
    )


@pytest.fixture
def two_pages(httpserver, recorded):
    next_url = httpserver.url_for(STATUSES) + "?exclude_reblogs=true&limit=40&max_id=113510000000000002"
    httpserver.expect_request(STATUSES, query_string=FIRST_PAGE_QUERY).respond_with_data(
        recorded("mastodon", "statuses_page1.json"),
        headers={"Link": f'<{next_url}>; rel="next", <{httpserver.url_for(STATUSES)}?min_id=1>; rel="prev"'},
        content_type="application/json",
    )
    httpserver.expect_request(
        STATUSES, query_string={"exclude_reblogs": "true", "limit": "40", "max_id": "113510000000000002"}
    ).respond_with_data(recorded("mastodon", "statuses_page2.json"), content_type="application/json")
    return next_url


def test_fetch_posts_follows_link_header(connector, two_pages, recorded, recorded_json):
    pages = list(connector.fetch_posts())

    assert [len(p.items) for p in pages] == [2, 1]
    assert pages[0].cursor == {"next": two_pages}
    assert pages[1].cursor is None
    assert pages[0].response.body == recorded("mastodon", "statuses_page1.json")
    assert pages[0].response.status == 200

    post = pages[0].items[0]
    assert post.kind == ItemKind.POST
    assert post.platform_id == post.thread_id == "113520000000000003"
    assert post.parent_id is None
    assert post.is_own
    assert post.author.handle == "norrvikskommun"
    assert post.author.name == "Norrviks kommun"
    assert post.text_format == "html"
    assert post.text.startswith("<p>Snöröjningen är i full gång ❄️🚜")
    assert post.published_at == datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC)
    assert post.edited_at == datetime(2024, 11, 20, 7, 2, 40, tzinfo=UTC)
    assert post.permalink == "https://mastodon.social/@norrvikskommun/113520000000000003"
    assert post.media[0].type == "image"
    assert post.media[0].alt_text == "Plogbil på Storgatan i snöfall, tidig morgon"
    assert post.raw == recorded_json("mastodon", "statuses_page1.json")[0]
    assert pages[0].items[1].edited_at is None
    assert pages[1].items[0].media[0].type == "video"


def test_reading_needs_no_token(connector, two_pages, httpserver):
    list(connector.fetch_posts())

    assert all("Authorization" not in request.headers for request, _ in httpserver.log)


def test_token_goes_in_a_header_never_in_the_url(httpserver, two_pages, fast_session):
    connector = MastodonConnector(
        base_url=httpserver.url_for("/"),
        platform_id=ACCOUNT_ID,
        credentials={"access_token": "s3cret-token"},
        session=fast_session,
    )

    pages = list(connector.fetch_posts())

    assert [r.headers["Authorization"] for r, _ in httpserver.log] == ["Bearer s3cret-token"] * 2
    assert all("s3cret" not in page.response.url for page in pages)


def test_account_id_is_looked_up_from_the_handle(httpserver, two_pages, recorded, fast_session):
    httpserver.expect_request(
        "/api/v1/accounts/lookup", query_string={"acct": "norrvikskommun"}
    ).respond_with_data(recorded("mastodon", "account.json"), content_type="application/json")
    connector = MastodonConnector(
        base_url=httpserver.url_for("/"), handle="@norrvikskommun", session=fast_session
    )

    pages = list(connector.fetch_posts())

    assert connector.platform_id == ACCOUNT_ID
    assert len(pages) == 2


def test_since_stops_at_the_high_water_mark(connector, httpserver, recorded):
    httpserver.expect_request(
        STATUSES, query_string={**FIRST_PAGE_QUERY, "since_id": "113510000000000002"}
    ).respond_with_data(
        recorded("mastodon", "statuses_page1.json"),
        headers={"Link": f'<{httpserver.url_for(STATUSES)}?max_id=113510000000000002>; rel="next"'},
        content_type="application/json",
    )

    pages = list(connector.fetch_posts(since="113510000000000002"))

    assert [item.platform_id for page in pages for item in page.items] == ["113520000000000003"]
    assert pages[-1].cursor is None
    assert len(httpserver.log) == 1


def test_cursor_resumes_after_the_page(connector, two_pages):
    pages = list(connector.fetch_posts(cursor={"next": two_pages}))

    assert [item.platform_id for page in pages for item in page.items] == ["113500000000000001"]


def test_next_link_to_another_host_is_refused(connector, httpserver, recorded):
    httpserver.expect_request(STATUSES).respond_with_data(
        recorded("mastodon", "statuses_page1.json"),
        headers={"Link": '<https://evil.example/api/v1/accounts/1/statuses?max_id=1>; rel="next"'},
        content_type="application/json",
    )

    with pytest.raises(MalformedResponse, match="evil.example"):
        list(connector.fetch_posts())


def test_fetch_comments_normalises_the_thread(connector, httpserver, recorded, recorded_json):
    httpserver.expect_request("/api/v1/statuses/113520000000000003/context").respond_with_data(
        recorded("mastodon", "context.json"), content_type="application/json"
    )

    [page] = connector.fetch_comments("113520000000000003")

    assert page.cursor is None
    summary = [(i.platform_id, i.kind, i.parent_id, i.is_own) for i in page.items]
    assert summary == [
        ("113520100000000010", ItemKind.COMMENT, "113520000000000003", False),
        ("113520200000000011", ItemKind.REPLY, "113520100000000010", True),
        ("113520300000000012", ItemKind.REPLY, "113520200000000011", False),
        ("113520400000000013", ItemKind.COMMENT, "113520000000000003", False),
    ]
    assert {i.thread_id for i in page.items} == {"113520000000000003"}
    comment = page.items[0]
    # Stored exactly as received: sanitising is the display layer's job.
    assert (
        comment.text
        == '<p>Varför är inte Storgatan plogad än? Bussen kom inte fram 😡</p><script>alert("hej")</script>'
    )
    assert comment.raw == recorded_json("mastodon", "context.json")["descendants"][0]
    assert comment.author.handle == "anna@social.example"
    assert page.items[2].author.name == "erik"  # no display name: fall back to the username
    assert page.items[2].edited_at == datetime(2024, 11, 20, 8, 20, 31, tzinfo=UTC)
    assert page.items[3].media[0].alt_text == ""


def test_fetch_item_finds_the_thread_root(connector, httpserver, recorded):
    httpserver.expect_request("/api/v1/statuses/113520300000000012").respond_with_data(
        recorded("mastodon", "status_reply.json"), content_type="application/json"
    )
    httpserver.expect_request("/api/v1/statuses/113520300000000012/context").respond_with_data(
        recorded("mastodon", "context_reply.json"), content_type="application/json"
    )

    item = connector.fetch_item("113520300000000012")

    assert (item.kind, item.thread_id, item.parent_id) == (
        ItemKind.REPLY,
        "113520000000000003",
        "113520200000000011",
    )


def test_fetch_item_of_a_deleted_status_raises_not_found(connector, httpserver, recorded):
    httpserver.expect_request("/api/v1/statuses/113520100000000010").respond_with_data(
        recorded("mastodon", "not_found.json"), status=404, content_type="application/json"
    )

    with pytest.raises(NotFound, match="Record not found"):
        connector.fetch_item("113520100000000010")


def test_429_raises_rate_limited_with_retry_after(connector, httpserver, recorded):
    httpserver.expect_request(STATUSES).respond_with_data(
        recorded("mastodon", "too_many_requests.json"),
        status=429,
        headers={"Retry-After": "120", "X-RateLimit-Remaining": "0"},
        content_type="application/json",
    )

    with pytest.raises(RateLimited) as e:
        list(connector.fetch_posts())
    assert e.value.retry_after == 120
    assert len(httpserver.log) == 1  # not retried


def test_429_without_retry_after_waits_until_the_reset(connector, httpserver, recorded):
    reset = (datetime.now(UTC) + timedelta(minutes=4)).isoformat()
    httpserver.expect_request(STATUSES).respond_with_data(
        recorded("mastodon", "too_many_requests.json"), status=429, headers={"X-RateLimit-Reset": reset}
    )

    with pytest.raises(RateLimited) as e:
        list(connector.fetch_posts())
    assert 230 < e.value.retry_after <= 240


def test_used_up_window_stops_before_the_next_request(connector, httpserver, recorded):
    reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    httpserver.expect_request(STATUSES).respond_with_data(
        recorded("mastodon", "statuses_page1.json"),
        headers={
            "Link": f'<{httpserver.url_for(STATUSES)}?max_id=1>; rel="next"',
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
        },
        content_type="application/json",
    )

    pages = connector.fetch_posts()
    first = next(pages)
    with pytest.raises(RateLimited) as e:
        next(pages)

    assert len(first.items) == 2  # the page we already have is not lost
    assert 290 < e.value.retry_after <= 300
    assert len(httpserver.log) == 1


def test_invalid_token(httpserver, recorded, fast_session):
    httpserver.expect_request(f"/api/v1/accounts/{ACCOUNT_ID}").respond_with_data(
        recorded("mastodon", "invalid_token.json"), status=401, content_type="application/json"
    )
    connector = MastodonConnector(
        base_url=httpserver.url_for("/"),
        platform_id=ACCOUNT_ID,
        credentials={"access_token": "old"},
        session=fast_session,
    )

    with pytest.raises(CredentialsInvalid, match="The access token is invalid"):
        connector.fetch_profile()


def test_fetch_profile(connector, httpserver, recorded):
    httpserver.expect_request(f"/api/v1/accounts/{ACCOUNT_ID}").respond_with_data(
        recorded("mastodon", "account.json"), content_type="application/json"
    )

    assert connector.fetch_profile().followers_count == 2417


def test_publish_reply(httpserver, recorded, fast_session):
    httpserver.expect_request("/api/v1/statuses/113520400000000013/context").respond_with_json(
        {"ancestors": [], "descendants": []}
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_data(
        recorded("mastodon", "posted_reply.json"), content_type="application/json"
    )
    connector = MastodonConnector(
        base_url=httpserver.url_for("/"),
        platform_id=ACCOUNT_ID,
        credentials={"access_token": "tok"},
        session=fast_session,
    )

    published = connector.publish_reply(
        "113520400000000013", "Tack Lena! Vi hälsar till plogförarna.", thread_id="113520100000000010"
    )

    # The platform's answer is the reply as the harvest will read it: an own reply in the thread.
    item = published.item
    assert item.platform_id == "113520500000000014" and item.is_own and item.kind == "reply"
    assert item.parent_id == "113520400000000013" and item.thread_id == "113520100000000010"
    assert item.permalink == "https://mastodon.social/@norrvikskommun/113520500000000014"
    assert item.text == "<p>Tack Lena! Vi hälsar till plogförarna.</p>"
    assert published.response.status == 200
    request, _ = httpserver.log[1]
    assert request.form.to_dict() == {
        "status": "Tack Lena! Vi hälsar till plogförarna.",
        "in_reply_to_id": "113520400000000013",
    }
    assert request.headers["Authorization"] == "Bearer tok"
    assert len(request.headers["Idempotency-Key"]) == 64


def test_a_reply_already_posted_is_found_not_posted_again(httpserver, recorded, fast_session):
    """A server that ignores Idempotency-Key, and a task run again after its worker died between the
    server's answer and the commit: the reply under the comment is found instead of posted twice."""
    posted = json.loads(recorded("mastodon", "posted_reply.json"))
    httpserver.expect_request("/api/v1/statuses/113520400000000013/context").respond_with_json(
        {"ancestors": [], "descendants": [posted]}
    )
    connector = MastodonConnector(
        base_url=httpserver.url_for("/"),
        platform_id=posted["account"]["id"],
        credentials={"access_token": "tok"},
        session=fast_session,
    )

    published = connector.publish_reply(posted["in_reply_to_id"], "Tack Lena!  Vi hälsar till plogförarna.")

    assert published.item.platform_id == posted["id"]
    assert all(request.method == "GET" for request, _ in httpserver.log)  # nothing posted


def test_publish_reply_needs_a_token(connector):
    with pytest.raises(CredentialsInvalid):
        connector.publish_reply("113520400000000013", "Hej")


def test_hiding_is_not_supported(connector):
    with pytest.raises(NotSupported):
        connector.hide_comment("113520100000000010")


def test_media_of_unknown_type(connector):
    attachment = {"type": "unknown", "url": None, "remote_url": "https://x.example/a.bin"}
    assert connector._item(_status_with(attachment), "1").media == (
        Media("https://x.example/a.bin", "other", ""),
    )


def _status_with(attachment):
    return {
        "id": "1",
        "in_reply_to_id": None,
        "account": {"id": ACCOUNT_ID, "display_name": "", "username": "n", "acct": "n"},
        "content": "",
        "media_attachments": [attachment],
        "url": None,
        "uri": "https://mastodon.social/users/n/statuses/1",
        "created_at": "2024-11-20T06:45:12.000Z",
    }


def test_fetch_history_gives_every_version_oldest_first_as_html(connector, httpserver, recorded):
    path = "/api/v1/statuses/113520000000000003/history"
    httpserver.expect_request(path).respond_with_data(
        recorded("mastodon", "history_113520000000000003.json"), content_type="application/json"
    )

    history = connector.fetch_history("113520000000000003")

    assert history.response.url.endswith(path)
    assert [v.at for v in history.versions] == [
        datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC),
        datetime(2024, 11, 20, 6, 51, 3, tzinfo=UTC),
        datetime(2024, 11, 20, 7, 2, 40, tzinfo=UTC),
    ]
    assert history.versions[0].text == "<p>Snöröjningen är i full gång ❄️ Huvudgator plogas först.</p>"
    assert history.versions[0].media == ()
    assert history.versions[1].media[0].type == "image"
    assert history.versions[2].raw["created_at"] == "2024-11-20T07:02:40.000Z"


def test_a_history_of_the_wrong_shape_is_malformed(connector, httpserver):
    httpserver.expect_request("/api/v1/statuses/1/history").respond_with_json({"content": "<p>x</p>"})

    with pytest.raises(MalformedResponse):
        connector.fetch_history("1")


def test_read_tag_reads_the_public_hashtag_timeline(connector, httpserver, recorded):
    httpserver.expect_request(
        "/api/v1/timelines/tag/forshaga", query_string={"limit": "40"}
    ).respond_with_data(recorded("mastodon", "tag_forshaga.json"), content_type="application/json")
    page = connector.read_tag("#forshaga")
    assert [(i.platform_id, i.kind, i.is_own) for i in page.items] == [
        ("113600000000000212", ItemKind.POST, False),
        ("113600000000000198", ItemKind.POST, False),
    ]
    assert page.items[1].permalink == "https://mastodon.example/@klaralven/113600000000000198"


def test_search_public_where_the_instance_refuses_is_a_typed_error(connector, httpserver, recorded):
    httpserver.expect_request("/api/v2/search").respond_with_data(
        recorded("mastodon", "invalid_token.json"), status=401, content_type="application/json"
    )
    with pytest.raises(CredentialsInvalid):
        connector.search_public("Forshagabron")
