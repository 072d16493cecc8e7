"""N20: a Mastodon status edited before (or between) harvests keeps every earlier text, read from
the instance's edit history, each version with the time of its own edit; the hash chain stays whole."""

from datetime import UTC, datetime

import pytest

from archive.integrity import verify_archive
from archive.models import Record, SourceResponse
from harvest import services

from .conftest import POST_WITH_COMMENTS

pytestmark = pytest.mark.usefixtures("media_root")

EDITED_COMMENT = "113520300000000012"


@pytest.fixture(autouse=True)
def long_window(settings):
    settings.HARVEST_REPOLL_DAYS = 10_000


def harvest(account, **kwargs):
    return services.harvest_account(account_id=account.pk, **kwargs)


def versions(platform_id):
    record = Record.objects.get(platform_id=platform_id)
    return record, list(record.versions.order_by("number").values_list("number", "text", "edited_at"))


def test_n20_a_status_edited_before_its_first_harvest_keeps_the_text_as_first_published(
    mastodon_account, mastodon
):
    run = harvest(mastodon_account)

    assert run.warnings == []
    record, kept = versions(POST_WITH_COMMENTS)
    history = mastodon.histories[POST_WITH_COMMENTS]
    # Oldest first: as published, the edit in between, and the current text, each at its own time.
    assert [text for _n, text, _at in kept] == [edit["content"] for edit in history]
    assert [number for number, _t, _at in kept] == [1, 2, 3]
    assert [at for _n, _t, at in kept] == [
        datetime(2024, 11, 20, 6, 45, 12, tzinfo=UTC),
        datetime(2024, 11, 20, 6, 51, 3, tzinfo=UTC),
        datetime(2024, 11, 20, 7, 2, 40, tzinfo=UTC),
    ]
    assert kept[0][1] == "<p>Snöröjningen är i full gång ❄️ Huvudgator plogas först.</p>"  # HTML as given
    assert record.text == history[-1]["content"] and record.version_count == 3
    # The history came in a response of its own, kept as received with the versions it gave.
    first = record.versions.get(number=1)
    assert first.source.url.endswith(f"/api/v1/statuses/{POST_WITH_COMMENTS}/history")
    assert SourceResponse.objects.filter(url__endswith="/history").count() == 2
    # The comment edited before we saw it too.
    _comment, comment_versions = versions(EDITED_COMMENT)
    assert len(comment_versions) == 2
    assert "halka" in comment_versions[0][1]
    assert verify_archive().ok


def test_n20_an_edit_between_two_harvests_brings_the_edits_we_did_not_see(mastodon_account, mastodon):
    harvest(mastodon_account)
    comment = mastodon.contexts[POST_WITH_COMMENTS]["descendants"][2]
    history = mastodon.histories[EDITED_COMMENT]
    # Edited twice after the first harvest: once at 09:00 (never listed to us), once at 09:30.
    history.append(
        {**history[-1], "content": "<p>Isigt vid skolan.</p>", "created_at": "2024-11-20T09:00:00.000Z"}
    )
    history.append(
        {**history[-1], "content": "<p>Nu sandat, tack!</p>", "created_at": "2024-11-20T09:30:00.000Z"}
    )
    comment.update(content="<p>Nu sandat, tack!</p>", edited_at="2024-11-20T09:30:00.000Z")
    before = mastodon.hits[f"/api/v1/statuses/{EDITED_COMMENT}/history"]

    run = harvest(mastodon_account)

    record, kept = versions(EDITED_COMMENT)
    assert [text for _n, text, _at in kept][-3:] == [
        "<p>Tack för svaret! Men trottoaren vid skolan är fortfarande isig.</p>",
        "<p>Isigt vid skolan.</p>",
        "<p>Nu sandat, tack!</p>",
    ]
    assert kept[-2][2] == datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
    assert record.version_count == len(kept) == 4
    assert run.items_changed == 1
    assert mastodon.hits[f"/api/v1/statuses/{EDITED_COMMENT}/history"] == before + 1
    # The post's history is not asked for again: its edit time is the one stored.
    assert mastodon.hits[f"/api/v1/statuses/{POST_WITH_COMMENTS}/history"] == 1
    assert verify_archive().ok


def test_n20_a_status_not_edited_again_is_not_asked_about_again(mastodon_account, mastodon):
    harvest(mastodon_account)
    harvest(mastodon_account)

    assert mastodon.hits[f"/api/v1/statuses/{POST_WITH_COMMENTS}/history"] == 1
    assert mastodon.hits[f"/api/v1/statuses/{EDITED_COMMENT}/history"] == 1
    assert Record.objects.get(platform_id=POST_WITH_COMMENTS).version_count == 3


def test_n20_a_failing_history_leaves_a_warning_and_the_harvest_goes_on(mastodon_account, mastodon):
    mastodon.overrides[f"/api/v1/statuses/{POST_WITH_COMMENTS}/history"] = [
        mastodon.json({"error": "Internal error"}, status=422)
    ]

    run = harvest(mastodon_account)

    assert run.status == "succeeded"
    assert len(run.warnings) == 1 and POST_WITH_COMMENTS in run.warnings[0]
    record, kept = versions(POST_WITH_COMMENTS)
    assert [text for _n, text, _at in kept] == [record.text]  # the text as it is now is kept
    assert Record.objects.filter(platform_id=EDITED_COMMENT).get().version_count == 2
    assert verify_archive().ok


def _edited_again(mastodon, status: dict, *edits: tuple[str, str]) -> dict:
    """The status edited on the platform after the last harvest, each edit in its history."""
    history = mastodon.histories.setdefault(status["id"], [{**status, "created_at": status["created_at"]}])
    for at, content in edits:
        history.append({**history[-1], "content": content, "created_at": at})
    return {**status, "content": edits[-1][1], "edited_at": edits[-1][0]}


def test_n20_an_edit_found_when_a_missing_comment_is_asked_for_alone_keeps_the_edits_between(
    mastodon_account, mastodon
):
    """The listing no longer returns the comment; asked for by its id, it is there, edited twice
    since the archive last saw it: both texts are kept, each at the time of its own edit."""
    harvest(mastodon_account)
    context = mastodon.contexts[POST_WITH_COMMENTS]
    comment = next(s for s in context["descendants"] if s["id"] == EDITED_COMMENT)
    context["descendants"] = [s for s in context["descendants"] if s["id"] != EDITED_COMMENT]
    edited = _edited_again(
        mastodon, comment,
        ("2024-11-20T09:00:00.000Z", "<p>Isigt vid skolan.</p>"),
        ("2024-11-20T09:30:00.000Z", "<p>Nu sandat, tack!</p>"),
    )  # fmt: skip
    mastodon.overrides[f"/api/v1/statuses/{EDITED_COMMENT}"] = [mastodon.json(edited)]
    post = next(s for page in mastodon.statuses for s in page if s["id"] == POST_WITH_COMMENTS)
    mastodon.overrides[f"/api/v1/statuses/{EDITED_COMMENT}/context"] = [
        mastodon.json({"ancestors": [post], "descendants": []})
    ]

    run = harvest(mastodon_account)

    assert run.status == "succeeded", run.error
    record, kept = versions(EDITED_COMMENT)
    assert [text for _n, text, _at in kept][-2:] == ["<p>Isigt vid skolan.</p>", "<p>Nu sandat, tack!</p>"]
    assert kept[-2][2] == datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
    assert record.missing_since is None and record.deleted_on_platform_at is None
    assert run.items_changed == 1
    # Screened again as an edit of a comment with a case.
    assert record.case.events.filter(action="edited").exists()
    assert verify_archive().ok


def test_n20_an_edit_found_when_a_young_post_is_read_again_keeps_the_edits_between(
    mastodon_account, mastodon, settings
):
    settings.HARVEST_REREAD_DAYS = 10_000  # the recorded posts are from 2024: keep them young
    harvest(mastodon_account)
    library = next(s for s in mastodon.statuses[0] if s["id"] == "113510000000000002")
    edited = _edited_again(
        mastodon, library,
        ("2024-11-21T08:00:00.000Z", "<p>Biblioteket stänger kl. 18 i dag.</p>"),
        ("2024-11-21T08:05:00.000Z", "<p>Biblioteket stänger kl. 17 i dag.</p>"),
    )  # fmt: skip
    mastodon.statuses[0] = [edited if s["id"] == library["id"] else s for s in mastodon.statuses[0]]

    run = harvest(mastodon_account)

    assert run.warnings == []
    record, kept = versions(library["id"])
    assert [text for _n, text, _at in kept] == [
        library["content"], "<p>Biblioteket stänger kl. 18 i dag.</p>", "<p>Biblioteket stänger kl. 17 i dag.</p>"
    ]
    assert [at for _n, _t, at in kept][1:] == [
        datetime(2024, 11, 21, 8, 0, tzinfo=UTC), datetime(2024, 11, 21, 8, 5, tzinfo=UTC)
    ]
    assert run.items_changed == 1
    assert verify_archive().ok
