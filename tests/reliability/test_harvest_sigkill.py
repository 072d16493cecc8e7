"""A worker killed with SIGKILL in the middle of a 10,000-comment harvest loses nothing and stores
nothing twice: every page is committed together with its cursor, and the task message is only
acknowledged when the run has ended (acks_late), so it comes back to a new worker process.

Real worker processes (prefork pool), the real Redis broker, the test database, and a real local
HTTP server serving a Facebook Page whose one post has 10,000 comments, 250 to a page, slowly.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from werkzeug import Response

from archive.models import Record, SourceResponse
from harvest.models import HarvestRun
from harvest.tasks import run_account
from moderation.models import Case
from tests.worker import ROOT, stop_worker, worker_environment

pytestmark = pytest.mark.worker

PAGE_ID = "104512345678901"
POST_ID = f"{PAGE_ID}_912345678901234"
COMMENTS = 10_000
PER_PAGE = 250


class SlowCommentServer:
    """A Facebook Page with one post and 10,000 comments, paged by ``after`` cursors."""

    def __init__(self, httpserver, *, comments: int = COMMENTS, per_page: int = PER_PAGE):
        self.base = httpserver.url_for("/v21.0")
        self.total, self.per_page = comments, per_page
        self.pages_served = 0
        httpserver.expect_request(f"/v21.0/{PAGE_ID}").respond_with_json(
            {"followers_count": 12, "id": PAGE_ID}
        )
        httpserver.expect_request(f"/v21.0/{PAGE_ID}/posts").respond_with_json(
            {
                "data": [
                    {
                        "id": POST_ID,
                        "message": "Snöröjningen är i full gång. Berätta hur det ser ut på din gata!",
                        "created_time": "2026-11-20T06:45:12+0000",
                        "from": {"name": "Exempelby kommun", "id": PAGE_ID},
                    }
                ]
            }
        )
        httpserver.expect_request(f"/v21.0/{POST_ID}/comments").respond_with_handler(self.comments)

    def comments(self, request):
        time.sleep(0.05)  # a slow platform, so that the kill lands mid-harvest
        start = int(request.args.get("after", "0"))
        end = min(start + self.per_page, self.total)
        body = {
            "data": [
                {
                    "id": f"912345678901234_{n}",
                    "message": f"Kommentar nummer {n}: här är det inte plogat än.",
                    "created_time": "2026-11-20T07:00:00+0000",
                    "from": {"name": f"Invånare {n % 97}", "id": str(7_000_000 + n % 97)},
                }
                for n in range(start, end)
            ]
        }
        if end < self.total:
            body["paging"] = {
                "cursors": {"after": str(end)},
                "next": f"{self.base}/{POST_ID}/comments?after={end}",
            }
        self.pages_served += 1
        return Response(json.dumps(body), content_type="application/json")


def start_worker(*, queue: str, log_path: Path) -> subprocess.Popen:
    """A prefork worker of its own, on its own queue, in its own process group (so that a SIGKILL
    can take the whole worker down, pool processes and all)."""
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smgov",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            f"--queues={queue}",
            f"--hostname={queue}-{uuid.uuid4().hex[:6]}@%h",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],  # fmt: skip
        cwd=ROOT,
        env=worker_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def pool_processes(worker: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def comment_count() -> int:
    return Record.objects.filter(thread_platform_id=POST_ID).exclude(kind="post").count()


@pytest.fixture
def account(transactional_db, org, httpserver, settings, request):
    server = SlowCommentServer(httpserver, **getattr(request, "param", {}))
    account = org.account
    account.platform, account.platform_id = "facebook", PAGE_ID
    account.api_base_url = server.base
    account.save()
    account.server = server
    return account


@pytest.fixture
def queue():
    from smgov.celery import app

    name = f"harvest-reliability-{uuid.uuid4().hex[:8]}"
    yield name
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(name)


def assert_every_comment_stored_once(account):
    comments, per_page = account.server.total, account.server.per_page
    ids = list(
        Record.objects.filter(thread_platform_id=POST_ID)
        .exclude(kind="post")
        .values_list("platform_id", flat=True)
    )
    assert len(ids) == comments
    assert len(set(ids)) == comments
    assert Case.objects.filter(record__thread_platform_id=POST_ID).count() == comments  # one case each
    pages = comments // per_page
    # the page in flight when the worker died was rolled back, so each page was stored once
    assert SourceResponse.objects.filter(account=account, url__contains="/comments").count() == pages
    assert account.server.pages_served >= pages


def test_sigkill_of_the_pool_process_mid_harvest_stores_every_comment_once(account, queue, tmp_path):
    worker = start_worker(queue=queue, log_path=tmp_path / "worker.log")
    try:
        run_account.apply_async(args=[account.pk], queue=queue)
        wait_for(lambda: comment_count() >= 1_000, 900, "the harvest to get going")
        (child,) = pool_processes(worker)
        os.kill(child, signal.SIGKILL)  # the process doing the work dies at once, mid-page
        killed_at = comment_count()
        assert killed_at < COMMENTS
        # The worker starts a new pool process, and the unacknowledged message comes back to it
        # (reject_on_worker_lost): it resumes from the last committed page.
        wait_for(
            lambda: HarvestRun.objects.filter(account=account, status="succeeded").exists(),
            600,
            "the resumed run",
        )
    finally:
        stop_worker(worker)

    assert_every_comment_stored_once(account)
    statuses = list(
        HarvestRun.objects.filter(account=account).order_by("started_at").values_list("status", flat=True)
    )
    assert statuses == ["failed", "succeeded"]  # the killed run, closed as interrupted by the next


def test_sigkill_of_the_whole_worker_then_a_new_worker_stores_every_comment_once(account, queue, tmp_path):
    from smgov.celery import app

    first = start_worker(queue=queue, log_path=tmp_path / "first.log")
    run_account.apply_async(args=[account.pk], queue=queue)
    wait_for(lambda: comment_count() >= 1_000, 900, "the harvest to get going")
    os.killpg(first.pid, signal.SIGKILL)  # the whole worker: main process and pool, no goodbye
    first.wait()
    assert comment_count() < COMMENTS

    second = start_worker(queue=queue, log_path=tmp_path / "second.log")
    try:
        # The message is still unacknowledged in Redis. Redis hands such a message out again once its
        # visibility timeout has passed (hours in production): let that moment come now.
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            channel.visibility_timeout = 0
            channel.qos.restore_visible(num=100)
        wait_for(
            lambda: HarvestRun.objects.filter(account=account, status="succeeded").exists(),
            600,
            "the resumed run",
        )
    finally:
        stop_worker(second)

    assert_every_comment_stored_once(account)


@pytest.mark.parametrize("account", [{"comments": 3_000, "per_page": 100}], indirect=True)
def test_five_sigkills_at_random_moments_store_every_comment_once_and_the_archive_verifies(
    account, queue, tmp_path
):
    from django.core.management import call_command

    moments = random.Random()
    worker = start_worker(queue=queue, log_path=tmp_path / "worker.log")
    try:
        run_account.apply_async(args=[account.pk], queue=queue)
        # Five kills, each once the harvest has gone a random stretch past the last one (at least a
        # few pages, so that the message is back in the new pool process) and at a random moment
        # within a page; the last while a third of the comments are still to come.
        thresholds = [200 + 400 * n + moments.randrange(100) for n in range(5)]
        killed_at = []
        for threshold in thresholds:
            wait_for(lambda threshold=threshold: comment_count() >= threshold, 600, "the harvest to go on")
            time.sleep(moments.uniform(0, 0.1))
            (child,) = wait_for(lambda: pool_processes(worker) or None, 60, "a pool process")
            os.kill(child, signal.SIGKILL)
            killed_at.append(comment_count())
            # the next pool process is a new one: wait for it before the next kill
            wait_for(
                lambda child=child: (pool_processes(worker) or [child]) != [child], 60, "a new pool process"
            )
        assert killed_at[-1] < account.server.total, killed_at
        wait_for(
            lambda: HarvestRun.objects.filter(account=account, status="succeeded").exists(),
            600,
            "the resumed run",
        )
    finally:
        stop_worker(worker)

    assert_every_comment_stored_once(account)
    statuses = list(
        HarvestRun.objects.filter(account=account).order_by("started_at").values_list("status", flat=True)
    )
    assert statuses == ["failed"] * 5 + ["succeeded"], (killed_at, statuses)
    call_command("verify_archive")  # raises CommandError if any chain link or version does not verify
