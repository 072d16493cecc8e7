from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("konton/", views.public_list, name="public_list"),
    path("register/", views.account_list, name="list"),
    path("register/<int:pk>/", views.account_detail, name="detail"),
]
