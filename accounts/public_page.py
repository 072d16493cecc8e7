"""The public listing of accounts served like the static page it nearly is.

The page changes only with the listing, the language and a new release of its templates. The view
renders it once per (version, language, templates) and answers with an ETag; `ServedWhole`, near
the top of the middleware, keeps the response the whole stack made for an anonymous visitor (body
and headers: the policy, framing, caching and language headers included) and answers the next
anonymous visitors with it before the rest of the stack runs (sessions, messages, sign-in, CSRF,
the second factor: none of which applies to a visitor without a session).
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.template.loader import get_template
from django.urls import reverse

from smgov.middleware import chosen_language

from . import selectors

TEMPLATES = ("accounts/public_list.html", "base.html")
# Cookies that make a request someone's own: a session (signed in, or a form's state) or messages
# waiting to be shown. A request with either goes through the whole stack.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")
# The headers of a stored response that a 304 repeats (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = ("ETag", "Cache-Control", "Vary", "Content-Language", "Expires")
TIMEOUT = 24 * 60 * 60


@functools.cache
def templates_revision() -> str:
    digest = hashlib.sha256()
    for name in TEMPLATES:
        digest.update(Path(get_template(name).origin.name).read_bytes())
    return digest.hexdigest()[:12]


def page_tag(language: str) -> str:
    """What the page as the public sees it depends on, as one string (its ETag without quotes)."""
    return f"{selectors.public_listing_version()}-{language}-{templates_revision()}"


def etag_matches(request, etag: str) -> bool:
    return etag in [value.strip() for value in request.headers.get("If-None-Match", "").split(",")]


class ServedWhole:
    """Answer an anonymous GET of the listing with the response last made for the same page tag."""

    def __init__(self, get_response):
        self.get_response = get_response

    @functools.cached_property
    def path(self) -> str:
        return reverse("accounts:public_list")

    def __call__(self, request):
        if (
            request.method != "GET"
            or request.path_info != self.path
            or request.GET
            or any(name in request.COOKIES for name in PERSONAL_COOKIES)
        ):
            return self.get_response(request)
        tag = page_tag(chosen_language(request))
        key = f"accounts:public-response:{tag}"
        stored = cache.get(key)
        if stored is not None:
            body, headers = stored
            if etag_matches(request, headers.get("ETag", "")):
                response = HttpResponseNotModified()
                for name in NOT_MODIFIED_HEADERS:
                    if name in headers:
                        response[name] = headers[name]
                return response
            return HttpResponse(body, headers=headers)
        response = self.get_response(request)
        if response.status_code == 200 and response.get("ETag") == f'"{tag}"' and not response.cookies:
            cache.set(key, (response.content, dict(response.headers)), timeout=TIMEOUT)
        return response
