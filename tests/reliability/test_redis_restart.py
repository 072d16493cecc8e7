"""Redis killed (SIGKILL) and started again while one harvest is running and another is queued:
the worker connects again by itself and runs the queued harvest within a minute of Redis being
back; the harvest that was running is cut off (its message stays unacknowledged in Redis until the
visibility timeout, hours) and goes on from its last committed page at the account's next scheduled
run, which closes the cut-off run as interrupted. Nothing is lost or stored twice.

Redis here is a throwaway instance of its own (append-only file, as in docker-compose.yml), on a
free port in a temporary folder; the worker process and this test send to it. Real worker process
(prefork), the test database, and a local server with a Facebook Page (2,000 comments, slowly) and a
Mastodon account."""

import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from accounts.models import ServiceAccount
from archive.models import Record
from harvest.models import HarvestRun, HarvestState
from harvest.tasks import run_account, schedule_due
from tests.factories import ServiceAccountFactory
from tests.harvest.conftest import ACCOUNT_ID, MastodonServer
from tests.reliability.test_harvest_sigkill import (
    SlowCommentServer,
    assert_every_comment_stored_once,
    comment_count,
    wait_for,
)
from tests.worker import ROOT, stop_worker, worker_environment

pytestmark = pytest.mark.worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    def __init__(self, folder):
        self.folder, self.port, self.process = folder, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],  # fmt: skip
            stdout=open(self.folder / "redis.log", "ab"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), 30, "Redis to start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path):
    folder = tmp_path / "redis"
    folder.mkdir()
    instance = OwnRedis(folder)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def accounts(transactional_db, org, httpserver, settings):
    slow = SlowCommentServer(httpserver, comments=2_000, per_page=100)
    mastodon = MastodonServer(httpserver)  # answers everything the Facebook Page does not
    facebook = org.account
    facebook.platform, facebook.platform_id, facebook.api_base_url = "facebook", "104512345678901", slow.base
    facebook.save()
    facebook.server = slow
    other = ServiceAccountFactory(
        department=org.own, platform="mastodon", platform_id=ACCOUNT_ID, api_base_url=mastodon.base_url,
        admins=[org.alice, org.bob],
    )  # fmt: skip
    return facebook, other


def test_redis_killed_and_restarted_mid_harvest_loses_and_doubles_nothing(own_redis, accounts, tmp_path):
    from smgov.celery import app

    facebook, mastodon = accounts
    env = worker_environment() | {"REDIS_URL": own_redis.url, "SMGOV_TEST_REDIS_DB": "0"}
    # Redis is this test's own: the worker takes every queue on it.
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smgov",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            f"--hostname=redis-{uuid.uuid4().hex[:6]}@%h",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=open(tmp_path / "worker.log", "ab"),  # noqa: SIM115 - closed with the process
        stderr=subprocess.STDOUT,
    )
    try:
        with app.connection_for_write(own_redis.url) as connection:
            run_account.apply_async(args=[facebook.pk], connection=connection)
            run_account.apply_async(args=[mastodon.pk], connection=connection)
        wait_for(lambda: comment_count() >= 300, 300, "the first harvest to get going")
        own_redis.kill()  # the broker is gone at once, with a run in flight and one queued
        time.sleep(3)
        own_redis.start()
        # The worker connects again by itself, and the queued harvest runs within a minute.
        wait_for(
            lambda: HarvestRun.objects.filter(account=mastodon, status="succeeded").exists(),
            60,
            "the worker to go on after Redis came back",
        )
        assert comment_count() < 2_000  # the running harvest was cut off
        # The Facebook Page's next run comes (its interval passes; the others are not due) and beat
        # sends schedule_due: the harvest goes on from the last committed page.
        now = timezone.now()
        for account in ServiceAccount.objects.exclude(pk=facebook.pk):
            HarvestState.objects.update_or_create(
                account=account, defaults={"next_run_at": now + timedelta(days=1)}
            )
        HarvestState.objects.filter(account=facebook).update(next_run_at=now)
        with app.connection_for_write(own_redis.url) as connection:
            schedule_due.apply_async(connection=connection)
        wait_for(
            lambda: HarvestRun.objects.filter(account=facebook, status="succeeded").exists(),
            300,
            "the Facebook Page's harvest to go on",
        )
    finally:
        stop_worker(worker)

    assert_every_comment_stored_once(facebook)
    statuses = list(
        HarvestRun.objects.filter(account=facebook).order_by("started_at").values_list("status", flat=True)
    )
    assert statuses == ["failed", "succeeded"]  # the cut-off run, closed as interrupted by the next
    assert list(HarvestRun.objects.filter(account=mastodon).values_list("status", flat=True)) == ["succeeded"]
    assert Record.objects.filter(account=mastodon).count() > 5
