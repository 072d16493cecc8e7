from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Diary")

    def ready(self):
        from accounts.services import register_retire_check

        from . import earchive, search

        search.register()
        # Archive before close: an account is retired only after its final e-archive package.
        register_retire_check(earchive.earchive_retire_check)
