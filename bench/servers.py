"""The project's own processes for the benchmarks: gunicorn and a Celery worker on a scratch database,
with the broker and cache in their own Redis database (SMGOV_BENCH_REDIS_DB, default 8)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def redis_url() -> str:
    return (
        f"redis://127.0.0.1:{os.environ.get('SMGOV_REDIS_PORT', '26379')}/"
        f"{os.environ.get('SMGOV_BENCH_REDIS_DB', '8')}"
    )


def environment(database_url: str, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="smgov.settings",
        DEBUG="false",  # as in production: no query log kept in memory
        PYTHONPATH=str(ROOT),
        REDIS_URL=redis_url(),
        CACHE_URL=redis_url(),
        CELERY_RESULT_BACKEND=redis_url(),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        HARVEST_DOWNLOAD_MEDIA="false",
        **extra,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(database_url: str, port: int, *, workers: int = 2, **extra: str) -> subprocess.Popen:
    """gunicorn serving the app on loopback, returned once it answers."""
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and gunicorn
        [sys.executable, "-m", "gunicorn", "smgov.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=environment(database_url, **extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/konton/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("gunicorn did not answer: " + server.stderr.read().decode()[-500:])


def celery_worker(database_url: str, *, log: Path | None = None, **extra: str) -> subprocess.Popen:
    """A Celery worker (one prefork process, as a small deployment runs it)."""
    out = open(log or os.devnull, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(  # noqa: S603 - our own interpreter and celery
        [sys.executable, "-m", "celery", "-A", "smgov", "worker", "--concurrency=1", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=environment(database_url, **extra), stdout=out, stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
