"""A run's counters say what it stored: a reply cut off by its parent's deletion is not "missing"
again at every run, and each record is counted once, where its state changed."""

import pytest

from archive.models import Record
from harvest import services

from .conftest import POST_WITH_COMMENTS

pytestmark = pytest.mark.usefixtures("media_root")

PARENT = "113520100000000010"  # a comment ...
REPLY = "113520200000000011"  # ... the account's reply to it ...
REPLY_TO_REPLY = "113520300000000012"  # ... and the answer to that reply


@pytest.fixture(autouse=True)
def long_window(settings):
    settings.HARVEST_REPOLL_DAYS = 10_000


def harvest(account):
    return services.harvest_account(account_id=account.pk)


def counters(run):
    return run.items_new, run.items_missing, run.items_deleted


def test_n20_replies_under_a_deleted_comment_are_missing_once_not_at_every_run(mastodon_account, mastodon):
    harvest(mastodon_account)
    context = mastodon.contexts[POST_WITH_COMMENTS]
    descendants = {status["id"]: status for status in context["descendants"]}
    # The comment is deleted: the instance answers 404 for it, and the thread no longer reaches the
    # replies below it, which still exist and are found when asked for one by one.
    context["descendants"] = [
        s for s in context["descendants"] if s["id"] not in {PARENT, REPLY, REPLY_TO_REPLY}
    ]
    for reply_id in (REPLY, REPLY_TO_REPLY):
        status = descendants[reply_id]
        mastodon.overrides[f"/api/v1/statuses/{reply_id}"] = [lambda s=status: mastodon.json(s)] * 10
        mastodon.overrides[f"/api/v1/statuses/{reply_id}/context"] = [
            lambda: mastodon.json({"ancestors": [], "descendants": []})
        ] * 10

    run = harvest(mastodon_account)

    # Three left out of the thread: one deleted, two found when asked for, so not missing.
    assert counters(run) == (0, 1, 1)
    assert Record.objects.get(platform_id=PARENT).deleted_on_platform_at is not None
    replies = Record.objects.filter(platform_id__in=[REPLY, REPLY_TO_REPLY])
    assert all(r.missing_since is None and r.deleted_on_platform_at is None for r in replies)

    for _later_run in range(2):
        run = harvest(mastodon_account)
        assert counters(run) == (0, 0, 0)
    assert all(r.missing_since is None for r in replies.all())


def test_n20_a_deleted_post_is_counted_once_missing_and_once_deleted(mastodon_account, mastodon):
    harvest(mastodon_account)
    mastodon.statuses[0].pop(1)  # 113510000000000002: its context and the status now answer 404

    run = harvest(mastodon_account)

    record = Record.objects.get(platform_id="113510000000000002")
    assert record.missing_since is not None and record.deleted_on_platform_at is not None
    assert counters(run) == (0, 1, 1)
    assert counters(harvest(mastodon_account)) == (0, 0, 0)
