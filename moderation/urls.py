from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("arende/<int:pk>/", views.case_detail, name="case"),
]
