from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Archive")

    def ready(self):
        from .search import warm_search_dictionary

        connection_created.connect(warm_search_dictionary, dispatch_uid="archive.warm_search_dictionary")
