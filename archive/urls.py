from django.urls import include, path

app_name = "archive"

urlpatterns = [
    path("diarium/", include("archive.diary_urls")),
]
