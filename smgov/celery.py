"""The Celery application.

Reliability is chosen on purpose: a task is acknowledged only after it finished
(``acks_late``) and is handed back to the queue if its worker dies
(``reject_on_worker_lost``), each worker takes one task at a time (``prefetch 1``)
so a crash loses at most that one, and tasks only carry JSON. Redis' visibility
timeout is longer than any retry delay or time limit, so a task a worker is still
working on is not delivered twice. Tasks store their own progress in PostgreSQL.
"""

import os

import structlog
from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smgov.settings")

app = Celery("smgov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _bind_task_id(task_id=None, task=None, **_kwargs):
    """Every log line a task writes carries its id and name."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task_name=getattr(task, "name", ""))


@signals.task_postrun.connect
def _unbind_task_id(**_kwargs):
    structlog.contextvars.unbind_contextvars("task_id", "task_name")


@app.task(name="smgov.ping", soft_time_limit=20, time_limit=30)
def ping(value: str) -> str:
    """Echo a value back: lets a health check and the tests see a real worker answer."""
    return f"pong:{value}"


@app.task(name="smgov.heartbeat", soft_time_limit=20, time_limit=30)
def heartbeat() -> None:
    """Scheduled by beat every minute; `/halsa/` reads when it last ran."""
    from smgov.health import heartbeat as record

    record()
