"""Reads for the diary: the registrar's queue, cases, the samlingsakt and the year report."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Department
from archive.models import Record, RecordKind

from .diary import year_bounds
from .models import DiaryCase, DiaryDocument, DisposalBatch, DocumentClass, RegistrationRequest

QUESTION_KINDS = (RecordKind.COMMENT, RecordKind.REPLY)


def queue(*, departments: QuerySet[Department]) -> QuerySet[RegistrationRequest]:
    """Open registration requests (N14, N15), oldest first."""
    return (
        RegistrationRequest.objects.filter(handled_at__isnull=True, record__department__in=departments)
        .select_related("record", "record__account", "record__department", "record__thread", "requested_by")
        .order_by("requested_at", "pk")
    )


def cases(*, departments: QuerySet[Department], year: int | None = None) -> QuerySet[DiaryCase]:
    result = DiaryCase.objects.filter(department__in=departments).select_related("department")
    if year:
        result = result.filter(year=year)
    return result.annotate(document_count=Count("documents")).order_by("-year", "series_code", "-number")


def open_cases_for(*, department: Department) -> QuerySet[DiaryCase]:
    """Cases a thread can be attached to."""
    return DiaryCase.objects.filter(
        department=department, kind=DiaryCase.Kind.CASE, status=DiaryCase.Status.OPEN
    ).order_by("-year", "-number")


def case_documents(*, case: DiaryCase) -> QuerySet[DiaryDocument]:
    return case.documents.select_related("record", "record__account", "registered_by").order_by("number")


def _registered_case_number():
    return DiaryDocument.objects.filter(
        record=OuterRef("pk"), kind=DiaryDocument.Kind.RECORD, case__kind=DiaryCase.Kind.CASE
    )


def samlingsakt(*, department: Department, year: int) -> DiaryCase | None:
    """The department's samlingsakt for a year, if it has been created."""
    return DiaryCase.objects.filter(department=department, year=year, kind=DiaryCase.Kind.COLLECTIVE).first()


def samlingsakt_posts(*, department: Department, year: int) -> QuerySet[Record]:
    """Every post the department originated in the year (N6): a view over the records, so the
    samlingsakt cannot drift from the archive."""
    start, end = year_bounds(year)
    return (
        Record.objects.filter(
            department=department,
            is_own=True,
            kind=RecordKind.POST,
            published_at__gte=start,
            published_at__lt=end,
        )
        .select_related("account")
        .prefetch_related(
            Prefetch(
                "diary_documents",
                queryset=DiaryDocument.objects.filter(
                    kind=DiaryDocument.Kind.RECORD, case__kind=DiaryCase.Kind.CASE
                ).select_related("case"),
                to_attr="case_documents",
            )
        )
        .order_by("published_at", "pk")
    )


def cross_references(*, department: Department, year: int) -> QuerySet[DiaryCase]:
    """The cases of the year that got their own diary number (N16)."""
    return DiaryCase.objects.filter(department=department, year=year, kind=DiaryCase.Kind.CASE).order_by(
        "number"
    )


@dataclass(frozen=True)
class YearReport:
    department: Department
    year: int
    samlingsakt: DiaryCase | None
    posts: int
    posts_with_own_case: int
    own_replies: int
    questions: int
    questions_registered: int
    questions_minor: int
    cases: int
    documents_registered: int
    cross_references: list

    @property
    def questions_not_registered(self) -> int:
        return self.questions - self.questions_registered

    @property
    def in_diary(self) -> int:
        """Posts are in the diary through the samlingsakt; questions when registered."""
        return (self.posts if self.samlingsakt else self.posts_with_own_case) + self.questions_registered


def year_report(*, department: Department, year: int) -> YearReport:
    """N16: the questions and posts of the year and how many are in the diary, from the records
    and the diary rows themselves."""
    start, end = year_bounds(year)
    registered = Exists(_registered_case_number())
    figures = (
        Record.objects.filter(department=department, published_at__gte=start, published_at__lt=end)
        .annotate(is_registered=registered)
        .aggregate(
            posts=Count("pk", filter=Q(is_own=True, kind=RecordKind.POST)),
            posts_with_own_case=Count("pk", filter=Q(is_own=True, kind=RecordKind.POST, is_registered=True)),
            own_replies=Count("pk", filter=Q(is_own=True, kind__in=QUESTION_KINDS)),
            questions=Count("pk", filter=Q(is_own=False, kind__in=QUESTION_KINDS)),
            questions_registered=Count(
                "pk", filter=Q(is_own=False, kind__in=QUESTION_KINDS, is_registered=True)
            ),
            questions_minor=Count(
                "pk",
                filter=Q(
                    is_own=False,
                    kind__in=QUESTION_KINDS,
                    is_registered=False,
                    classification__document_class__applies_to=DocumentClass.AppliesTo.MINOR,
                ),
            ),
        )
    )
    year_cases = list(cross_references(department=department, year=year))
    documents = DiaryDocument.objects.filter(
        case__department=department,
        case__kind=DiaryCase.Kind.CASE,
        registered_at__gte=start,
        registered_at__lt=end,
    ).count()
    samlingsakt = DiaryCase.objects.filter(
        department=department, year=year, kind=DiaryCase.Kind.COLLECTIVE
    ).first()
    return YearReport(
        department=department,
        year=year,
        samlingsakt=samlingsakt,
        cases=len(year_cases),
        documents_registered=documents,
        cross_references=year_cases,
        **figures,
    )


def disposal_batches(*, departments: QuerySet[Department]) -> QuerySet[DisposalBatch]:
    return DisposalBatch.objects.filter(department__in=departments).select_related(
        "department", "approved_by"
    )
