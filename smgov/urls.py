from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("problem/", views.problems, name="problems"),
    path("logga-in/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logga-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("halsa/", views.health, name="health"),
    path("halsa/webb/", views.health_web, name="health_web"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("statistik/", include("reports.urls")),
    path("inkorg/", include("moderation.urls")),
    path("insamling/", include("harvest.urls")),
    path("demo-plattform/", include("harvest.demo")),
    # The diary keeps its addresses under the archive's, as before it moved to the registry app.
    path("arkiv/diarium/", include("registry.urls")),
    path("arkiv/", include("archive.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "smgov.views.permission_denied"
handler500 = "smgov.views.server_error"
