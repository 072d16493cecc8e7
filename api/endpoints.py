"""The REST API: read-only endpoints over the same selectors and permission policies as the web.

Each endpoint names the area of the role table it reads (`area`) and the app policy that decides
whether the user may read it (`policy`): a person signed in to the web, or the system user of a
token, gets exactly what the same person gets on the web's pages, and a token only the areas of
its scopes. The public accounts are open data and need nobody. Every request made with a token is
logged (`ApiTokenUse`); nothing else is written by a GET, except the record access log the web's
record page writes too.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.models import Department, Platform, ServiceAccount
from accounts.roles import Area
from archive import permissions as archive_permissions
from archive import selectors as archive_selectors
from archive import services as archive_services
from archive.forms import SearchForm
from archive.models import Record, RecordKind
from registry import permissions as registry_permissions
from registry import selectors as registry_selectors
from registry.models import DiaryCase
from registry.views import PAGE_SIZE as DIARY_PAGE_SIZE
from reports import permissions as report_permissions
from reports import selectors as report_selectors
from reports.forms import StatisticsFilterForm
from reports.periods import PRESETS

from . import permissions, serializers, services
from .models import ApiToken

ERRORS = {
    400: serializers.ErrorSerializer,
    401: serializers.ErrorSerializer,
    403: serializers.ErrorSerializer,
    429: serializers.ErrorSerializer,
}
NOT_FOUND = {404: serializers.ErrorSerializer}


class AreaPolicy(BasePermission):
    """Signed in (or a token), a token scoped to the endpoint's area, and the app's own policy."""

    def has_permission(self, request, view):
        if view.area is None:
            return True
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 with the scheme to use
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if not permissions.token_allows(token, view.area):
            raise exceptions.PermissionDenied(_("The token may not read this part of smgov."))
        return view.policy(request.user)


class TokenUseLogged:
    """Every answer to a request made with a token is written to the token's log."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(getattr(request, "auth", None), ApiToken):
            from axes.helpers import get_client_ip_address

            services.api_token_use_record(
                token=request.auth,
                method=request.method,
                path=request.path,
                query=request.META.get("QUERY_STRING", ""),
                status=response.status_code,
                address=get_client_ip_address(request._request),
            )
        return response


class ReadEndpoint(TokenUseLogged, APIView):
    area: str | None = None
    permission_classes = [AreaPolicy]

    @staticmethod
    def policy(user) -> bool:
        return False


class Schema(TokenUseLogged, SpectacularAPIView):
    """The OpenAPI 3 schema, open to everyone."""


def _form_errors(form) -> Response:
    return Response(
        {
            "detail": _("Some of the filters are not valid."),
            "errors": {
                field: [str(message) for message in messages] for field, messages in form.errors.items()
            },
        },
        status=400,
    )


def _page_number(request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _page_links(request, number: int, pages: int) -> dict:
    url = request.build_absolute_uri()
    return {
        "next": replace_query_param(url, "page", number + 1) if number < pages else None,
        "previous": (
            None
            if number <= 1
            else (
                replace_query_param(url, "page", number - 1)
                if number > 2
                else remove_query_param(url, "page")
            )
        ),
    }


PAGE = OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1.")
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _id(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise exceptions.NotFound
    return int(value)


class PublicAccounts(ReadEndpoint):
    """F4: every active account of the municipality, as the public listing /konton/ shows it."""

    authentication_classes = []  # open data: no one signs in, and no token is asked for or logged

    @extend_schema(
        operation_id="public_accounts",
        summary="The municipality's active social media accounts (open data)",
        responses={200: serializers.PublicAccountListSerializer, 429: serializers.ErrorSerializer},
        auth=[],
    )
    def get(self, request):
        listing = account_selectors.public_listing()
        return Response(
            {
                "municipality": settings.MUNICIPALITY_NAME,
                "count": len(listing),
                "results": serializers.PublicAccountSerializer(listing, many=True).data,
            }
        )


def _search_parameters() -> list[OpenApiParameter]:
    def choice(name, values, description):
        return OpenApiParameter(
            name, OpenApiTypes.STR, enum=[str(v) for v in values], description=description
        )

    yes_no = ["yes", "no"]
    parameters = [
        OpenApiParameter("q", OpenApiTypes.STR, description="Search words (Swedish full-text search, F11)."),
        OpenApiParameter("author", OpenApiTypes.STR, description="Author name or handle."),
        OpenApiParameter("department", OpenApiTypes.INT, description="A department the user may search."),
        OpenApiParameter("account", OpenApiTypes.INT, description="An account the user may search."),
        choice("platform", Platform.values, "Platform."),
        choice("kind", RecordKind.values, "Kind of record."),
        OpenApiParameter("year", OpenApiTypes.INT, description="Year drawn up or received (1990–2100)."),
        OpenApiParameter("date_from", OpenApiTypes.DATE, description="Published from (Europe/Stockholm)."),
        OpenApiParameter("date_to", OpenApiTypes.DATE, description="Published to (Europe/Stockholm)."),
        choice("removed", yes_no, "Removed by the municipality."),
        choice("deleted", yes_no, "Deleted on the platform."),
    ]
    for extension in archive_selectors.SEARCH_FILTER_EXTENSIONS.values():
        parameters.append(
            choice(extension.name, [value for value, _label in extension.choices()], str(extension.label))
        )
    parameters += [choice("sort", archive_selectors.SORTS, "Order."), PAGE]
    return parameters


class RecordList(ReadEndpoint):
    """F11: the archive search, with the web's filters, facets and pages of 20."""

    area = Area.ARCHIVE
    policy = staticmethod(archive_permissions.can_search)

    @extend_schema(
        operation_id="records",
        summary="Search the archive's records",
        parameters=_search_parameters(),
        responses={200: serializers.RecordPageSerializer, **ERRORS},
    )
    def get(self, request):
        choices = archive_selectors.search_filter_choices(user=request.user)
        form = SearchForm(request.query_params, **choices)
        if not form.is_valid():
            return _form_errors(form)
        number = _page_number(request)
        result = archive_selectors.record_search(
            user=request.user, filters=form.filters(), page=number, snippets=False
        )
        pages = result.page.num_pages
        return Response(
            {
                "count": result.total,
                "capped": result.capped,
                "page": result.page.number,
                "pages": pages,
                **_page_links(request, result.page.number, pages),
                "facets": {
                    key: [{"value": str(f.value), "label": str(f.label), "count": f.count} for f in values]
                    for key, values in result.facets.items()
                },
                "results": serializers.RecordSerializer(result.records, many=True).data,
            }
        )


class RecordDetail(ReadEndpoint):
    """N20: one record with its versions. Reading it is logged as on the web's record page."""

    area = Area.ARCHIVE
    policy = staticmethod(archive_permissions.can_search)

    @extend_schema(
        operation_id="record",
        summary="One record of the archive, with its versions",
        parameters=[ID],
        responses={200: serializers.RecordDetailSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk: str):
        pk = _id(pk)
        record = get_object_or_404(Record, pk=pk)
        if not archive_permissions.can_view_record(request.user, record):
            raise exceptions.PermissionDenied
        item = archive_selectors.record_for_page(user=request.user, pk=pk)
        try:
            archive_services.record_view(user=request.user, record=item)
        except DjangoPermissionDenied as refused:
            raise exceptions.PermissionDenied from refused
        versions = archive_selectors.record_versions(record=item)
        return Response(serializers.RecordDetailSerializer(item, context={"versions": versions}).data)


def _diary_departments(user):
    return registry_permissions.diary_departments(user)


class DiaryCaseList(ReadEndpoint):
    """N15, N16: the diary's cases and samlingsakter of the departments whose diary the user keeps."""

    area = Area.DIARY

    @staticmethod
    def policy(user) -> bool:
        return _diary_departments(user).exists()

    @extend_schema(
        operation_id="diary_cases",
        summary="The diary's cases, newest first, in pages of 25",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="Only this year's cases."), PAGE],
        responses={200: serializers.DiaryCasePageSerializer, **ERRORS},
    )
    def get(self, request):
        year = request.query_params.get("year", "")
        if year and not (year.isascii() and year.isdigit() and 1990 <= int(year) <= 2100):
            return Response(
                {"detail": _("Give the year as four digits."), "errors": {"year": [_("Give a year.")]}},
                status=400,
            )
        cases = registry_selectors.cases(
            departments=_diary_departments(request.user), year=int(year) if year else None
        )
        page = Paginator(cases, DIARY_PAGE_SIZE).get_page(_page_number(request))
        pages = page.paginator.num_pages
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": pages,
                **_page_links(request, page.number, pages),
                "results": serializers.DiaryCaseListItemSerializer(page.object_list, many=True).data,
            }
        )


class DiaryCaseDetail(ReadEndpoint):
    area = Area.DIARY

    @staticmethod
    def policy(user) -> bool:
        return _diary_departments(user).exists()

    @extend_schema(
        operation_id="diary_case",
        summary="One diary case with its documents",
        parameters=[ID],
        responses={200: serializers.DiaryCaseDetailSerializer, **ERRORS, **NOT_FOUND},
    )
    def get(self, request, pk: str):
        pk = _id(pk)
        case = get_object_or_404(DiaryCase.objects.select_related("department"), pk=pk)
        if not registry_permissions.can_keep_diary(request.user, case.department):
            raise exceptions.PermissionDenied
        documents = registry_selectors.case_documents(case=case)
        data = serializers.DiaryCaseSerializer(case).data
        data["documents"] = serializers.DiaryDocumentSerializer(documents, many=True).data
        return Response(data)


class Statistics(ReadEndpoint):
    """N18, N21: the statistics page's figures for a period, in total, per department and per account."""

    area = Area.STATISTICS
    policy = staticmethod(report_permissions.can_view_statistics)

    @extend_schema(
        operation_id="statistics",
        summary="The figures of the statistics page",
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=[*PRESETS, "custom"], description="A period."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (with end)."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (with start)."),
            OpenApiParameter("department", OpenApiTypes.INT, description="A department the user may see."),
            OpenApiParameter("account", OpenApiTypes.INT, description="An account the user may see."),
        ],
        responses={200: serializers.StatisticsSerializer, **ERRORS},
    )
    def get(self, request):
        form = StatisticsFilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            return _form_errors(form)
        period, scope, now = form.get_period(), form.get_scope(), timezone.now()
        total = report_selectors.total_figures(period=period, scope=scope, now=now)
        by_department = []
        if scope.account_id is None and (scope.department_ids is None or len(scope.department_ids) > 1):
            per_department = report_selectors.figures(period=period, scope=scope, by="department", now=now)
            for department in Department.objects.filter(pk__in=list(per_department)).order_by("name"):
                by_department.append(
                    {
                        "department_id": department.pk,
                        "department_name": department.name,
                        "figures": per_department[department.pk],
                    }
                )
        per_account = report_selectors.figures(period=period, scope=scope, by="account", now=now)
        by_account = [
            {
                "account_id": account.pk,
                "account_name": account.display_name,
                "platform": account.platform,
                "department_id": account.department_id,
                "figures": per_account[account.pk],
            }
            for account in ServiceAccount.objects.filter(pk__in=list(per_account)).order_by(
                "department__name", "display_name", "platform"
            )
        ]
        return Response(
            serializers.StatisticsSerializer(
                {
                    "start": period.start,
                    "end": period.end,
                    "department_ids": None if scope.department_ids is None else list(scope.department_ids),
                    "account_id": scope.account_id,
                    "total": total,
                    "by_department": by_department,
                    "by_account": by_account,
                }
            ).data
        )
