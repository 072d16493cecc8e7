from celery import shared_task

from . import services


@shared_task(name="reports.send_monthly_reports", soft_time_limit=10 * 60, time_limit=11 * 60, acks_late=True)
def send_monthly_reports() -> int:
    """On the first of the month: last month's figures to every head of department."""
    return services.monthly_reports_send()
