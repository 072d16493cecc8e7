from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from axes.signals import user_locked_out

        user_locked_out.connect(_lockout_happened, dispatch_uid="smgov-lockout-audit")


def _lockout_happened(sender, request, username, ip_address, **kwargs):
    """django-axes tells of every refused try; the lockout itself is the failure that reached the limit
    (a try during the lockout carries no new failure count)."""
    from . import services

    if getattr(request, "axes_failures_since_start", None) is not None:
        services.signin_lockout_record(username=username or "", ip_address=ip_address)
