from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        from archive.selectors import register_mask_suggester, register_removal_grounds
        from smgov.lib import notify  # noqa: F401 - registers the checks of SMGOV_NOTIFY_CHANNELS and the sender

        from . import search
        from .models import GROUND_CHOICES

        search.register()
        register_removal_grounds(dict(GROUND_CHOICES))
        register_mask_suggester(search.personal_data_suggestions)
