"""The REST API (read-only, under /api/v1/), its schema and documentation, and the page of tokens."""

from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from . import endpoints, views

app_name = "api"
# Ids are read by the endpoints themselves, so that a malformed one is a 404 in JSON like any other.
urlpatterns = [
    path("schema/", endpoints.Schema.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("nycklar/", views.tokens, name="tokens"),
    path("v1/accounts/", endpoints.PublicAccounts.as_view(), name="public_accounts"),
    path("v1/records/", endpoints.RecordList.as_view(), name="records"),
    path("v1/records/<str:pk>/", endpoints.RecordDetail.as_view(), name="record"),
    path("v1/diary/cases/", endpoints.DiaryCaseList.as_view(), name="diary_cases"),
    path("v1/diary/cases/<str:pk>/", endpoints.DiaryCaseDetail.as_view(), name="diary_case"),
    path("v1/statistics/", endpoints.Statistics.as_view(), name="statistics"),
]
