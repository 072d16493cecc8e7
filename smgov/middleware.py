"""Middleware of the whole site."""

from django.utils.cache import patch_cache_control


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
