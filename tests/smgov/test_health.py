"""/halsa/: database, Redis, worker, beat and the harvest schedule, with 503 when one fails."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from harvest.models import HarvestState
from smgov.celery import heartbeat


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_part_working_answers_200(client, celery_worker):
    heartbeat.apply()  # what beat makes a worker run every minute

    response = client.get(reverse("health"))

    assert response.status_code == 200, response.json()
    assert {name for name, check in response.json()["checks"].items() if check["ok"]} == {
        "database",
        "redis",
        "worker",
        "beat",
        "harvest",
    }


@pytest.mark.django_db
def test_a_stale_heartbeat_means_beat_is_down(client):
    from django.core.cache import cache

    from smgov.health import HEARTBEAT_KEY

    cache.set(HEARTBEAT_KEY, timezone.now() - timedelta(minutes=10))
    check = client.get(reverse("health")).json()["checks"]["beat"]
    assert check["ok"] is False and "600 s ago" in check["detail"]


@pytest.mark.django_db
def test_a_harvest_waiting_too_long_fails_the_check(client, org, settings):
    settings.HEALTH_HARVEST_DELAY_MINUTES = 30
    org.account.state = "active"
    org.account.save(update_fields=["state"])
    HarvestState.objects.create(account=org.account, next_run_at=timezone.now() - timedelta(hours=2))

    response = client.get(reverse("health"))

    assert response.status_code == 503
    check = response.json()["checks"]["harvest"]
    assert check["ok"] is False and "waiting 72" in check["detail"]
