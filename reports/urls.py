from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("arsrapport/", views.yearly, name="yearly"),
    path("arsrapport.csv", views.yearly_csv, name="yearly_csv"),
    path("arsrapport/pdf/", views.yearly_pdf, name="yearly_pdf"),
    path("arsrapport/pdf/<int:pk>/", views.yearly_pdf_status, name="yearly_pdf_status"),
    path("arsrapport/pdf/<int:pk>/hamta/", views.yearly_pdf_download, name="yearly_pdf_download"),
]
