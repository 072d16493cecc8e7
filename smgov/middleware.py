"""Middleware of the whole site."""

import re
import uuid

import structlog
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_cache_control

# A request id from the proxy in front is kept when it looks like one; anything else is replaced.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestId:
    """Every log line of a request carries its id, and the response tells it (X-Request-ID), so a
    person reporting a problem can name the lines that belong to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
        response["X-Request-ID"] = request_id
        return response


class PrivatePagesNotStored:
    """A page shown to a signed-in person is never kept by a browser's or a proxy's cache.

    Pages hold comments with personal data, credentials' health and case notes: after logging out on a
    shared computer, the back button must not show them. Public pages (the listing of accounts) set their
    own caching for the anonymous public.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, no_store=True, private=True)
        return response


def chosen_language(request) -> str:
    """The language chosen with the switch (the language cookie), else Swedish."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class ChosenLanguage(LocaleMiddleware):
    """Swedish unless the person chose another language with the switch in the footer.

    Django's own middleware follows the browser's Accept-Language, which gives English labels around Swedish
    content to anyone whose browser happens to ask for English. Here only the choice remembered in the
    language cookie (set by the switch, ``django.views.i18n.set_language``) counts.
    """

    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
