"""How often the API may be asked: per token, per signed-in person, per address for the public."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.SMGOV_API_RATE

    def allow_request(self, request, view):
        # The rate is read at each request, so a changed setting holds at once.
        authenticated = bool(request.user and request.user.is_authenticated)
        self.rate = self.get_rate() if authenticated else settings.SMGOV_API_PUBLIC_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
