"""N8 in a real Celery worker process on the real Redis broker: beat's entry hands out the due
watch, and the watch's own task reads the local sources into the monitoring list once."""

import pytest

from moderation.models import MonitoringHit
from moderation.tasks import monitoring_due, run_watch
from tests.moderation.test_monitoring import make_watch, serve_sources

pytestmark = pytest.mark.worker


@pytest.fixture
def watch(transactional_db, org, httpserver):
    serve_sources(httpserver)
    return make_watch(org, httpserver)


def test_n8_a_worker_runs_a_watch_into_the_monitoring_list_once(celery_worker, watch):
    assert run_watch.delay(watch.pk).get(timeout=90) == 3
    assert run_watch.delay(watch.pk).get(timeout=90) == 0
    assert MonitoringHit.objects.filter(watch=watch).count() == 3
    # The watch ran: it is not due again until its interval has passed.
    assert monitoring_due.delay().get(timeout=90) == 0
