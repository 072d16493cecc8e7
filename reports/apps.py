from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Statistics and reports for management: the one domain that reads across every other app.

    Dependencies point one way: reports reads harvest, moderation, archive and accounts through
    their models and selectors; nothing imports reports.
    """

    name = "reports"
    verbose_name = _("Statistics and reports")
