from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("konton/", views.public_list, name="public_list"),
    path("konton.json", views.public_json, name="public_json"),
    path("konton.csv", views.public_csv, name="public_csv"),
    path("register/", views.account_list, name="list"),
    path("register/ansok/", views.request_create, name="request"),
    path("register/beslut/", views.decisions, name="decisions"),
    path("register/oversikt/", views.overview, name="overview"),
    path("register/<int:pk>/", views.account_detail, name="detail"),
    path("register/<int:pk>/andra/", views.account_edit, name="edit"),
    path("register/<int:pk>/ansokan/", views.request_resubmit, name="resubmit"),
    path("register/<int:pk>/beslut/", views.account_decide, name="decide"),
    path("register/<int:pk>/inloggning/", views.credentials, name="credentials"),
    path("register/<int:pk>/inloggning/logg/", views.credential_log, name="credential_log"),
    path("register/<int:pk>/testa-anslutning/", views.test_connection, name="test_connection"),
    path("register/<int:pk>/administratorer/", views.administrator_add, name="administrator_add"),
    path(
        "register/<int:pk>/administratorer/<int:user_pk>/ta-bort/",
        views.administrator_remove,
        name="administrator_remove",
    ),
    path("register/<int:pk>/<slug:action>/", views.account_action, name="action"),
]
