"""A scheduled post in a real Celery worker process on the real Redis broker: beat's entry releases it
when its time has come, the post's own task publishes it on the local Mastodon-shaped server, and the
post is archived once, also after the harvest has read the account again."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from archive.models import Record
from harvest.services import harvest_account
from moderation import publishing
from moderation.models import PostDraft, PostTarget
from moderation.tasks import posts_release_due
from tests.moderation.test_post_publishing import TEXT, Instance, approve, compose, point_at

pytestmark = pytest.mark.worker


def wait_for(condition, *, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not finish in time")


def test_n20_a_scheduled_post_is_published_by_a_worker_and_archived_once(
    celery_worker, transactional_db, org, httpserver
):
    instance = Instance(httpserver)
    point_at(org.account, instance)
    draft = approve(org, compose(org))
    publishing.post_schedule(actor=org.alice, draft=draft, publish_at=timezone.now() + timedelta(minutes=5))
    assert posts_release_due.delay().get(timeout=90) == 0  # not yet

    PostDraft.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    assert posts_release_due.delay().get(timeout=90) == 1
    wait_for(lambda: PostTarget.objects.get(draft=draft).state == PostTarget.State.PUBLISHED)

    (posted,) = instance.posted
    assert posted["content"] == f"<p>{TEXT}</p>"
    target = PostTarget.objects.select_related("record").get(draft=draft)
    assert target.record.platform_id == posted["id"] and target.record.is_own
    draft.refresh_from_db()
    assert draft.state == PostDraft.State.PUBLISHED
    assert posts_release_due.delay().get(timeout=90) == 0  # released once

    harvest_account(account_id=org.account.pk)
    assert Record.objects.filter(platform="mastodon", platform_id=posted["id"]).count() == 1
    assert len(instance.posted) == 1
