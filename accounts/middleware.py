"""Sign-in middleware: idle sign-out and the second factor."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import selectors

LAST_SEEN_KEY = "smgov_last_seen"
# Whether this login needs the second step, decided once at login (so that pages cost no queries).
SECOND_STEP_KEY = "smgov_second_step"
# The time of the last request is stored at most this often, not on every request.
LAST_SEEN_RESOLUTION = 60
OIDC_BACKEND = "accounts.oidc.MunicipalityOIDCBackend"


class IdleSignOut:
    """A person who has done nothing for SMGOV_SESSION_IDLE_MINUTES is signed out on the server: the
    stored sign-in is deleted, so the cookie alone no longer lets anyone in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            idle_limit = settings.SMGOV_SESSION_IDLE_MINUTES * 60
            if last_seen is not None and now - last_seen > idle_limit:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity. Please log in again.")
                    % {"minutes": settings.SMGOV_SESSION_IDLE_MINUTES},
                )
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


# Pages a signed-in person can open before the second factor: the sign-in pages themselves.
OPEN_BEFORE_SECOND_FACTOR = {
    "login",
    "logout",
    "set_language",
    "health",
    "health_web",
    "oidc_authentication_init",
    "oidc_authentication_callback",
}
OPEN_NAMESPACES = {"signin", "otp_webauthn"}


def signed_in_with_provider(request) -> bool:
    """Single sign-on: the provider (Entra ID's conditional access) has asked for the second factor."""
    return request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND


def remember_at_login(request, user) -> None:
    """At login: the time (the idle clock starts), and whether this person must give a second step."""
    request.session[LAST_SEEN_KEY] = int(time.time())
    request.session[SECOND_STEP_KEY] = selectors.user_has_second_factor(
        user
    ) or selectors.second_factor_required(user)


class SecondFactorRequired:
    """After the password, a person with a second factor must give it; a person whose role requires
    one (SMGOV_MFA_REQUIRED_ROLES) and has none must add one. Until then nothing else opens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and request.session.get(SECOND_STEP_KEY, True)
            and not signed_in_with_provider(request)
        ):
            target = None
            if selectors.user_has_second_factor(user):
                target = "signin:verify"
            elif selectors.second_factor_required(user):
                target = "signin:setup"
            # The menu is left out while the second step is missing: none of its pages would open.
            request.smgov_second_step_pending = target is not None
            if target and not self._open(request):
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _open(request) -> bool:
        if request.path_info.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.url_name in OPEN_BEFORE_SECOND_FACTOR or bool(set(match.namespaces) & OPEN_NAMESPACES)
