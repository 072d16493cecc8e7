"""Publishing survives a worker killed between the platform's answer and the commit: the task message
is acknowledged late, so a new worker runs it again, and the connector finds the reply already under
the comment instead of posting it twice, on a server that ignores Idempotency-Key.

A real Celery worker process on the real Redis broker and the test database; a real local HTTP server
that holds its answer to the POST until the test has killed the worker (the reply is on the server).
"""

import os
import signal
import subprocess
import sys
import threading
import uuid

import pytest

from archive.models import Record
from moderation import services
from moderation.models import Reply
from tests.reliability.test_harvest_sigkill import wait_for
from tests.worker import ROOT, stop_worker, worker_environment

from .test_publishing import comment_case, set_up_instance

pytestmark = [pytest.mark.worker, pytest.mark.slow]  # about 30 s of worker start-ups


def start_worker(log_path) -> subprocess.Popen:
    """A worker of its own in its own process group, so that one SIGKILL takes all of it down."""
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smgov",
            "worker",
            "--pool=solo",
            f"--hostname=publish-{uuid.uuid4().hex[:6]}@%h",
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


def test_a_worker_killed_after_the_platform_took_the_reply_publishes_it_exactly_once(
    transactional_db, org, httpserver, tmp_path
):
    from smgov.celery import app

    app.control.purge()
    instance = set_up_instance(org, httpserver)
    instance.hold = threading.Event()
    case = comment_case()

    first = start_worker(tmp_path / "first.log")
    try:
        reply = services.reply_submit(
            actor=org.alice, case=case, text="Hej Lena! Vi hälsar till plogförarna."
        )
        assert instance.received.wait(120), "the worker never posted the reply"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the platform has the reply; our commit never comes
        first.wait()
        instance.hold.set()
    instance.hold = None
    assert len(instance.posted) == 1
    assert Reply.objects.get(pk=reply.pk).status == Reply.Status.PUBLISHING

    second = start_worker(tmp_path / "second.log")
    try:
        # The message is still unacknowledged in Redis, which hands it out again once its visibility
        # timeout has passed (an hour in production): let that moment come now.
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            channel.visibility_timeout = 0
            channel.qos.restore_visible(num=100)
        wait_for(
            lambda: Reply.objects.get(pk=reply.pk).status == Reply.Status.PUBLISHED, 120, "the task run again"
        )
    finally:
        stop_worker(second)

    (posted,) = instance.posted  # exactly one reply on the server
    published = Reply.objects.filter(case=case, status=Reply.Status.PUBLISHED)
    assert published.count() == 1 and published.get().platform_reply_id == posted["id"]
    assert Record.objects.filter(platform="mastodon", platform_id=posted["id"]).count() == 1
