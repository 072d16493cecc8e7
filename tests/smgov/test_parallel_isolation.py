"""Test processes running side by side (pytest-xdist workers, or other checkouts on the same
servers) share neither a database, a Redis database nor a media folder."""

import os
import subprocess
import sys

from django.conf import settings

from smgov.celery import app
from tests.worker import ROOT, worker_environment


def expected_redis_db() -> int:
    base = int(os.environ.get("SMGOV_TEST_REDIS_DB", "5"))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return base + int(worker[2:]) if worker else base


def test_each_test_process_has_its_own_redis_database():
    db = expected_redis_db()
    assert db == settings.TEST_REDIS_DB
    for url in (settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND, app.conf.broker_url):
        assert url.endswith(f"/{db}"), url
    assert settings.MEDIA_ROOT.name == f"test-media-{db}"


def test_each_xdist_worker_has_its_own_test_database(db):
    name = settings.DATABASES["default"]["NAME"]
    assert name.startswith("test_")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        assert name.endswith(f"_{worker}")


def test_a_worker_process_started_by_the_tests_uses_this_process_s_databases(db):
    env = worker_environment()
    seen = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.CELERY_BROKER_URL, s.DATABASES['default']['NAME'], s.MEDIA_ROOT)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert seen == [
        settings.CELERY_BROKER_URL,
        settings.DATABASES["default"]["NAME"],
        str(settings.MEDIA_ROOT),
    ]
