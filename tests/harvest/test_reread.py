"""Edits and deletions of the account's own posts, which an incremental listing never returns: young
posts are read again at every run, older ones by the nightly check (N20), against the local Mastodon
server serving the recorded payloads (tests/fixtures/mastodon/)."""

from pathlib import Path

import pytest
from django.urls import reverse
from werkzeug import Response

from archive.models import Record
from harvest import services
from harvest.models import HarvestRun, HarvestState
from smgov.schedules import BEAT_SCHEDULE

from .conftest import make_account

pytestmark = pytest.mark.usefixtures("media_root")

NEWEST, LIBRARY, OLDEST = "113520000000000003", "113510000000000002", "113500000000000001"


def edit_library_post(mastodon) -> str:
    """The library post edited on the platform, as recorded in status_edited.json."""
    edited = mastodon.load("status_edited.json")
    mastodon.statuses[0] = [edited if s["id"] == LIBRARY else s for s in mastodon.statuses[0]]
    return edited["content"]


def delete_oldest_post(mastodon) -> None:
    mastodon.statuses[1] = [s for s in mastodon.statuses[1] if s["id"] != OLDEST]


def test_n20_an_edit_and_a_deletion_of_a_young_post_are_found_by_the_next_scheduled_run(
    mastodon_account, mastodon, settings
):
    settings.HARVEST_REREAD_DAYS = 10_000  # the recorded posts are from 2024: keep them young
    services.harvest_account(account_id=mastodon_account.pk)
    new_text = edit_library_post(mastodon)
    delete_oldest_post(mastodon)

    run = services.harvest_account(account_id=mastodon_account.pk)

    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    library = Record.objects.get(platform_id=LIBRARY)
    assert library.text == new_text
    assert list(library.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    assert "lör 11–15" in library.versions.get(number=1).text  # the first wording is kept
    oldest = Record.objects.get(platform_id=OLDEST)
    assert oldest.deleted_on_platform_at is not None
    assert (run.items_changed, run.items_deleted) == (1, 1)
    # Each post was asked for on its own (the listing stopped at the newest stored post).
    assert mastodon.hits[f"/api/v1/statuses/{LIBRARY}"] == 1


def test_n20_posts_older_than_the_window_are_not_read_again_at_every_run(mastodon_account, mastodon):
    services.harvest_account(account_id=mastodon_account.pk)
    edit_library_post(mastodon)

    services.harvest_account(account_id=mastodon_account.pk)

    assert mastodon.hits[f"/api/v1/statuses/{LIBRARY}"] == 0
    assert Record.objects.get(platform_id=LIBRARY).version_count == 1


def test_n20_the_nightly_check_goes_round_older_posts_a_bounded_number_a_night(
    mastodon_account, mastodon, settings
):
    settings.HARVEST_RECONCILE_PER_NIGHT = 2
    services.harvest_account(account_id=mastodon_account.pk)
    new_text = edit_library_post(mastodon)
    delete_oldest_post(mastodon)

    posts = (NEWEST, LIBRARY, OLDEST)

    def checks() -> dict[str, int]:
        return {pid: mastodon.hits[f"/api/v1/statuses/{pid}"] for pid in posts}

    first = services.harvest_reconcile(account_id=mastodon_account.pk)

    assert (first.trigger, first.status) == (HarvestRun.Trigger.RECONCILE, HarvestRun.Status.SUCCEEDED)
    first_night = {pid for pid, n in checks().items() if n}
    assert len(first_night) == 2 and sum(checks().values()) == 2  # two a night, each once
    assert (Record.objects.get(platform_id=LIBRARY).text == new_text) == (LIBRARY in first_night)
    assert (Record.objects.get(platform_id=OLDEST).deleted_on_platform_at is not None) == (
        OLDEST in first_night
    )
    assert (first.items_changed, first.items_deleted) == (
        int(LIBRARY in first_night),
        int(OLDEST in first_night),
    )
    state = HarvestState.objects.get(account=mastodon_account)
    assert state.reconcile_after == max(Record.objects.get(platform_id=pid).pk for pid in first_night)
    assert state.reconciled_at is not None

    second = services.harvest_reconcile(account_id=mastodon_account.pk)

    # The second night goes on with the post not checked yet, then round again: all have been read.
    counts = checks()
    assert sum(counts.values()) == 4 and all(counts.values())
    (left,) = set(posts) - first_night
    assert counts[left] == 1
    assert Record.objects.get(platform_id=OLDEST).deleted_on_platform_at is not None
    assert Record.objects.get(platform_id=LIBRARY).text == new_text
    assert Record.objects.get(platform_id=LIBRARY).version_count == 2
    assert first.items_deleted + second.items_deleted == 1


def test_the_nightly_check_is_shown_among_the_accounts_runs_in_swedish(client, org, mastodon_account):
    services.harvest_account(account_id=mastodon_account.pk)
    services.harvest_reconcile(account_id=mastodon_account.pk)
    client.force_login(org.alice)

    panel = client.get(reverse("harvest:account_status", args=[mastodon_account.pk])).content.decode()

    assert "(nattlig kontroll av äldre inlägg)" in panel


def test_the_nightly_check_is_scheduled_with_the_other_periodic_tasks(mastodon_account, org):
    entry = BEAT_SCHEDULE["harvest-reconcile-nightly"]
    assert entry["task"] == "harvest.reconcile_nightly"
    assert entry["schedule"].hour == {1}

    paused = make_account(org, state="paused")

    queued = services.harvest_reconcile_nightly()

    assert mastodon_account.pk in queued and paused.pk not in queued


def test_n20_an_edit_of_an_older_entry_in_a_blog_feed_is_found_by_reading_the_feed_once(
    org, httpserver, settings
):
    """A feed listing stops at the newest stored entry; the young entries are looked up again in
    the feed, which is read once for all of them (a feed has no call for a single entry)."""
    settings.HARVEST_REREAD_DAYS = 10_000  # the recorded entries are from 2024
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "rss"
    comment_feed = "/2024/11/20/snorojningen-ar-i-full-gang/feed/"

    def feed(name: str) -> bytes:
        local = httpserver.url_for(comment_feed).encode()
        return (fixtures / name).read_bytes().replace(f"https://www.norrvik.se{comment_feed}".encode(), local)

    served = {"feed": feed("feed.xml")}
    httpserver.expect_request("/feed/").respond_with_handler(
        lambda request: Response(served["feed"], content_type="application/rss+xml; charset=UTF-8")
    )
    httpserver.expect_request(comment_feed).respond_with_data(
        (fixtures / "comments_4711.xml").read_bytes(), content_type="application/rss+xml; charset=UTF-8"
    )
    httpserver.expect_request("/comments/feed/").respond_with_data(
        (fixtures / "comments_site.xml").read_bytes(), content_type="application/atom+xml; charset=UTF-8"
    )
    account = org.account
    account.platform, account.api_base_url = "rss", httpserver.url_for("/feed/")
    account.save()
    services.harvest_account(account_id=account.pk)
    served["feed"] = feed("feed_edited.xml")
    before = sum(1 for request, _response in httpserver.log if request.path == "/feed/")

    run = services.harvest_account(account_id=account.pk)

    library = Record.objects.get(account=account, platform_id="https://www.norrvik.se/?p=4702")
    assert "lör 10–14" in library.text and library.version_count == 2
    assert run.items_changed == 1
    after = sum(1 for request, _response in httpserver.log if request.path == "/feed/")
    assert after - before == 1  # the listing's read of the feed serves the entries read again too


def test_n20_the_nightly_check_lists_again_the_comments_of_posts_too_old_to_be_read_at_every_run(
    mastodon_account, mastodon
):
    from .conftest import POST_WITH_COMMENTS

    services.harvest_account(account_id=mastodon_account.pk)  # the recorded posts are from 2024
    context = mastodon.contexts[POST_WITH_COMMENTS]
    edited, deleted = context["descendants"][0], context["descendants"][3]
    assert Record.objects.filter(platform_id__in=[edited["id"], deleted["id"]]).count() == 2
    new_text = "<p>Varför är inte Storgatan plogad än? Nu har det gått två dagar.</p>"
    mastodon.histories[edited["id"]] = [
        edited, {**edited, "content": new_text, "created_at": "2024-11-22T07:00:00.000Z"}
    ]  # fmt: skip
    edited.update(content=new_text, edited_at="2024-11-22T07:00:00.000Z")
    context["descendants"] = [s for s in context["descendants"] if s["id"] != deleted["id"]]

    ordinary = services.harvest_account(account_id=mastodon_account.pk)

    assert mastodon.hits[f"/api/v1/statuses/{POST_WITH_COMMENTS}/context"] == 1  # too old to be read again
    assert Record.objects.get(platform_id=edited["id"]).version_count == 1
    assert ordinary.items_changed == 0

    night = services.harvest_reconcile(account_id=mastodon_account.pk)

    assert night.status == HarvestRun.Status.SUCCEEDED, night.error
    assert night.warnings == []
    record = Record.objects.get(platform_id=edited["id"])
    assert record.text == new_text and record.version_count == 2
    assert Record.objects.get(platform_id=deleted["id"]).missing_since is not None
    assert (night.items_changed, night.items_missing) == (1, 1)
    assert HarvestState.objects.get(account=mastodon_account).comment_queue == []


def test_the_nightly_check_leaves_comments_to_a_listing_the_ordinary_harvest_has_under_way(
    mastodon_account, mastodon
):
    from django.utils import timezone

    from .conftest import POST_WITH_COMMENTS

    services.harvest_account(account_id=mastodon_account.pk)
    started = timezone.now()
    HarvestState.objects.filter(account=mastodon_account).update(
        comment_queue=[OLDEST], comment_cursor="cut-off-here", comment_pass_started_at=started
    )
    before = mastodon.hits[f"/api/v1/statuses/{POST_WITH_COMMENTS}/context"]

    night = services.harvest_reconcile(account_id=mastodon_account.pk)

    assert night.status == HarvestRun.Status.SUCCEEDED, night.error
    assert mastodon.hits[f"/api/v1/statuses/{POST_WITH_COMMENTS}/context"] == before
    state = HarvestState.objects.get(account=mastodon_account)
    assert (state.comment_queue, state.comment_cursor) == ([OLDEST], "cut-off-here")
