"""A real Celery worker process for the tests, on the real Redis broker and the test database."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
# Where worker processes started by this test process write the mail they send.
MAIL_DIR = Path(tempfile.gettempdir()) / f"smgov-test-mail-{os.getpid()}"


def worker_environment(**extra: str) -> dict[str, str]:
    """The test process's own test database (pytest-django's, suffixed per xdist worker once the
    test databases are set up) and its own Redis database, named explicitly."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)  # SMGOV_TEST_REDIS_DB below is already this worker's
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        SMGOV_TEST_REDIS_DB=str(settings.TEST_REDIS_DB),
        PYTHONPATH=str(ROOT),
        SMGOV_TEST_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        SMGOV_TEST_EMAIL_DIR=str(MAIL_DIR),
        **extra,
    )
    return env


def start_worker(
    *, pool: str = "solo", concurrency: int = 1, log_path: Path | None = None, env: dict | None = None
) -> subprocess.Popen:
    log = open(log_path or os.devnull, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smgov",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env or worker_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_ready(app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError("the Celery worker did not start")


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
