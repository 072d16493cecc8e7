import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from platforms.base import CredentialsInvalid, ItemKind, NotFound, NotSupported, RateLimited
from platforms.youtube import YouTubeConnector, seconds_until_quota_reset

CHANNEL = "UCn0rrv1kK0mmunXyZ12abCd"
UPLOADS = "UUn0rrv1kK0mmunXyZ12abCd"
KEY = "AIzaSyD-s3cret-key"
VIDEO = "dQw4w9WgXcQ"
THREAD = "UgzAnnaSnoRojning1AaABAg"
PLAYLIST_QUERY = {"part": "snippet,contentDetails", "playlistId": UPLOADS, "maxResults": "50", "key": KEY}
THREADS_QUERY = {
    "part": "snippet,replies",
    "videoId": VIDEO,
    "textFormat": "plainText",
    "maxResults": "100",
    "key": KEY,
}


@pytest.fixture
def connector(httpserver, fast_session):
    return YouTubeConnector(
        base_url=httpserver.url_for("/youtube/v3"),
        platform_id=CHANNEL,
        credentials={"key": KEY},
        session=fast_session,
    )


@pytest.fixture
def serve(httpserver, recorded):
    def serve(resource, name, query=None, status=200, method="GET"):
        # The API key travels as a header, never in the URL.
        query = dict(query) if query else query
        headers = {"X-Goog-Api-Key": query.pop("key")} if query and "key" in query else None
        httpserver.expect_request(
            f"/youtube/v3/{resource}", query_string=query, method=method, headers=headers
        ).respond_with_data(
            recorded("youtube", name), status=status, content_type="application/json; charset=UTF-8"
        )

    return serve


@pytest.fixture
def uploads(serve):
    serve("channels", "channels.json", {"part": "contentDetails,statistics", "id": CHANNEL, "key": KEY})
    serve("playlistItems", "playlist_items_page1.json", PLAYLIST_QUERY)
    serve("playlistItems", "playlist_items_page2.json", {**PLAYLIST_QUERY, "pageToken": "EAAajgFQVDpDQUk"})


def test_fetch_posts_pages_through_the_uploads_playlist(connector, uploads, recorded_json):
    pages = list(connector.fetch_posts())

    # The private video's placeholder is skipped.
    assert [[i.platform_id for i in p.items] for p in pages] == [[VIDEO, "b1bL1otEk42"], ["v4dErStAt10"]]
    assert pages[0].cursor == {"playlist_id": UPLOADS, "page_token": "EAAajgFQVDpDQUk"}
    assert pages[1].cursor is None
    video = pages[0].items[0]
    assert (video.kind, video.is_own, video.thread_id) == (ItemKind.POST, True, VIDEO)
    assert video.text.startswith("Snöröjning i Norrvik – så prioriterar vi\n\nHuvudgator")
    assert video.permalink == f"https://www.youtube.com/watch?v={VIDEO}"
    assert video.published_at == datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC)
    assert video.media[0].url == f"https://i.ytimg.com/vi/{VIDEO}/maxresdefault.jpg"
    assert video.raw == recorded_json("youtube", "playlist_items_page1.json")["items"][0]


def test_key_is_sent_and_stripped(connector, uploads, httpserver):
    pages = list(connector.fetch_posts())

    assert {r.headers["X-Goog-Api-Key"] for r, _ in httpserver.log} == {KEY}
    assert all("key" not in r.args for r, _ in httpserver.log)
    assert all("key=" not in p.response.url for p in pages)
    assert "playlistId=UUn0rrv1kK0mmunXyZ12abCd" in pages[0].response.url


def test_since_and_resume(connector, uploads, httpserver):
    assert [i.platform_id for p in connector.fetch_posts(since="b1bL1otEk42") for i in p.items] == [VIDEO]

    httpserver.clear_log()
    cursor = {"playlist_id": UPLOADS, "page_token": "EAAajgFQVDpDQUk"}
    assert [i.platform_id for p in connector.fetch_posts(cursor=cursor) for i in p.items] == ["v4dErStAt10"]
    assert len(httpserver.log) == 1  # the playlist id came with the cursor


def test_fetch_comments_completes_threads_with_comments_list(connector, serve):
    serve("commentThreads", "comment_threads_page1.json", THREADS_QUERY)
    serve("commentThreads", "comment_threads_page2.json", {**THREADS_QUERY, "pageToken": "QURTSl9pMnVmR3c"})
    replies_query = {
        "part": "snippet",
        "parentId": THREAD,
        "textFormat": "plainText",
        "maxResults": "100",
        "key": KEY,
    }
    serve("comments", "comments_replies.json", replies_query)

    pages = list(connector.fetch_comments(VIDEO))

    assert [p.cursor for p in pages] == [{}, {"page_token": "QURTSl9pMnVmR3c"}, None]
    first = pages[0].items
    assert [(i.kind, i.parent_id) for i in first] == [
        (ItemKind.COMMENT, VIDEO),
        (ItemKind.REPLY, THREAD),
        (ItemKind.REPLY, THREAD),
        (ItemKind.COMMENT, VIDEO),
    ]
    own = first[2]
    assert own.is_own and own.author.handle == "@norrvikskommun"
    assert first[0].text == "Varför är inte Storgatan plogad än? Bussen kom inte fram 😡"
    assert first[0].permalink == f"https://www.youtube.com/watch?v={VIDEO}&lc={THREAD}"
    assert first[1].edited_at == datetime(2024, 11, 20, 8, 20, 31, tzinfo=UTC)
    assert first[0].edited_at is None
    assert [i.platform_id for i in pages[1].items][-1] == f"{THREAD}.A1b2C3d4E7h"  # the reply not inlined
    assert pages[2].items[0].edited_at is not None


def test_the_comment_text_is_the_original_not_the_display_text(connector, httpserver, recorded):
    threads = json.loads(recorded("youtube", "comment_threads_page1.json"))
    snippet = threads["items"][0]["snippet"]["topLevelComment"]["snippet"]
    snippet["textOriginal"] = "Storgatan & <Åsvägen>: *plogas* när?"
    snippet["textDisplay"] = "Storgatan &amp; &lt;Åsvägen&gt;: <b>plogas</b> när?"
    httpserver.expect_request("/youtube/v3/commentThreads").respond_with_json(threads)
    httpserver.expect_request("/youtube/v3/comments").respond_with_json({"items": []})

    first = next(connector.fetch_comments(VIDEO)).items[0]

    assert first.text == "Storgatan & <Åsvägen>: *plogas* när?" and first.text_format == "plain"


def test_comments_disabled_yields_an_empty_page(connector, serve):
    serve("commentThreads", "error_comments_disabled.json", THREADS_QUERY, status=403)

    [page] = connector.fetch_comments(VIDEO)

    assert page.items == [] and page.cursor is None and page.response.status == 403


def test_quota_exceeded_waits_until_midnight_pacific(connector, serve):
    serve("commentThreads", "error_quota_exceeded.json", status=403)

    with pytest.raises(RateLimited, match="quota") as e:
        list(connector.fetch_comments(VIDEO))
    assert abs(e.value.retry_after - seconds_until_quota_reset()) < 5


def test_seconds_until_quota_reset():
    pacific = ZoneInfo("America/Los_Angeles")
    assert seconds_until_quota_reset(datetime(2024, 11, 20, 23, 0, tzinfo=pacific)) == 3600
    # 08:00 in Stockholm is 23:00 the day before in California.
    assert seconds_until_quota_reset(datetime(2024, 11, 21, 7, 0, tzinfo=UTC)) == 3600


def test_invalid_key(connector, serve):
    serve("channels", "error_key_invalid.json", status=400)

    with pytest.raises(CredentialsInvalid, match="API key not valid") as e:
        connector.fetch_profile()
    assert KEY not in str(e.value)


def test_video_not_found(connector, serve):
    serve("commentThreads", "error_video_not_found.json", status=404)

    with pytest.raises(NotFound):
        list(connector.fetch_comments(VIDEO))


def test_fetch_item_of_a_comment_and_of_a_deleted_one(connector, serve):
    reply_id = f"{THREAD}.A1b2C3d4E6g"
    serve(
        "comments",
        "comments_by_id.json",
        {"part": "snippet", "id": reply_id, "textFormat": "plainText", "key": KEY},
    )
    serve(
        "comments",
        "comments_empty.json",
        {"part": "snippet", "id": "UgwGone", "textFormat": "plainText", "key": KEY},
    )

    item = connector.fetch_item(reply_id)
    assert (item.kind, item.parent_id, item.thread_id) == (ItemKind.REPLY, THREAD, VIDEO)
    with pytest.raises(NotFound):
        connector.fetch_item("UgwGone")


def test_fetch_profile(connector, serve):
    serve("channels", "channels.json")

    assert connector.fetch_profile().followers_count == 3870


def test_a_run_asks_for_the_channel_once(connector, uploads, httpserver):
    connector.fetch_profile()
    list(connector.fetch_posts())

    assert [request.path for request, _ in httpserver.log].count("/youtube/v3/channels") == 1


def test_community_posts_are_published_by_hand(httpserver, fast_session):
    connector = YouTubeConnector(
        base_url=httpserver.url_for("/youtube/v3"),
        platform_id=CHANNEL,
        credentials={"key": KEY, "oauth_token": "ya29.owner"},
        session=fast_session,
    )

    assert not connector.publishes_posts
    with pytest.raises(NotSupported, match="community posts.*by hand"):
        connector.publish_post("Ny film om snöröjningen!", link="https://youtu.be/dQw4w9WgXcQ")
    assert httpserver.log == []


def test_acting_as_the_channel_needs_oauth(connector):
    with pytest.raises(NotSupported):
        connector.publish_reply(THREAD, "Hej")
    with pytest.raises(NotSupported):
        connector.hide_comment(THREAD)


def test_a_reply_already_posted_is_found_not_posted_again(httpserver, serve, fast_session):
    serve(
        "comments",
        "comments_replies_with_own.json",
        {"part": "snippet", "parentId": THREAD, "textFormat": "plainText", "maxResults": "100"},
    )
    connector = YouTubeConnector(
        base_url=httpserver.url_for("/youtube/v3"),
        platform_id=CHANNEL,
        credentials={"oauth_token": "ya29.tok"},
        session=fast_session,
    )

    published = connector.publish_reply(THREAD, "Tack Erik,  vi skickar en sandbil.", thread_id="dQw4w9WgXcQ")

    assert published.item.platform_id == f"{THREAD}.A1b2C3d4E9z"
    assert all(request.method == "GET" for request, _ in httpserver.log)  # nothing posted


def test_publish_reply_and_hide_with_oauth(httpserver, serve, fast_session):
    serve(
        "comments",
        "comments_empty.json",
        {"part": "snippet", "parentId": THREAD, "textFormat": "plainText", "maxResults": "100"},
    )
    serve("comments", "comment_created.json", {"part": "snippet"}, method="POST")
    httpserver.expect_request("/youtube/v3/comments/setModerationStatus", method="POST").respond_with_data(
        status=204
    )
    connector = YouTubeConnector(
        base_url=httpserver.url_for("/youtube/v3"),
        platform_id=CHANNEL,
        credentials={"oauth_token": "ya29.tok"},
        session=fast_session,
    )

    # An answer to a reply goes to the thread's top comment.
    published = connector.publish_reply(f"{THREAD}.A1b2C3d4E6g", "Tack Erik, vi skickar en sandbil.")
    connector.hide_comment(f"{THREAD}.A1b2C3d4E6g")

    item = published.item
    assert item.platform_id == f"{THREAD}.A1b2C3d4E9z" and item.is_own and item.thread_id == "dQw4w9WgXcQ"
    (_lookup, _), (post, _), (hide, _) = httpserver.log
    assert post.json == {"snippet": {"parentId": THREAD, "textOriginal": "Tack Erik, vi skickar en sandbil."}}
    assert post.headers["Authorization"] == "Bearer ya29.tok"
    assert hide.args.to_dict() == {"id": f"{THREAD}.A1b2C3d4E6g", "moderationStatus": "heldForReview"}


def test_replies_beyond_those_inlined_are_read_page_by_page(connector, serve, httpserver):
    serve("commentThreads", "comment_threads_page1.json", THREADS_QUERY)
    serve("commentThreads", "comment_threads_page2.json", {**THREADS_QUERY, "pageToken": "QURTSl9pMnVmR3c"})
    replies_query = {"part": "snippet", "parentId": THREAD, "textFormat": "plainText", "maxResults": "100"}
    serve("comments", "comments_replies_paged1.json", {**replies_query, "key": KEY})
    serve(
        "comments",
        "comments_replies_paged2.json",
        {**replies_query, "pageToken": "Z2V0X25ld2VzdF9yZXBsaWVz", "key": KEY},
    )

    pages = list(connector.fetch_comments(VIDEO))

    replies = [i for p in pages for i in p.items if i.kind == ItemKind.REPLY]
    assert {i.platform_id for i in replies} == {
        f"{THREAD}.A1b2C3d4E5f",
        f"{THREAD}.A1b2C3d4E6g",
        f"{THREAD}.A1b2C3d4E7h",
    }
    assert all(i.parent_id == THREAD and i.thread_id == VIDEO for i in replies)
    assert [p.cursor for p in pages] == [{}, {}, {"page_token": "QURTSl9pMnVmR3c"}, None]
    assert len(httpserver.log) == 4  # two pages of threads, two of replies, each once


def test_rate_limit_exceeded_without_retry_after_waits_a_minute(connector, serve):
    serve("commentThreads", "error_rate_limit_exceeded.json", status=403)

    with pytest.raises(RateLimited, match="rate limit") as e:
        list(connector.fetch_comments(VIDEO))
    assert e.value.retry_after == 60


def test_rate_limit_exceeded_with_retry_after(connector, httpserver, recorded):
    httpserver.expect_request("/youtube/v3/commentThreads").respond_with_data(
        recorded("youtube", "error_rate_limit_exceeded.json"), status=403, headers={"Retry-After": "90"}
    )
    with pytest.raises(RateLimited) as e:
        list(connector.fetch_comments(VIDEO))
    assert e.value.retry_after == 90


def test_after_quota_exceeded_nothing_more_is_sent(connector, serve, httpserver):
    serve("commentThreads", "error_quota_exceeded.json", status=403)

    with pytest.raises(RateLimited):
        list(connector.fetch_comments(VIDEO))
    with pytest.raises(RateLimited, match="nothing was sent"):
        connector.fetch_item(VIDEO)
    assert len(httpserver.log) == 1
