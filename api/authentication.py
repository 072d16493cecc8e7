"""Systems authenticate with `Authorization: Bearer smgov_…`; the request then runs as the token's
system user. A token in the address is never accepted (addresses end up in logs)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from . import selectors


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after the word Bearer, nothing more."))
        token = selectors.token_for_key(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not known or has been revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's system user is deactivated."))
        return token.user, token

    def authenticate_header(self, request):
        # Makes a missing or refused token a 401 with the scheme to use, rather than a 403.
        return self.keyword


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token made by the information unit (API tokens page or manage.py api_token).",
        }
