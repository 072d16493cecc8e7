"""The figures management asks for, computed by PostgreSQL from the records and cases themselves.

Nothing is counted twice or kept in a counter of its own: every figure is an aggregate over the
archive's records (what was published and received), moderation's cases (what was answered and
when) and harvest's follower counts, so a figure cannot drift from what it counts.

Definitions, for a period of whole days in Europe/Stockholm:
- posts: the municipality's own posts (drawn up) published in the period;
- comments: comments and replies on the accounts, by anyone, published in the period;
- questions: comments and replies from the public (received) published in the period (N16, N21);
- answered: questions of the period with a published reply; the response time runs from the
  question's publication to its first published reply, "in time" when that reply came no later
  than the case's deadline, the account's promised response time (F8, N21);
- overdue now: open cases whose deadline has passed, at this moment, whenever they arrived;
- removals: records removed in the period, per legal ground (F7, N14);
- personal data: questions of the period in which personal data was flagged (F14), per kind;
- followers: the last count at or before the end of the period, per account (N18).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from accounts.models import ServiceAccount
from archive.models import Record, RecordKind
from harvest.models import FollowerCount
from moderation.models import OPEN_STATES, PERSONAL_DATA_KINDS, Case, CaseFlag, Reply

from .periods import STOCKHOLM, Period, add_months

COMMENT_KINDS = (RecordKind.COMMENT.value, RecordKind.REPLY.value)
QUESTION = Q(is_own=False, kind__in=COMMENT_KINDS)


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole municipality (no ids), some departments, or one account."""

    department_ids: tuple[int, ...] | None = None
    account_id: int | None = None

    def q(self, prefix: str = "") -> Q:
        query = Q()
        if self.department_ids is not None:
            query &= Q(**{f"{prefix}department_id__in": self.department_ids})
        if self.account_id is not None:
            query &= Q(**{f"{prefix}account_id": self.account_id})
        return query


@dataclass
class Figures:
    posts: int = 0
    comments: int = 0
    questions: int = 0
    answered: int = 0
    answered_in_time: int = 0
    median_response: timedelta | None = None
    p90_response: timedelta | None = None
    overdue_now: int = 0
    removals: int = 0
    personal_data: int = 0
    followers: int | None = None

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    @property
    def in_time_share(self) -> float | None:
        return self.answered_in_time / self.answered if self.answered else None


# The key each grouping is made on; "total" is one row for the whole scope.
GROUPINGS = {"account": "account_id", "department": "department_id", "total": None}


def _grouped(queryset: QuerySet, group: str | None, **aggregates) -> dict:
    """Aggregates per group key (None for the total), in one query."""
    if group is None:
        return {None: queryset.aggregate(**aggregates)}
    return {row.pop(group): row for row in queryset.values(group).order_by(group).annotate(**aggregates)}


def _in_period(period: Period, field: str) -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def _records(period: Period, scope: Scope) -> QuerySet[Record]:
    return Record.objects.filter(scope.q(), _in_period(period, "published_at"))


ANSWER_STATUSES = (Reply.Status.PUBLISHED, Reply.Status.ANSWERED_MANUALLY)


def _answers(period: Period, scope: Scope) -> QuerySet:
    """One row per case of the period: when the question came, its deadline, its first published reply."""
    return (
        Case.objects.filter(scope.q(), _in_period(period, "record__published_at"))
        .values("pk", "account_id", "department_id", "deadline", asked_at=F("record__published_at"))
        .annotate(answered_at=Min("replies__published_at", filter=Q(replies__status__in=ANSWER_STATUSES)))
        .order_by()
    )


# Over the rows of `_answers`: aggregates ignore the unanswered (NULL) ones.
ANSWER_AGGREGATES = """
    COUNT(answered_at),
    COUNT(*) FILTER (WHERE answered_at <= deadline),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY answered_at - asked_at),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY answered_at - asked_at)
"""
ANSWER_KEYS = {
    "account": "account_id",
    "department": "department_id",
    "total": "NULL::bigint",
    "month": "date_trunc('month', asked_at AT TIME ZONE 'Europe/Stockholm')::date",
}


def _answer_figures(*, period: Period, scope: Scope, by: str) -> list[tuple]:
    """(key, answered, answered in time, median, 90th percentile) per group.

    The first reply is found once per case in the inner query (a join and GROUP BY), and the
    percentiles are taken over those rows by PostgreSQL's percentile_cont."""
    try:
        sql, params = _answers(period, scope).query.sql_with_params()
    except EmptyResultSet:  # a scope of no departments
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {ANSWER_KEYS[by]} AS key, {ANSWER_AGGREGATES} FROM ({sql}) answers GROUP BY 1 ORDER BY 1",  # noqa: S608 - fixed SQL around Django's own query
            params,
        )
        return cursor.fetchall()


def _open_overdue(scope: Scope, now: datetime):
    return Case.objects.filter(scope.q(), state__in=OPEN_STATES, deadline__lt=now)


def figures(*, period: Period, scope: Scope, by: str = "total", now: datetime | None = None) -> dict:
    """Every figure for the scope and period, per account, per department or in total.

    Returns {key: Figures} where the key is the account id, the department id, or None for the
    total. Six grouped queries, whatever the number of accounts.
    """
    group = GROUPINGS[by]
    now = now or timezone.now()
    result: dict = defaultdict(Figures)

    records = _grouped(
        _records(period, scope),
        group,
        posts=Count("pk", filter=Q(kind=RecordKind.POST, is_own=True)),
        comments=Count("pk", filter=Q(kind__in=COMMENT_KINDS)),
        questions=Count("pk", filter=QUESTION),
    )
    cases = {
        key: {
            "answered": answered,
            "answered_in_time": in_time,
            "median_response": median,
            "p90_response": p90,
        }
        for key, answered, in_time, median, p90 in _answer_figures(period=period, scope=scope, by=by)
    }
    overdue = _grouped(_open_overdue(scope, now), group, overdue_now=Count("pk"))
    removals = _grouped(
        Record.objects.filter(scope.q(), _in_period(period, "removed_at")), group, removals=Count("pk")
    )
    personal = _grouped(
        Case.objects.filter(
            scope.q(), _in_period(period, "record__published_at"), flags__kind__in=PERSONAL_DATA_KINDS
        ),
        group,
        personal_data=Count("pk", distinct=True),
    )
    for part in (records, cases, overdue, removals, personal):
        for key, values in part.items():
            for name, value in values.items():
                setattr(result[key], name, value)
    for key, count in followers_at(moment=period.end_at, scope=scope, by=by).items():
        result[key].followers = count
    if group is None:
        result[None]  # the total exists even when nothing happened  # noqa: B018
    return dict(result)


def total_figures(*, period: Period, scope: Scope, now: datetime | None = None) -> Figures:
    return figures(period=period, scope=scope, by="total", now=now)[None]


# --- Followers (N18) -------------------------------------------------------------------------------


def _follower_table() -> str:
    return FollowerCount._meta.db_table


def _scoped_account_ids(scope: Scope) -> list[int]:
    accounts = ServiceAccount.objects.all()
    if scope.department_ids is not None:
        accounts = accounts.filter(department_id__in=scope.department_ids)
    if scope.account_id is not None:
        accounts = accounts.filter(pk=scope.account_id)
    return list(accounts.values_list("pk", flat=True))


def followers_at(*, moment: datetime, scope: Scope, by: str = "total") -> dict:
    """The latest follower count before `moment` of each account, summed per group.

    Accounts without any count before the moment are left out (not counted as zero)."""
    table = _follower_table()
    ids = _scoped_account_ids(scope)
    if not ids:
        return {}
    group_sql = {"account": "a.id", "department": "a.department_id", "total": "NULL::bigint"}[by]
    sql = f"""
        SELECT {group_sql} AS key, SUM(latest.count)
        FROM {ServiceAccount._meta.db_table} a
        CROSS JOIN LATERAL (
            SELECT f.count FROM {table} f
            WHERE f.account_id = a.id AND f.at < %s ORDER BY f.at DESC LIMIT 1
        ) latest
        WHERE a.id = ANY(%s)
        GROUP BY 1
    """  # noqa: S608 - only table names from the models are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, [moment, ids])
        return {key: int(total) for key, total in cursor.fetchall()}


def followers_by_month(*, period: Period, scope: Scope) -> list[tuple[date, int | None]]:
    """Followers at the end of each month of the period (at the period's end for the last)."""
    table = _follower_table()
    months = period.months()
    ids = _scoped_account_ids(scope)
    if not ids:
        return [(month, None) for month in months]
    ends = [
        min(datetime.combine(add_months(month, 1), datetime.min.time(), tzinfo=STOCKHOLM), period.end_at)
        for month in months
    ]
    sql = f"""
        SELECT m.ends_at, SUM(latest.count)
        FROM unnest(%s::timestamptz[]) AS m(ends_at)
        CROSS JOIN {ServiceAccount._meta.db_table} a
        CROSS JOIN LATERAL (
            SELECT f.count FROM {table} f
            WHERE f.account_id = a.id AND f.at < m.ends_at ORDER BY f.at DESC LIMIT 1
        ) latest
        WHERE a.id = ANY(%s)
        GROUP BY m.ends_at
    """  # noqa: S608 - only table names from the models are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, [ends, ids])
        totals = {ends_at: int(total) for ends_at, total in cursor.fetchall()}
    return [(month, totals.get(end)) for month, end in zip(months, ends, strict=True)]


# --- Series for the charts -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyResponse:
    month: date
    answered: int
    median: timedelta | None
    p90: timedelta | None


def response_times_by_month(*, period: Period, scope: Scope) -> list[MonthlyResponse]:
    """Median and 90th percentile response time of the questions received each month (N21)."""
    rows = {
        month: (answered, median, p90)
        for month, answered, _in_time, median, p90 in _answer_figures(period=period, scope=scope, by="month")
    }
    return [MonthlyResponse(month, *rows.get(month, (0, None, None))) for month in period.months()]


@dataclass(frozen=True)
class PlatformVolume:
    platform: str
    posts: int
    comments: int
    questions: int


def volume_by_platform(*, period: Period, scope: Scope) -> list[PlatformVolume]:
    rows = (
        _records(period, scope)
        .values("platform")
        .order_by("platform")
        .annotate(
            posts=Count("pk", filter=Q(kind=RecordKind.POST, is_own=True)),
            comments=Count("pk", filter=Q(kind__in=COMMENT_KINDS)),
            questions=Count("pk", filter=QUESTION),
        )
    )
    return [PlatformVolume(**row) for row in rows]


def removals_by_ground(*, period: Period, scope: Scope) -> list[tuple[str, int]]:
    """F7/N14: removals in the period per legal ground, most frequent first."""
    rows = (
        Record.objects.filter(scope.q(), _in_period(period, "removed_at"))
        .values("removal_ground")
        .annotate(count=Count("pk"))
        .order_by("-count", "removal_ground")
    )
    return [(row["removal_ground"], row["count"]) for row in rows]


def personal_data_by_kind(*, period: Period, scope: Scope) -> list[tuple[str, int]]:
    """F14: questions of the period with each kind of personal data flagged."""
    rows = (
        CaseFlag.objects.filter(
            scope.q("case__"), _in_period(period, "case__record__published_at"), kind__in=PERSONAL_DATA_KINDS
        )
        .values("kind")
        .annotate(count=Count("case", distinct=True))
        .order_by("-count", "kind")
    )
    return [(row["kind"], row["count"]) for row in rows]


def activity_by_weekday_hour(
    *, period: Period, scope: Scope, questions_only: bool = False
) -> list[list[int]]:
    """Records published per ISO weekday (Monday first) and hour, in Stockholm local time.

    Returns 7 rows of 24 counts."""
    records = _records(period, scope)
    if questions_only:
        records = records.filter(QUESTION)
    rows = (
        records.annotate(
            weekday=ExtractIsoWeekDay("published_at", tzinfo=STOCKHOLM),
            hour=ExtractHour("published_at", tzinfo=STOCKHOLM),
        )
        .values("weekday", "hour")
        .order_by("weekday", "hour")
        .annotate(count=Count("pk"))
    )
    grid = [[0] * 24 for _ in range(7)]
    for row in rows:
        grid[row["weekday"] - 1][row["hour"]] = row["count"]
    return grid
