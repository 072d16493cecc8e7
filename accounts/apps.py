from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        user_locked_out.connect(_lockout_happened, dispatch_uid="smgov-lockout-audit")
        user_logged_in.connect(_logged_in, dispatch_uid="smgov-login-second-step")


def _lockout_happened(sender, request, username, ip_address, **kwargs):
    """django-axes tells of every refused try; the lockout itself is the failure that reached the limit
    (a try during the lockout carries no new failure count)."""
    from . import services

    if getattr(request, "axes_failures_since_start", None) is not None:
        services.signin_lockout_record(username=username or "", ip_address=ip_address)


def _logged_in(sender, request, user, **kwargs):
    from .middleware import remember_at_login

    if request is not None and hasattr(request, "session"):
        remember_at_login(request, user)
