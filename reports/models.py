from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Department


class MonthlyReportDelivery(models.Model):
    """A month's figures sent to a head of department: written with the sending, so that a
    retried or repeated run does not send the same month twice."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text=_("The first day of the month the figures are for."))
    recipient = models.EmailField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "department"]
        verbose_name = _("monthly report sent")
        constraints = [
            models.UniqueConstraint(fields=["department", "month"], name="monthly_report_once"),
        ]

    def __str__(self):
        return f"{self.department} {self.month:%Y-%m}"
