"""Harvest tasks: thin; each re-fetches by id and calls one service.

`run_account` is retried by Celery itself, from the cursor stored in PostgreSQL: after a rate limit
exactly when the platform said (no request storm), after server errors and timeouts with exponential
backoff and jitter, a bounded number of times; so is a run cut off by the database going away (a
restart of PostgreSQL: the page in flight was rolled back whole). Invalid credentials are never retried.
"""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from platforms.base import TransientError

from . import intake, services

# Celery's countdowns live in the broker; longer waits are left to the schedule (next_run_at).
MAX_RATE_LIMIT_WAIT = 60 * 60


@shared_task(
    bind=True,
    name="harvest.run_account",
    acks_late=True,
    autoretry_for=(TransientError, OperationalError, InterfaceError),
    max_retries=settings.HARVEST_TASK_MAX_RETRIES,
    retry_backoff=settings.HARVEST_RETRY_BACKOFF,
    retry_backoff_max=60 * 60,
    retry_jitter=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def run_account(self, account_id: int, trigger: str = "schedule", full: bool = False) -> str:
    try:
        run = services.harvest_account(
            account_id=account_id,
            trigger=trigger,
            full=full,
            attempt=self.request.retries,
            will_retry=self.request.retries < (self.max_retries or 0),
        )
    except services.HarvestDeferred as e:
        # Past the bound, or a long wait: the schedule resumes it once the platform's wait is over.
        # (No max_retries= here: Celery would keep that override on the task object for later runs.)
        if e.retry_after > MAX_RATE_LIMIT_WAIT or self.request.retries >= self.max_retries:
            return "deferred"
        raise self.retry(exc=e, countdown=max(e.retry_after, 1)) from e
    return run.status


@shared_task(name="harvest.schedule_due", soft_time_limit=50, time_limit=60)
def schedule_due() -> int:
    return len(services.harvest_schedule_due())


@shared_task(
    name="harvest.ingest_delivery",
    acks_late=True,
    autoretry_for=(TransientError,),
    max_retries=settings.HARVEST_TASK_MAX_RETRIES,
    retry_backoff=settings.HARVEST_RETRY_BACKOFF,
    retry_jitter=True,
    soft_time_limit=120,
    time_limit=180,
)
def ingest_delivery(delivery_id: int) -> str:
    """What a webhook delivery or a stream event says, into the archive (harvest/intake.py)."""
    intake.delivery_ingest(delivery_id=delivery_id)
    return "ingested"


@shared_task(name="harvest.deliveries_requeue", soft_time_limit=50, time_limit=60)
def deliveries_requeue() -> int:
    return len(intake.deliveries_requeue())


@shared_task(name="harvest.rechecks_due", soft_time_limit=50, time_limit=60)
def rechecks_due() -> int:
    return len(intake.rechecks_due())


@shared_task(
    name="harvest.recheck_item",
    acks_late=True,
    autoretry_for=(TransientError,),
    max_retries=3,
    retry_backoff=60,
    soft_time_limit=60,
    time_limit=90,
)
def recheck_item(recheck_id: int) -> str:
    return intake.recheck_run(recheck_id=recheck_id)


@shared_task(
    name="harvest.reconcile_account",
    acks_late=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def reconcile_account(account_id: int) -> str:
    return services.harvest_reconcile(account_id=account_id).status


@shared_task(name="harvest.reconcile_nightly", soft_time_limit=50, time_limit=60)
def reconcile_nightly() -> int:
    return len(services.harvest_reconcile_nightly())
