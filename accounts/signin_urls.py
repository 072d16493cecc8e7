from django.urls import path

from . import signin_views

app_name = "signin"
urlpatterns = [
    path("tvastegs/", signin_views.setup, name="setup"),
    path("tvastegs/app/", signin_views.authenticator_add, name="authenticator_add"),
    path("tvastegs/reservkoder/", signin_views.recovery_codes_create, name="recovery_codes"),
    path("verifiera/", signin_views.verify, name="verify"),
    path("sparrar/", signin_views.lockouts, name="lockouts"),
    path("sparrar/<int:pk>/hav/", signin_views.lockout_lift, name="lockout_lift"),
]
