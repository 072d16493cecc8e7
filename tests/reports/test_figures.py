"""Every figure, checked exactly against the known month in conftest.py."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountEvent, AccountState, ServiceAccount
from accounts.selectors import overview_matrix
from archive.models import RecordKind
from reports import selectors
from reports.periods import Period
from reports.selectors import Scope
from reports.yearly import yearly_report
from tests.factories import ServiceAccountFactory
from tests.reports.conftest import utc

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def test_n16_n21_municipality_figures_are_exact(known):
    total = selectors.total_figures(period=known.period, scope=Scope(), now=known.now)
    assert total.posts == 3  # the post at 00:30 on 1 April, Swedish time, is outside March
    assert total.comments == 12
    assert total.questions == 11
    assert total.answered == 5
    assert total.answered_in_time == 3
    # 30 min, 1 h, 3 h, 4 h, 26 h
    assert total.median_response == 3 * H
    assert total.p90_response == 17 * H + 12 * MIN  # 4 h + 0.6 × 22 h, interpolated
    assert total.overdue_now == 3  # including February's unanswered question
    assert total.removals == 3
    assert total.personal_data == 2
    assert total.answered_share == pytest.approx(5 / 11)
    assert total.in_time_share == pytest.approx(3 / 5)


def test_n16_n21_figures_per_department_are_exact(known):
    org = known.org
    rows = selectors.figures(period=known.period, scope=Scope(), by="department", now=known.now)
    assert set(rows) == {org.own.pk, org.other.pk}
    own, other = rows[org.own.pk], rows[org.other.pk]
    assert (own.posts, own.comments, own.questions, own.answered, own.answered_in_time) == (2, 6, 5, 3, 2)
    assert own.median_response == 4 * H
    assert own.p90_response == 21 * H + 36 * MIN  # 4 h + 0.8 × 22 h
    assert (own.overdue_now, own.removals, own.personal_data) == (2, 1, 1)
    assert (other.posts, other.comments, other.questions, other.answered, other.answered_in_time) == (
        1,
        6,
        6,
        2,
        1,
    )
    assert other.median_response == 2 * H
    assert other.p90_response == 2 * H + 48 * MIN
    assert (other.overdue_now, other.removals, other.personal_data) == (1, 2, 1)


def test_n16_figures_per_account_match_the_departments(known):
    rows = selectors.figures(period=known.period, scope=Scope(), by="account", now=known.now)
    assert set(rows) == {known.a.pk, known.b.pk}
    assert rows[known.a.pk].questions == 5
    assert rows[known.b.pk].answered_in_time == 1
    assert rows[known.b.pk].median_response == 2 * H


def test_scope_to_one_department_and_one_account(known):
    org = known.org
    own = selectors.total_figures(
        period=known.period, scope=Scope(department_ids=(org.own.pk,)), now=known.now
    )
    assert (own.posts, own.questions, own.overdue_now) == (2, 5, 2)
    account = selectors.total_figures(period=known.period, scope=Scope(account_id=known.b.pk), now=known.now)
    assert (account.posts, account.questions, account.removals) == (1, 6, 2)
    nobody = selectors.total_figures(period=known.period, scope=Scope(department_ids=()), now=known.now)
    assert (nobody.posts, nobody.questions, nobody.median_response) == (0, 0, None)


def test_n21_overdue_now_depends_on_the_moment_not_the_period(known):
    before_any_deadline = utc(2026, 2, 27, 9, 30)
    figures = selectors.total_figures(period=known.period, scope=Scope(), now=before_any_deadline)
    assert figures.overdue_now == 0
    # B's last question (deadline 22:00 UTC on 31 March) is not yet overdue at 21:00.
    figures = selectors.total_figures(period=known.period, scope=Scope(), now=utc(2026, 3, 31, 21, 0))
    assert figures.overdue_now == 2


def test_n21_an_answer_exactly_at_the_deadline_is_in_time(known, org):
    from tests.reports.conftest import Builder

    build = Builder(org)
    build.n = 1000
    build.question(known.a, utc(2026, 3, 12, 8, 0), answered=utc(2026, 3, 13, 8, 0))
    figures = selectors.total_figures(period=known.period, scope=Scope(account_id=known.a.pk), now=known.now)
    assert (figures.answered, figures.answered_in_time) == (4, 3)


def test_n21_response_time_counts_from_the_first_published_reply(known, org):
    from moderation.models import Reply
    from tests.reports.conftest import Builder

    build = Builder(org)
    build.n = 2000
    record = build.question(known.b, utc(2026, 3, 9, 8, 0), answered=utc(2026, 3, 9, 9, 30))
    case = record.case
    Reply.objects.create(
        case=case, author=org.charlie, text="Till", signature="C", status=Reply.Status.PUBLISHED,
        published_at=utc(2026, 3, 9, 8, 30),
    )  # fmt: skip
    Reply.objects.create(
        case=case, author=org.charlie, text="Utkast", signature="C", status=Reply.Status.AWAITING_REVIEW
    )
    figures = selectors.total_figures(period=known.period, scope=Scope(account_id=known.b.pk), now=known.now)
    # 30 min joins 1 h and 3 h: the median moves to 1 h, and all three are counted once.
    assert figures.answered == 3
    assert figures.median_response == H
    assert figures.answered_in_time == 2


def test_n21_response_times_by_month(known):
    months = selectors.response_times_by_month(
        period=Period(date(2026, 2, 1), date(2026, 3, 31)), scope=Scope()
    )
    assert [m.month for m in months] == [date(2026, 2, 1), date(2026, 3, 1)]
    february, march = months
    assert (february.answered, february.median, february.p90) == (0, None, None)
    assert (march.answered, march.median, march.p90) == (5, 3 * H, 17 * H + 12 * MIN)


def test_n18_volume_per_platform(known):
    rows = selectors.volume_by_platform(period=known.period, scope=Scope())
    assert [(r.platform, r.posts, r.comments, r.questions) for r in rows] == [
        ("facebook", 1, 6, 6),
        ("mastodon", 2, 6, 5),
    ]


def test_f7_removals_by_ground(known):
    assert selectors.removals_by_ground(period=known.period, scope=Scope()) == [
        ("unlawful_threat", 2),
        ("personal_data", 1),
    ]
    april = Period(date(2026, 4, 1), date(2026, 4, 30))
    assert selectors.removals_by_ground(period=april, scope=Scope()) == []


def test_f14_personal_data_by_kind(known):
    assert selectors.personal_data_by_kind(period=known.period, scope=Scope()) == [("email", 1), ("phone", 1)]
    assert selectors.personal_data_by_kind(
        period=known.period, scope=Scope(department_ids=(known.org.own.pk,))
    ) == [("phone", 1)]


def test_activity_by_weekday_and_hour_in_stockholm_time_across_summer_time(known):
    grid = selectors.activity_by_weekday_hour(period=known.period, scope=Scope())
    expected = {
        (1, 9): 1,  # Monday: A's post
        (1, 11): 2,  # A's question and A's reply
        (2, 10): 1,  # Tuesday: the phone number
        (2, 13): 1,
        (2, 22): 1,  # 20:00 UTC on 31 March is 22:00 in summer time
        (4, 8): 1,  # Thursday: B's post
        (4, 9): 1,
        (5, 9): 2,  # Friday
        (6, 9): 2,  # Saturday
        (7, 0): 1,  # Sunday 1 March 00:30 (23:30 UTC on the 28th)
        (7, 1): 1,  # Sunday 29 March 00:30 UTC: 01:30 winter time
        (7, 3): 1,  # Sunday 29 March 01:30 UTC: 03:30 summer time; 02:xx never happened
    }
    actual = {(d + 1, h): count for d, row in enumerate(grid) for h, count in enumerate(row) if count}
    assert actual == expected
    assert grid[6][2] == 0
    assert sum(map(sum, grid)) == 15


def test_activity_can_count_questions_only(known):
    grid = selectors.activity_by_weekday_hour(period=known.period, scope=Scope(), questions_only=True)
    assert sum(map(sum, grid)) == 11
    assert grid[0][9] == 0  # Monday 09:00 was A's own post


def test_figures_follow_the_records_without_a_second_count(known, org):
    """Adding a record changes the figure at once: there is no counter to update."""
    from tests.reports.conftest import Builder

    before = selectors.total_figures(period=known.period, scope=Scope(), now=known.now)
    build = Builder(org)
    build.n = 3000
    build.record(known.a, kind=RecordKind.POST, at=utc(2026, 3, 15, 12, 0), own=True)
    after = selectors.total_figures(period=known.period, scope=Scope(), now=known.now)
    assert after.posts == before.posts + 1


def test_figures_take_a_fixed_number_of_queries(known, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        selectors.figures(period=known.period, scope=Scope(), by="account", now=known.now)


@pytest.fixture
def followers(known):
    from harvest.models import FollowerCount

    for account, at, count in [
        (known.a, utc(2026, 1, 15, 6, 0), 100),
        (known.a, utc(2026, 3, 10, 6, 0), 150),
        (known.a, utc(2026, 3, 31, 21, 30), 160),  # 23:30 on 31 March in Stockholm: still March
        (known.a, utc(2026, 4, 5, 6, 0), 200),
        (known.b, utc(2026, 2, 20, 6, 0), 50),
    ]:
        FollowerCount.objects.create(account=account, at=at, count=count)
    return known


def test_n18_followers_at_the_end_of_the_period(followers):
    known = followers
    org = known.org
    assert selectors.followers_at(moment=known.period.end_at, scope=Scope()) == {None: 210}
    assert selectors.followers_at(moment=known.period.end_at, scope=Scope(), by="department") == {
        org.own.pk: 160,
        org.other.pk: 50,
    }
    assert selectors.followers_at(moment=utc(2026, 1, 1), scope=Scope()) == {}
    total = selectors.total_figures(period=known.period, scope=Scope(), now=known.now)
    assert total.followers == 210
    per_account = selectors.figures(period=known.period, scope=Scope(), by="account", now=known.now)
    assert (per_account[known.a.pk].followers, per_account[known.b.pk].followers) == (160, 50)


def test_n18_followers_by_month_carry_the_last_count_forward(followers):
    months = selectors.followers_by_month(period=Period(date(2026, 1, 1), date(2026, 4, 30)), scope=Scope())
    assert months == [
        (date(2026, 1, 1), 100),
        (date(2026, 2, 1), 150),  # A's January count and B's first
        (date(2026, 3, 1), 210),
        (date(2026, 4, 1), 250),
    ]
    december = selectors.followers_by_month(
        period=Period(date(2025, 12, 1), date(2025, 12, 31)), scope=Scope()
    )
    assert december == [(date(2025, 12, 1), None)]
    only_b = selectors.followers_by_month(
        period=Period(date(2026, 1, 1), date(2026, 2, 28)), scope=Scope(account_id=followers.b.pk)
    )
    assert only_b == [(date(2026, 1, 1), None), (date(2026, 2, 1), 50)]


def _lifecycle(account, *steps):
    """Back-dated lifecycle events: (action, state after, when)."""
    for action, state, at in steps:
        event = AccountEvent.objects.create(account=account, action=action, to_state=state)
        AccountEvent.objects.filter(pk=event.pk).update(at=at)
    ServiceAccount.objects.filter(pk=account.pk).update(state=steps[-1][1])


def test_n19_the_yearly_report_counts_the_accounts_the_overview_counts(org):
    """An approved account that never went live, or one retired last year, is not "in use" this year;
    one retired during the year is in the year's tables but not among the platforms in use at its end."""
    Action = AccountEvent.Action
    year = timezone.localdate().year  # the overview counts today, so the report is this year's
    never_live = ServiceAccountFactory(department=org.own, platform="youtube", display_name="Aldrig startad")
    _lifecycle(never_live, (Action.APPROVED, AccountState.APPROVED, utc(year, 2, 1)))
    retired_before = ServiceAccountFactory(
        department=org.own, platform="facebook", display_name="Lagd ner i fjol"
    )
    _lifecycle(
        retired_before,
        (Action.ACTIVATED, AccountState.ACTIVE, utc(year - 2, 5, 1)),
        (Action.RETIRED, AccountState.RETIRED, utc(year - 1, 6, 1)),
    )
    retired_this_year = ServiceAccountFactory(
        department=org.own, platform="instagram", display_name="Lagd ner i år"
    )
    _lifecycle(
        retired_this_year,
        (Action.ACTIVATED, AccountState.ACTIVE, utc(year - 1, 5, 1)),
        (Action.RETIRED, AccountState.RETIRED, utc(year, 3, 1)),
    )
    live = ServiceAccountFactory(department=org.own, platform="bluesky", display_name="Igång")
    _lifecycle(live, (Action.ACTIVATED, AccountState.ACTIVE, utc(year, 4, 1)))

    report = yearly_report(year=year, department_ids=None)
    listed = {row.account.display_name for section in report.departments for row in section.accounts}
    assert {"Lagd ner i år", "Igång"} <= listed
    assert not {"Aldrig startad", "Lagd ner i fjol"} & listed

    in_use = {
        (dept.pk, platform): count
        for dept, counts in report.matrix()
        for platform, count in zip(report.platforms, counts, strict=True)
        if count
    }
    overview = overview_matrix(user=org.web)
    counted = {
        (row["department"].pk, cell["platform"].value): cell["count"]
        for row in overview["rows"]
        for cell in row["cells"]
        if cell["count"]
    }
    assert in_use == counted
    assert (org.own.pk, "instagram") not in in_use and in_use[(org.own.pk, "bluesky")] == 1
