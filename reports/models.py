from django.conf import settings
from django.db import models
from django.urls import reverse
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


class ReportPdf(models.Model):
    """A yearly report printed to PDF by a worker (printing takes a headless browser some seconds)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField()
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("Empty for the whole municipality."),
    )  # fmt: skip
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    made_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("yearly report PDF")

    def __str__(self):
        return f"{self.year} {self.department or '-'} ({self.status})"

    def get_absolute_url(self):
        return reverse("reports:yearly_pdf_status", args=[self.pk])
