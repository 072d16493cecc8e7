"""Archive tasks: each takes ids, re-fetches and calls one service."""

from celery import shared_task

from . import services


@shared_task(name="archive.export_pdf", soft_time_limit=300, time_limit=360, acks_late=True)
def export_pdf(export_id: int) -> None:
    services.export_render_pdf(export_id=export_id)
