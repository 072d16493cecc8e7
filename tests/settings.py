"""Test settings: the project's settings with test-only speed-ups and an isolated Redis database.

Each test process has a Redis database of its own: ``SMGOV_TEST_REDIS_DB`` (default 5) and, under
pytest-xdist, plus the worker's number (gw0 -> base, gw1 -> base + 1, ...; xdist sets
``PYTEST_XDIST_WORKER`` before pytest-django imports these settings). The Celery worker processes
the tests start inherit the environment and so land on the same database. pytest-django gives each
xdist worker its own test database (test_<name>_gw0, ...), and the media files go to a folder per
Redis database, so parallel test processes share nothing.
"""

import os

from smgov.settings import *  # noqa: F403
from smgov.settings import BASE_DIR, REDIS_URL


def _test_redis_db() -> int:
    base = int(os.environ.get("SMGOV_TEST_REDIS_DB", "5"))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return base + int(worker.removeprefix("gw")) if worker.startswith("gw") else base


TEST_REDIS_DB = _test_redis_db()
_redis_base = REDIS_URL.rsplit("/", 1)[0]
REDIS_URL = f"{_redis_base}/{TEST_REDIS_DB}"
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
# A test whose own worker must not share its tasks with the session's worker (same Redis database)
# gives its processes a queue of their own.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("SMGOV_TEST_CELERY_QUEUE", "celery")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The tests read mail.outbox, so the mail task runs in-process; a real worker process writes its
# mail to files instead (see tests/worker.py), where a test can read it.
EMAIL_BACKEND = os.environ.get("SMGOV_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("SMGOV_TEST_EMAIL_DIR", "")
MAIL_QUEUE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".var" / f"test-media-{TEST_REDIS_DB}"
# The recorded payloads are dated 2024, so at a first harvest every comment in them would be older
# than its answer was due: the pipeline tests take them as new, and the tests of the first harvest
# of an account with a history set the factor themselves.
HARVEST_HISTORICAL_FACTOR = 0
# Tests log people in with force_login, which gives no second factor: the second factor is asked
# only in the tests of signing in (tests/accounts/test_signin.py), which set the production roles.
SMGOV_MFA_REQUIRED_ROLES = []
