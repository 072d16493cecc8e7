"""django-otp-webauthn's passkey endpoints, with its browser messages in Swedish from the project's
own catalogue (locale/sv/LC_MESSAGES/djangojs.po; the library ships no Swedish)."""

from django.conf import settings
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn.urls import urlpatterns as library_urlpatterns


class PasskeyMessages(JavaScriptCatalog):
    def get_paths(self, packages):
        return [*map(str, settings.LOCALE_PATHS), *super().get_paths(packages)]


app_name = "otp_webauthn"
urlpatterns = [pattern for pattern in library_urlpatterns if pattern.name != "js-i18n-catalog"] + [
    path("jsi18n/", PasskeyMessages.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
