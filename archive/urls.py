from django.urls import path

from . import views

app_name = "archive"
urlpatterns = [
    path("", views.search, name="search"),
    path("handling/<int:pk>/", views.record, name="record"),
    path("handling/<int:pk>/kalla/<int:source_pk>/", views.record_source, name="record_source"),
    path("handling/<int:pk>/media/<int:media_pk>/", views.record_media, name="record_media"),
    path("utlamnanden/", views.export_list, name="exports"),
    path("utlamnanden/ny/", views.export_create, name="export_create"),
    path("utlamnanden/<int:pk>/", views.export_detail, name="export"),
    path("utlamnanden/<int:pk>/maskera/<int:item_pk>/", views.export_mask, name="export_mask"),
    path(
        "utlamnanden/<int:pk>/maskera/<int:item_pk>/forslag/",
        views.export_mask_suggestion,
        name="export_mask_suggestion",
    ),
    path("utlamnanden/<int:pk>/pdf/", views.export_pdf, name="export_pdf"),
    path("utlamnanden/<int:pk>/status/", views.export_status, name="export_status"),
    path("utlamnanden/<int:pk>/fil.<str:file_format>", views.export_download, name="export_download"),
]
