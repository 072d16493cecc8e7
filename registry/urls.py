"""The registrar's pages, included by smgov/urls.py under "arkiv/diarium/" (names prefixed diary_)."""

from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.queue, name="diary"),
    path("begaran/<int:pk>/registrera/", views.register, name="diary_register"),
    path("begaran/<int:pk>/bifoga/", views.attach, name="diary_attach"),
    path("begaran/<int:pk>/ingen-registrering/", views.not_needed, name="diary_not_needed"),
    path("arenden/", views.case_list, name="diary_cases"),
    path("arenden/<int:pk>/", views.case_detail, name="diary_case"),
    path("arenden/<int:pk>/handlingar/", views.case_documents, name="diary_case_documents"),
    path("handlingar/<int:pk>/fil/", views.document_file, name="diary_document_file"),
    path("samlingsakt/", views.samlingsakt_start, name="diary_samlingsakt_start"),
    path("samlingsakt/<int:department>/<int:year>/", views.samlingsakt, name="diary_samlingsakt"),
    path("arsrapport/", views.year_report_start, name="diary_year_report_start"),
    path("arsrapport/<int:department>/<int:year>/", views.year_report, name="diary_year_report"),
    path("arsrapport/<int:department>/<int:year>/csv/", views.year_report_csv, name="diary_year_report_csv"),
    path("arsrapport/<int:department>/<int:year>/pdf/", views.year_report_pdf, name="diary_year_report_pdf"),
    path("dokumentklasser/", views.document_classes, name="diary_document_classes"),
    path("dokumentklasser/ny/", views.document_class_edit, name="diary_document_class_new"),
    path("dokumentklasser/<int:pk>/", views.document_class_edit, name="diary_document_class_edit"),
    path("poster/<int:record>/bevarande/", views.legal_hold, name="diary_legal_hold"),
    path("gallring/", views.disposal, name="diary_disposal"),
    path("gallring/provkorning/", views.disposal_propose, name="diary_disposal_propose"),
    path("gallring/provkorning/<int:pk>/", views.disposal_run, name="diary_disposal_run"),
    path("gallring/<int:pk>/", views.disposal_batch, name="diary_disposal_batch"),
    path("gallring/<int:pk>/godkann/", views.disposal_approve, name="diary_disposal_approve"),
    path("e-arkiv/", views.earchive_packages, name="diary_earchive"),
    path("e-arkiv/bestall/", views.earchive_order, name="diary_earchive_order"),
    path("e-arkiv/<int:pk>/", views.earchive_package, name="diary_earchive_package"),
    path("e-arkiv/<int:pk>/status/", views.earchive_package_status, name="diary_earchive_status"),
    path("e-arkiv/<int:pk>/fil/", views.earchive_package_file, name="diary_earchive_file"),
    path("export/", views.diary_exports, name="diary_exports"),
    path("export/bestall/", views.diary_export_order, name="diary_export_order"),
    path("export/<int:pk>/xml/", views.diary_export_xml, name="diary_export_xml"),
    path("export/<int:pk>/csv/", views.diary_export_csv, name="diary_export_csv"),
    path("diarienummer/import/", views.diary_numbers_import, name="diary_numbers_import"),
]
