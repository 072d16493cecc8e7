from celery import shared_task

from . import services


@shared_task(name="reports.send_monthly_reports", soft_time_limit=10 * 60, time_limit=11 * 60, acks_late=True)
def send_monthly_reports() -> int:
    """On the first of the month: last month's figures to every head of department."""
    return services.monthly_reports_send()


@shared_task(name="reports.render_yearly_pdf", soft_time_limit=2 * 60, time_limit=3 * 60, acks_late=True)
def render_yearly_pdf(report_pdf_id: int) -> None:
    services.report_pdf_render(report_pdf_id=report_pdf_id)
