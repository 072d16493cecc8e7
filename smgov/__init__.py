from .lib import redaction

# Before anything logs: no log record of any process of smgov may carry a secret.
redaction.install()

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
