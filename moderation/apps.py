from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from smgov.lib import notify  # noqa: F401 - registers the check of SMGOV_NOTIFY_CHANNELS

        from . import search

        search.register()
