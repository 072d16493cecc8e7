from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from accounts import signin_views
from harvest import views as harvest_views

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("problem/", views.problems, name="problems"),
    path("logga-in/", signin_views.SignInView.as_view(), name="login"),
    path("logga-ut/", signin_views.SignOutView.as_view(), name="logout"),
    path("inloggning/", include("accounts.signin_urls")),
    path("inloggning/nyckel/", include("accounts.passkey_urls")),
    path("inloggning/sso/", include("mozilla_django_oidc.urls")),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("halsa/", views.health, name="health"),
    path("halsa/webb/", views.health_web, name="health_web"),
    # The language switch is in every page's footer, also on the public page that is served from a
    # cache as it is: it carries no CSRF token (choosing a language changes nothing but a cookie).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("accounts.urls")),
    path("statistik/", include("reports.urls")),
    # The REST API, which reads every app (reports too): included by name only, like reports.
    path("api/", include("api.urls")),
    path("inkorg/", include("moderation.urls")),
    path("insamling/", include("harvest.urls")),
    # Meta's webhook callback (Facebook Pages, Instagram): signed by the app secret, not logged in.
    path("webhooks/meta/", harvest_views.meta_webhook, name="meta_webhook"),
    path("demo-plattform/", include("harvest.demo")),
    # The diary keeps its addresses under the archive's, as before it moved to the registry app.
    path("arkiv/diarium/", include("registry.urls")),
    path("arkiv/", include("archive.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "smgov.views.permission_denied"
handler500 = "smgov.views.server_error"
