"""Archive tasks: each takes ids, re-fetches and calls one service."""

from celery import shared_task
from django.conf import settings

from . import services
from .timestamps import TimestampUnavailable


@shared_task(name="archive.export_pdf", soft_time_limit=300, time_limit=360, acks_late=True)
def export_pdf(export_id: int) -> None:
    services.export_render_pdf(export_id=export_id)


@shared_task(name="archive.chain_timestamps_daily", soft_time_limit=300, time_limit=360)
def chain_timestamps_daily() -> int:
    return len(services.chain_timestamps_queue())


@shared_task(
    name="archive.chain_timestamp",
    acks_late=True,
    autoretry_for=(TimestampUnavailable,),
    max_retries=settings.SMGOV_TSA_MAX_RETRIES,
    retry_backoff=settings.SMGOV_TSA_RETRY_BACKOFF,
    retry_backoff_max=6 * 60 * 60,
    retry_jitter=True,
    soft_time_limit=120,
    time_limit=180,
)
def chain_timestamp(account_id: int) -> int | None:
    """The head of one account's hash chain, timestamped; a TSA that is down is asked again later."""
    stamp = services.chain_timestamp(account_id=account_id)
    return stamp.seq if stamp else None
