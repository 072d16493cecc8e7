from django.contrib import admin
from django.urls import include, path

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
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("statistik/", include("reports.urls")),
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
