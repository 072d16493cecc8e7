"""What `/halsa/` reports to the municipality's monitoring: each part of smgov, and whether it works.

- database: PostgreSQL answers;
- redis: the broker and cache answer;
- worker: at least one Celery worker answers a ping;
- beat: the heartbeat task that beat schedules every minute ran recently (beat → broker → worker);
- harvest: the oldest harvest that is due has not waited longer than HEALTH_HARVEST_DELAY_MINUTES.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "smgov:heartbeat"
BEAT_STALE = timedelta(minutes=3)  # the heartbeat runs every minute


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Check("database", True, "answers")
    except Exception as exc:  # noqa: BLE001 - a monitor needs the reason, not a 500
        return Check("database", False, type(exc).__name__)


def _redis() -> Check:
    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        return Check("redis", True, "answers")
    except Exception as exc:  # noqa: BLE001
        return Check("redis", False, type(exc).__name__)


def _worker() -> Check:
    from smgov.celery import app

    try:
        replies = app.control.ping(timeout=1.0)
    except Exception as exc:  # noqa: BLE001
        return Check("worker", False, type(exc).__name__)
    if not replies:
        return Check("worker", False, "no worker answered")
    return Check("worker", True, f"{len(replies)} answered")


def _beat(now) -> Check:
    beat_at = cache.get(HEARTBEAT_KEY)
    if beat_at is None:
        return Check("beat", False, "no heartbeat yet")
    age = now - beat_at
    if age > BEAT_STALE:
        return Check("beat", False, f"last heartbeat {int(age.total_seconds())} s ago")
    return Check("beat", True, f"last heartbeat {int(age.total_seconds())} s ago")


def _harvest(now) -> Check:
    from harvest.selectors import oldest_due_harvest

    due = oldest_due_harvest(now=now)
    if due is None:
        return Check("harvest", True, "nothing waiting")
    waited = now - due
    limit = timedelta(minutes=settings.HEALTH_HARVEST_DELAY_MINUTES)
    return Check("harvest", waited <= limit, f"oldest due harvest waiting {int(waited.total_seconds())} s")


def checks() -> list[Check]:
    now = timezone.now()
    return [database(), _redis(), _worker(), _beat(now), _harvest(now)]


def heartbeat() -> None:
    """Written by the heartbeat task: proves that beat schedules and a worker runs what it schedules."""
    cache.set(HEARTBEAT_KEY, timezone.now(), timeout=None)
