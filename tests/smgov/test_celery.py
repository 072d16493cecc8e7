"""A task goes through the real Redis broker to a real worker process and back."""

import pytest

from smgov.celery import ping


@pytest.mark.worker
def test_task_round_trip_through_real_worker(celery_worker):
    result = ping.delay("hej")
    assert result.get(timeout=30) == "pong:hej"


def test_celery_reliability_settings_are_chosen(settings):
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > max(
        settings.CELERY_TASK_TIME_LIMIT, settings.CELERY_TASK_MAX_RETRY_DELAY
    )
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
