"""The harvest pipeline against a real local HTTP server serving recorded Mastodon payloads."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from archive.models import MediaFile, Record, RecordVersion, SourceResponse
from harvest import services
from harvest.models import FollowerCount, HarvestRun, HarvestState
from moderation.models import Case

from .conftest import ACCOUNT_ID, JPEG, MP4, POST_WITH_COMMENTS

pytestmark = pytest.mark.usefixtures("media_root")

POSTS = {"113520000000000003", "113510000000000002", "113500000000000001"}
COMMENTS = {"113520100000000010", "113520200000000011", "113520300000000012", "113520400000000013"}
INCOMING = {"113520100000000010", "113520300000000012", "113520400000000013"}


@pytest.fixture(autouse=True)
def long_window(settings):
    """The recorded posts are from 2024: keep them inside the re-poll window."""
    settings.HARVEST_REPOLL_DAYS = 10_000


def harvest(account, **kwargs):
    return services.harvest_account(account_id=account.pk, **kwargs)


def test_n20_posts_are_drawn_up_and_comments_received_when_published(mastodon_account, mastodon):
    run = harvest(mastodon_account)

    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    records = {r.platform_id: r for r in Record.objects.filter(account=mastodon_account)}
    assert set(records) == POSTS | COMMENTS
    post = records["113520000000000003"]
    assert post.kind == "post" and post.is_own
    assert post.published_at == datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC)  # drawn up
    comment = records["113520100000000010"]
    assert comment.kind == "comment" and not comment.is_own
    assert comment.published_at == datetime(2024, 11, 20, 7, 31, 5, tzinfo=UTC)  # received
    assert comment.thread == post and comment.parent == post
    assert records["113520300000000012"].kind == "reply"
    assert records["113520300000000012"].parent == records["113520200000000011"]
    # Untrusted text is stored exactly as received, script tag and all.
    assert comment.text == mastodon.contexts[POST_WITH_COMMENTS]["descendants"][0]["content"]
    assert "<script>" in comment.text


def test_each_record_points_at_the_response_it_came_from(mastodon_account, mastodon):
    harvest(mastodon_account)

    comment = Record.objects.get(platform_id="113520100000000010")
    source = comment.source
    assert source.url == f"{mastodon.base_url}/api/v1/statuses/{POST_WITH_COMMENTS}/context"
    assert source.status == 200
    assert bytes(source.body) == json.dumps(mastodon.contexts[POST_WITH_COMMENTS]).encode()
    assert source.sha256 == hashlib.sha256(bytes(source.body)).hexdigest()
    assert comment.raw_json == json.loads(bytes(source.body))["descendants"][0]
    post = Record.objects.get(platform_id="113500000000000001")
    assert "max_id=113510000000000002" in post.source.url  # the second page of the listing


def test_a_failing_profile_call_never_stops_posts_and_comments(mastodon_account, mastodon, settings):
    settings.HARVEST_HTTP_RETRIES = 0
    profile = f"/api/v1/accounts/{ACCOUNT_ID}"
    mastodon.overrides[profile] = [mastodon.json({"error": "Internal"}, status=500)]

    run = harvest(mastodon_account)

    run.refresh_from_db()
    assert run.status == "succeeded"
    assert run.followers is None and not FollowerCount.objects.exists()
    assert Record.objects.filter(account=mastodon_account).count() == 7


def test_a_profile_without_a_follower_count_is_harvested(mastodon_account, mastodon):
    del mastodon.account["followers_count"]

    run = harvest(mastodon_account)

    run.refresh_from_db()
    assert run.status == "succeeded" and run.followers is None
    assert Record.objects.filter(account=mastodon_account).count() == 7


def test_run_is_recorded_with_pages_counts_and_followers(mastodon_account, mastodon):
    run = harvest(mastodon_account)

    run.refresh_from_db()
    # profile, two pages of posts, then one context per post
    assert (run.pages, run.items_new, run.items_changed) == (5, 7, 0)
    assert run.finished_at >= run.started_at
    assert run.followers == 2417
    assert FollowerCount.objects.get(account=mastodon_account).count == 2417
    state = HarvestState.objects.get(account=mastodon_account)
    assert state.posts_since == "113520000000000003"
    assert state.posts_cursor is None and state.comment_queue == []
    assert state.last_success_at is not None and state.next_run_at > timezone.now()


def test_every_incoming_comment_is_handed_to_the_moderation_inbox(mastodon_account, mastodon):
    harvest(mastodon_account)

    cased = set(
        Case.objects.filter(record__account=mastodon_account).values_list("record__platform_id", flat=True)
    )
    assert cased == INCOMING  # not the posts, not the municipality's own reply


def test_a_second_run_stores_nothing_twice(mastodon_account, mastodon):
    harvest(mastodon_account)
    before = (Record.objects.count(), RecordVersion.objects.count(), Case.objects.count())
    mastodon.hits.clear()

    run = harvest(mastodon_account)

    assert (run.items_new, run.items_changed) == (0, 0)
    assert (Record.objects.count(), RecordVersion.objects.count(), Case.objects.count()) == before
    # incremental: one request for posts newer than the newest stored, not the whole listing
    assert mastodon.hits[f"/api/v1/accounts/{ACCOUNT_ID}/statuses"] == 1


def test_n20_an_edited_comment_becomes_a_new_version(mastodon_account, mastodon):
    harvest(mastodon_account)
    mastodon.contexts[POST_WITH_COMMENTS]["descendants"][3]["content"] = "<p>Fint jobb! (redigerad)</p>"

    run = harvest(mastodon_account)

    assert run.items_changed == 1
    record = Record.objects.get(platform_id="113520400000000013")
    assert record.version_count == 2
    assert list(record.versions.values_list("text", flat=True)) == [
        "<p>Fint jobb i morse på Åsvägen 👏</p>",
        "<p>Fint jobb! (redigerad)</p>",
    ]


def test_f14_an_edited_comment_is_screened_again_and_an_answered_case_reopens(
    mastodon_account, mastodon, org
):
    from moderation import services as moderation_services
    from moderation.models import Case, CaseEvent, CaseState

    harvest(mastodon_account)
    case = Case.objects.get(record__platform_id="113520400000000013")
    assert not case.has_personal_data
    moderation_services.case_close_no_action(actor=org.alice, case=case, note="Beröm")
    mastodon.contexts[POST_WITH_COMMENTS]["descendants"][3]["content"] = (
        "<p>Fint jobb! Ring mig på 070-123 45 67, personnummer 19121212-1212</p>"
    )

    harvest(mastodon_account)

    case.refresh_from_db()
    assert case.has_personal_data
    assert {flag.kind for flag in case.flags.all()} >= {"personal_id", "phone"}
    assert case.state == CaseState.NEW  # an edit is no way around the screening
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-2:] == [CaseEvent.Action.REOPENED, CaseEvent.Action.EDITED]


def test_n20_a_comment_no_longer_listed_is_deleted_only_after_an_explicit_not_found(
    mastodon_account, mastodon
):
    harvest(mastodon_account)
    descendants = mastodon.contexts[POST_WITH_COMMENTS]["descendants"]
    gone = descendants.pop(3)  # the platform no longer lists it, and no longer has it

    run = harvest(mastodon_account)

    record = Record.objects.get(platform_id=gone["id"])
    assert record.missing_since is not None
    assert record.deleted_on_platform_at is not None
    assert (run.items_missing, run.items_deleted) == (1, 1)


def test_n20_a_comment_left_out_of_a_listing_but_still_there_is_not_deleted(mastodon_account, mastodon):
    harvest(mastodon_account)
    context = mastodon.contexts[POST_WITH_COMMENTS]
    left_out = context["descendants"][3]
    # The listing leaves it out (an instance capping a thread), but asked directly it is there.
    mastodon.contexts[POST_WITH_COMMENTS] = {"ancestors": [], "descendants": context["descendants"][:3]}
    mastodon.overrides[f"/api/v1/statuses/{left_out['id']}"] = [mastodon.json(left_out)]
    mastodon.overrides[f"/api/v1/statuses/{left_out['id']}/context"] = [
        mastodon.json({"ancestors": [mastodon.statuses[0][0]], "descendants": []})
    ]

    run = harvest(mastodon_account)

    record = Record.objects.get(platform_id=left_out["id"])
    # Found again in the same run: neither missing in its figures nor marked.
    assert run.items_missing == 0 and run.items_deleted == 0
    assert record.missing_since is None
    assert record.deleted_on_platform_at is None


def test_a_deleted_post_is_marked_deleted_on_the_platform(mastodon_account, mastodon):
    harvest(mastodon_account)
    mastodon.statuses[0].pop(1)  # 113510000000000002: context and status now answer 404

    harvest(mastodon_account)

    record = Record.objects.get(platform_id="113510000000000002")
    assert record.deleted_on_platform_at is not None


def test_media_is_downloaded_with_hash_type_and_size(mastodon_account, mastodon):
    run = harvest(mastodon_account)

    image = MediaFile.objects.get(record__platform_id="113520000000000003")
    assert image.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (image.content_type, image.size, image.skipped_reason) == ("image/jpeg", len(JPEG), "")
    assert image.alt_text == "Plogbil på Storgatan i snöfall, tidig morgon"
    with image.file.open("rb") as f:
        assert f.read() == JPEG
    assert MediaFile.objects.filter(file="").count() == 0
    assert (run.media_saved, run.media_skipped) == (3, 0)


def test_an_oversized_media_file_is_recorded_as_skipped_not_lost(mastodon_account, mastodon, settings):
    settings.HARVEST_MAX_MEDIA_BYTES = len(JPEG) + 10  # the video is larger

    run = harvest(mastodon_account)

    video = MediaFile.objects.get(record__platform_id="113500000000000001")
    assert not video.file and video.sha256 == ""
    assert video.skipped_reason.startswith("större än gränsen")
    assert video.url.endswith(".mp4")
    assert run.media_skipped == 1 and run.media_saved == 2


VIDEO_PATH = "/cdn/media_attachments/files/113/499/990/original/113499990000000002.mp4"


def test_a_media_download_that_failed_for_a_passing_reason_is_tried_again_later(mastodon_account, mastodon):
    mastodon.overrides[VIDEO_PATH] = [mastodon.json({"error": "busy"}, status=503)]

    first = harvest(mastodon_account)

    video = MediaFile.objects.get(url__endswith=".mp4")
    assert (video.skipped_reason, video.attempts, bool(video.file)) == ("hämtningen misslyckades: servern svarade HTTP 503", 1, False)
    assert video.retry_at > timezone.now() + timedelta(minutes=14)
    assert first.media_skipped == 1
    # Not before it is due ...
    harvest(mastodon_account)
    assert mastodon.hits[VIDEO_PATH] == 1
    # ... and then it is kept like the others.
    MediaFile.objects.filter(pk=video.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    third = harvest(mastodon_account)
    video.refresh_from_db()
    assert (video.skipped_reason, video.attempts, video.retry_at) == ("", 2, None)
    assert video.sha256 == hashlib.sha256(MP4).hexdigest()
    assert (third.media_saved, mastodon.hits[VIDEO_PATH]) == (1, 2)


def test_a_media_file_that_is_gone_is_not_tried_again(mastodon_account, mastodon):
    mastodon.overrides[VIDEO_PATH] = [mastodon.json({"error": "gone"}, status=404)]

    harvest(mastodon_account)

    video = MediaFile.objects.get(url__endswith=".mp4")
    assert (video.skipped_reason, video.retry_at) == ("hämtningen misslyckades: servern svarade HTTP 404", None)


def test_failed_media_downloads_wait_longer_each_time_and_stop_after_five_attempts():
    now = timezone.now()
    waits = [services.media_retry_at(attempts=n, now=now) for n in range(1, 6)]
    assert [wait - now for wait in waits[:4]] == [timedelta(minutes=m) for m in (15, 30, 60, 120)]
    assert waits[4] is None


def test_a_second_run_while_one_is_running_is_skipped_not_queued(mastodon_account, mastodon, monkeypatch):
    monkeypatch.setattr(services, "LOCK_WAIT", 0.5)
    db = django_settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"],
        password=db.get("PASSWORD") or None,
    )
    other.autocommit = True
    try:
        with other.cursor() as cursor:  # another worker's run holds the account
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [services.LOCK_NAMESPACE, mastodon_account.pk])
        run = harvest(mastodon_account)
    finally:
        other.close()

    assert run.status == HarvestRun.Status.SKIPPED
    assert sum(mastodon.hits.values()) == 0
    assert harvest(mastodon_account).status == HarvestRun.Status.SUCCEEDED  # the lock went with its session


def test_an_interrupted_run_is_closed_by_the_next(mastodon_account, mastodon):
    stale = HarvestRun.objects.create(
        account=mastodon_account, started_at=timezone.now() - timedelta(hours=1)
    )

    harvest(mastodon_account)

    stale.refresh_from_db()
    assert stale.status == HarvestRun.Status.FAILED and stale.error and stale.finished_at


def test_inactive_accounts_are_not_harvested(mastodon_account, mastodon):
    mastodon_account.state = "paused"
    mastodon_account.save()

    assert harvest(mastodon_account).status == HarvestRun.Status.SKIPPED
    assert sum(mastodon.hits.values()) == 0


def test_manage_py_harvest_prints_what_it_did(mastodon_account, mastodon, capsys):
    call_command("harvest", str(mastodon_account.pk))

    out = capsys.readouterr().out
    assert "succeeded" in out
    assert "pages 5, new 7, changed 0" in out
    assert "followers 2417" in out


def test_interval_adapts_to_traffic_within_bounds(settings):
    settings.HARVEST_MIN_INTERVAL_MINUTES, settings.HARVEST_MAX_INTERVAL_MINUTES = 5, 60
    base = timedelta(minutes=15)

    busy = services.next_interval(base=base, current=base, items_new=50)
    busier = services.next_interval(base=base, current=busy, items_new=50)
    assert busy == timedelta(minutes=7.5) and busier == timedelta(minutes=5)
    quiet = base
    for _ in range(10):
        quiet = services.next_interval(base=base, current=quiet, items_new=0)
    assert quiet == timedelta(minutes=60)
    assert services.next_interval(base=base, current=quiet, items_new=3) == base


def test_schedule_due_enqueues_each_due_account_once(org, django_capture_on_commit_callbacks):
    account = org.account
    HarvestState.objects.create(account=account, next_run_at=timezone.now() - timedelta(minutes=1))
    org.other_account.state = "paused"
    org.other_account.save()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = services.harvest_schedule_due()
    second = services.harvest_schedule_due()

    assert first == [account.pk] and len(callbacks) == 1
    assert second == []
    assert HarvestState.objects.get(account=account).next_run_at > timezone.now()


def test_schedule_due_creates_state_for_new_active_accounts(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        enqueued = services.harvest_schedule_due()

    assert org.account.pk in enqueued and org.other_account.pk in enqueued
    assert HarvestState.objects.filter(account=org.account).exists()


def test_provenance_rows_are_never_written_for_a_failed_page(mastodon_account, mastodon):
    mastodon.overrides[f"/api/v1/statuses/{POST_WITH_COMMENTS}/context"] = [
        mastodon.json({"ancestors": [], "descendants": [{"id": "broken"}]})
    ]

    run = harvest(mastodon_account)

    assert run.status == HarvestRun.Status.FAILED
    assert "unexpected payload" in run.error
    assert not SourceResponse.objects.filter(url__endswith=f"{POST_WITH_COMMENTS}/context").exists()


def test_posts_older_than_the_repoll_window_are_not_read_again(mastodon_account, mastodon, settings):
    settings.HARVEST_REPOLL_DAYS = 30
    harvest(mastodon_account)
    mastodon.hits.clear()

    harvest(mastodon_account)

    assert not any(path.endswith("/context") for path in mastodon.hits)


def test_n20_an_imported_post_is_not_asked_about_so_not_judged_deleted(mastodon_account, mastodon):
    """A demo or imported post the platform never listed: the platform answers 404 for it, which must
    not make the archive call it deleted there."""
    from archive.services import IncomingItem, record_ingest

    imported = record_ingest(
        account=mastodon_account,
        item=IncomingItem(
            platform_id="imported-7",
            kind="post",
            is_own=True,
            published_at=timezone.now(),
            text="Importerad.",
        ),
    ).record

    harvest(mastodon_account)

    imported.refresh_from_db()
    assert (imported.deleted_on_platform_at, imported.missing_since) == (None, None)
    assert not any("imported-7" in path for path in mastodon.hits)


def test_n20_a_record_no_platform_response_delivered_is_never_judged_missing(org):
    from datetime import UTC, datetime, timedelta

    from archive.services import IncomingItem, record_ingest, source_response_store
    from harvest import selectors

    published = datetime(2026, 3, 1, tzinfo=UTC)
    imported = record_ingest(
        account=org.account, item=IncomingItem(platform_id="imported-1", kind="post", published_at=published)
    ).record
    source = source_response_store(
        account=org.account,
        url="https://x.example/",
        status=200,
        headers={},
        body=b"{}",
        fetched_at=published,
    )
    harvested = record_ingest(
        account=org.account,
        item=IncomingItem(platform_id="harvested-1", kind="post", published_at=published),
        source=source,
    ).record
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert list(selectors.posts_not_seen_since(account=org.account, since=later)) == [harvested]
    assert imported.pk != harvested.pk


def test_a_web_page_is_never_kept_as_a_media_file(httpserver, settings):
    settings.HARVEST_MEDIA_ALLOW_PRIVATE_HOSTS = True
    httpserver.expect_request("/bibliotek").respond_with_data(
        "<html>Bibliotek</html>", content_type="text/html"
    )

    download = services.download_media(requests.Session(), httpserver.url_for("/bibliotek"))

    assert download.content is None and "webbsida" in download.reason
