from django.urls import path

from . import views

app_name = "harvest"
urlpatterns = [
    path("konto/<int:account_id>/status/", views.account_status, name="account_status"),
    path("konto/<int:account_id>/hamta/", views.account_harvest_now, name="harvest_now"),
]
