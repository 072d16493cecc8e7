"""PostgreSQL stopped with ``pg_ctl stop -m immediate`` (as if the server lost power) in the middle
of a harvest and started again: the page being stored is rolled back whole (no partial page), and the
run is retried and completes from the last committed page, every comment stored once.

PostgreSQL here is a throwaway cluster of its own (initdb in a temporary folder, a free port), with
the database made by running the migrations against it; the worker process uses it, and this test
reads it with plain SQL. Real worker process, the Redis broker, a local Facebook Page server."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import psycopg2
import pytest

from harvest.tasks import run_account
from tests.reliability.test_harvest_sigkill import PAGE_ID, POST_ID, SlowCommentServer, wait_for
from tests.reliability.test_redis_restart import free_port
from tests.worker import ROOT, stop_worker, worker_environment

pytestmark = pytest.mark.worker

COMMENTS, PER_PAGE = 2_000, 100


class OwnPostgres:
    def __init__(self):
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        # initdb refuses to run as root: the cluster then belongs to the postgres user, in a folder it can reach
        self.folder = Path(tempfile.mkdtemp(prefix="smgov-pg-", dir="/var/tmp"))
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self.port = free_port()
        self.url = f"postgres://smgov@127.0.0.1:{self.port}/smgov_faults"

    def run(self, *args):
        subprocess.run([*self.as_postgres, *map(str, args)], check=True, capture_output=True)

    def init(self):
        self.run(self.bin / "initdb", "-D", self.folder / "data", "-U", "smgov", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8")  # fmt: skip
        self.start()
        connection = psycopg2.connect(self.url.replace("/smgov_faults", "/postgres"))
        connection.autocommit = True
        connection.cursor().execute("CREATE DATABASE smgov_faults")
        connection.close()

    def start(self):
        self.run(self.bin / "pg_ctl", "-D", self.folder / "data", "-w", "-l", self.folder / "log",
                 "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start")  # fmt: skip

    def stop(self, mode: str):
        self.run(self.bin / "pg_ctl", "-D", self.folder / "data", "-m", mode, "-w", "stop")

    def value(self, sql: str, *params):
        try:
            connection = psycopg2.connect(self.url, connect_timeout=2)
        except psycopg2.OperationalError:
            return None  # down
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()[0]
        finally:
            connection.close()


@pytest.fixture
def own_postgres():
    instance = OwnPostgres()
    instance.init()
    yield instance
    instance.stop("fast")
    shutil.rmtree(instance.folder, ignore_errors=True)


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def test_postgres_stopped_immediately_mid_harvest_leaves_no_partial_page_and_the_run_completes(
    own_postgres, httpserver, tmp_path
):
    from smgov.celery import app

    server = SlowCommentServer(httpserver, comments=COMMENTS, per_page=PER_PAGE)
    env = worker_environment() | {"DATABASE_URL": own_postgres.url}
    manage(env, "migrate", "--no-input")
    setup = textwrap.dedent(f"""
        from tests.factories import DepartmentFactory, ServiceAccountFactory, UserFactory
        department = DepartmentFactory(name="Tekniska förvaltningen", series_code="TF")
        ServiceAccountFactory(
            department=department, platform="facebook", platform_id="{PAGE_ID}",
            api_base_url="{server.base}", admins=[UserFactory(department=department), UserFactory(department=department)],
        )
    """)
    manage(env, "shell", "-c", setup)
    account_id = own_postgres.value("SELECT id FROM accounts_serviceaccount WHERE platform_id = %s", PAGE_ID)

    def comments() -> int | None:
        return own_postgres.value(
            "SELECT count(*) FROM archive_record WHERE thread_platform_id = %s AND kind <> 'post'", POST_ID
        )

    queue = f"harvest-postgres-{uuid.uuid4().hex[:8]}"
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
            f"--queues={queue}",
            f"--hostname={queue}@%h",
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
        run_account.apply_async(args=[account_id], queue=queue)
        wait_for(lambda: (comments() or 0) >= 300, 300, "the harvest to get going")
        own_postgres.stop("immediate")  # no checkpoint, no goodbye to the clients
        time.sleep(3)
        own_postgres.start()
        wait_for(
            lambda: own_postgres.value(
                "SELECT count(*) FROM harvest_harvestrun WHERE account_id = %s AND status = 'succeeded'",
                account_id,
            ),
            300,
            "the run to be retried and complete",
        )
    finally:
        stop_worker(worker)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)

    assert comments() == COMMENTS
    distinct = "SELECT count(DISTINCT platform_id) FROM archive_record WHERE thread_platform_id = %s AND kind <> 'post'"
    assert own_postgres.value(distinct, POST_ID) == COMMENTS
    # Each page of comments was stored once, whole: the one in flight when the server stopped was rolled back.
    pages = own_postgres.value(
        "SELECT count(*) FROM archive_sourceresponse WHERE account_id = %s AND url LIKE '%%/comments%%'",
        account_id,
    )
    assert pages == COMMENTS // PER_PAGE
    cases = own_postgres.value(
        "SELECT count(*) FROM moderation_case c JOIN archive_record r ON r.id = c.record_id"
        " WHERE r.thread_platform_id = %s",
        POST_ID,
    )
    assert cases == COMMENTS
