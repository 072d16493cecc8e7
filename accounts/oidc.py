"""OpenID Connect single sign-on (Entra ID or any standard provider), on top of mozilla-django-oidc.

The provider's endpoints come from its discovery document (OIDC_OP_DISCOVERY_URL) unless given one
by one. People are matched by e-mail (SMGOV_OIDC_EMAIL_CLAIM); their roles and department follow the
provider's groups on every sign-in (accounts.services.user_sync_from_provider).
"""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import services
from .models import User

logger = logging.getLogger(__name__)

DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
    "OIDC_OP_ISSUER": "issuer",
}
DISCOVERY_CACHE_SECONDS = 60 * 60


def discovery_document(url: str) -> dict:
    """The provider's /.well-known/openid-configuration, kept for an hour."""
    key = f"smgov:oidc-discovery:{url}"
    document = cache.get(key)
    if document is None:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        cache.set(key, document, DISCOVERY_CACHE_SECONDS)
    return document


def oidc_setting(attr, *args):
    """A mozilla-django-oidc setting; an endpoint not set is read from the discovery document."""
    value = import_from_settings(attr, *args)
    if not value and attr in DISCOVERED and settings.OIDC_OP_DISCOVERY_URL:
        value = discovery_document(settings.OIDC_OP_DISCOVERY_URL).get(DISCOVERED[attr], "")
    return value


class MunicipalityOIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every login, the password ones too: the provider is asked
        # for its endpoints only when single sign-on is actually used, so a break-glass login works
        # while the provider is down.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_JWKS_ENDPOINT"))

    def _verify_jws(self, payload, key):
        """The signature, and also the audience (this client) and the issuer, which the library
        leaves unchecked."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The provider signed with an unexpected algorithm.")
        issuer = oidc_setting("OIDC_OP_ISSUER") or None
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                options={"require": ["exp", "iat", "aud"], "verify_iss": issuer is not None},
                leeway=30,
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from None

    def authenticate(self, request, **kwargs):
        """A refused token or an unreachable provider is a failed sign-in (the login page says so),
        never an error page."""
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as error:
            logger.warning("single sign-on refused: %s", error)
        except requests.RequestException as error:
            logger.warning("single sign-on failed, the provider did not answer: %s", error)
        return None

    @staticmethod
    def _email(claims) -> str:
        return str(claims.get(settings.SMGOV_OIDC_EMAIL_CLAIM) or "").strip()

    def verify_claims(self, claims):
        return bool(self._email(claims))

    def filter_users_by_claims(self, claims):
        return User.objects.filter(email__iexact=self._email(claims))

    def _groups(self, claims) -> list[str]:
        groups = claims.get(settings.SMGOV_OIDC_GROUPS_CLAIM) or []
        return [str(group) for group in (groups if isinstance(groups, list) else [groups])]

    def create_user(self, claims):
        return self._sync(None, claims)

    def update_user(self, user, claims):
        if not user.is_active:
            raise SuspiciousOperation("A deactivated person tried single sign-on.")
        return self._sync(user, claims)

    def _sync(self, user, claims):
        return services.user_sync_from_provider(
            user=user,
            email=self._email(claims),
            first_name=str(claims.get("given_name") or ""),
            last_name=str(claims.get("family_name") or ""),
            groups=self._groups(claims),
        )


class AuthenticationRequestView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not settings.SMGOV_OIDC_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        # The endpoint is read on the first request, not when the URLs are loaded.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_OP_AUTH_ENDPOINT(self):  # noqa: N802 (the library's name)
        return oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")


class CallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not settings.SMGOV_OIDC_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def provider_logout_url(request) -> str | None:
    """Where to send the browser so the provider ends its sign-in too (RP-initiated logout)."""
    endpoint = oidc_setting("OIDC_OP_LOGOUT_ENDPOINT")
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
