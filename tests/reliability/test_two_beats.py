"""Two beat processes started by mistake against the same database still give one harvest run per
account per interval: both send ``harvest.schedule_due`` every minute, and the first call moves the
account's next run time on in the same transaction as it enqueues the run, so the second finds
nothing due.

Real processes: two ``celery beat`` with django-celery-beat's database scheduler, one worker, the
test database, the Redis broker, and a local Mastodon server."""

import re
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from harvest.models import HarvestRun, HarvestState
from tests.harvest.conftest import ACCOUNT_ID, MastodonServer
from tests.worker import ROOT, start_worker, stop_worker, worker_environment

pytestmark = pytest.mark.worker

SCHEDULE_DUE_DONE = re.compile(r"Task harvest\.schedule_due\[[^\]]+\] succeeded")


def start_beat(tmp_path, n: int, env: dict) -> subprocess.Popen:
    log = open(tmp_path / f"beat{n}.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smgov",
            "beat",
            "--scheduler=django_celery_beat.schedulers:DatabaseScheduler",
            f"--pidfile={tmp_path / f'beat{n}.pid'}",
            "--loglevel=INFO",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_two_beats_still_give_one_run_per_account_per_interval(transactional_db, org, httpserver, tmp_path):
    from smgov.celery import app

    server = MastodonServer(httpserver)
    account = org.account
    account.platform, account.platform_id, account.api_base_url = "mastodon", ACCOUNT_ID, server.base_url
    account.save()
    HarvestState.objects.update_or_create(
        account=account, defaults={"next_run_at": timezone.now(), "current_interval": timedelta(minutes=30)}
    )
    app.control.purge()
    # A queue of their own: a session worker on the same Redis database would take half the tasks.
    queue = f"two-beats-{uuid.uuid4().hex[:8]}"
    env = worker_environment(SMGOV_TEST_CELERY_QUEUE=queue)

    worker_log = tmp_path / "worker.log"
    worker = start_worker(log_path=worker_log, env=env)
    beats = [start_beat(tmp_path, 1, env), start_beat(tmp_path, 2, env)]
    try:
        # Each beat sends schedule_due a minute after it starts, and every minute after: wait until
        # the worker has run it four times, twice from each beat.
        deadline = time.monotonic() + 300
        while len(SCHEDULE_DUE_DONE.findall(worker_log.read_text(errors="replace"))) < 4:
            assert all(beat.poll() is None for beat in beats), "a beat process stopped"
            assert time.monotonic() < deadline, "the beats did not send harvest.schedule_due"
            time.sleep(1)
        while HarvestRun.objects.filter(account=account, finished_at__isnull=True).exists():
            assert time.monotonic() < deadline + 120, "the run did not end"
            time.sleep(1)
    finally:
        for beat in beats:
            stop_worker(beat)
        stop_worker(worker)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)

    runs = list(HarvestRun.objects.filter(account=account).values_list("status", flat=True))
    assert runs == ["succeeded"]
    assert server.hits[f"/api/v1/accounts/{ACCOUNT_ID}/statuses"] >= 1
