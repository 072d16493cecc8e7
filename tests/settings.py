"""Test settings: the project's settings with test-only speed-ups and an isolated Redis database."""

import os

from smgov.settings import *  # noqa: F403
from smgov.settings import REDIS_URL

_redis_base = REDIS_URL.rsplit("/", 1)[0]
REDIS_URL = f"{_redis_base}/{os.environ.get('SMGOV_TEST_REDIS_DB', '5')}"
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The tests read mail.outbox, so the mail task runs in-process; a real worker process writes its
# mail to files instead (see tests/worker.py), where a test can read it.
EMAIL_BACKEND = os.environ.get("SMGOV_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("SMGOV_TEST_EMAIL_DIR", "")
MAIL_QUEUE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
