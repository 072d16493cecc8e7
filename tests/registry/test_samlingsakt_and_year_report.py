"""N6/N16: a samlingsakt per department and year lists every post the department originated,
its case card cross-references the cases with their own number, and the year report counts
questions and posts and how many are in the diary."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from archive.models import RecordKind
from registry import diary
from registry import selectors as diary_selectors
from registry.diary import registration_request
from registry.models import DiaryCase, DiaryEvent, DiarySeriesCounter
from tests.pdf import pdf_text

from .conftest import make_comment, make_post

Y2026 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def year_of_posts(org):
    """A known year: three posts, five questions, one own reply; thread A registered,
    thread B judged of minor importance."""
    a = make_post(org.account, text="Inlägg A om badplatsen", at=Y2026)
    b = make_post(org.account, text="Inlägg B om biblioteket", at=Y2026 + timedelta(days=30))
    c = make_post(org.account, text="Inlägg C om sommarjobb", at=Y2026 + timedelta(days=60))
    a_questions = [make_comment(org.account, a, text=f"Fråga {n} om badplatsen") for n in range(3)]
    make_comment(org.account, a, text="Svar från kommunen", is_own=True, kind=RecordKind.REPLY)
    b_first = make_comment(org.account, b, text="Fråga om biblioteket")
    make_comment(org.account, b, text="Följdfråga", kind=RecordKind.REPLY)
    # Not in 2026's figures: a post of 2025 (Stockholm time), another department's post.
    make_post(org.account, text="Nyårsafton 2025", at=datetime(2025, 12, 31, 22, 59, tzinfo=UTC))
    make_post(org.other_account, text="Annan förvaltning", at=Y2026)
    case = diary.diary_case_register(
        actor=org.registrar, record=a_questions[0], title="Badplatsen", at=Y2026 + timedelta(days=1)
    )
    diary.registration_not_needed(
        actor=org.registrar,
        request=registration_request(record=b_first, reason="high_attention"),
        note="Rutin",
    )
    return {"posts": [a, b, c], "case": case}


def test_n6_samlingsakt_lists_every_post_of_the_department_and_year(org, client, year_of_posts):
    client.force_login(org.registrar)
    url = reverse("registry:diary_samlingsakt", args=[org.own.pk, 2026])
    # Opening the page takes no diary number: the registrar creates the samlingsakt deliberately.
    first = client.get(url)
    assert first.status_code == 200 and first.context["case"] is None
    assert not DiaryCase.objects.filter(kind=DiaryCase.Kind.COLLECTIVE).exists()
    assert "Skapa samlingsakten" in first.content.decode()
    created = client.post(url)
    assert created.status_code == 302 and created["Location"] == url
    events = DiaryEvent.objects.filter(action=DiaryEvent.Action.COLLECTIVE_CREATED)
    assert list(events.values_list("actor", flat=True)) == [org.registrar.pk]
    assert client.post(url).status_code == 302  # a second POST finds the same samlingsakt
    response = client.get(url)
    assert response.status_code == 200
    collective = DiaryCase.objects.get(kind=DiaryCase.Kind.COLLECTIVE)
    assert (collective.department, collective.year) == (org.own, 2026)
    assert response.context["case"] == collective
    assert [row["record"].pk for row in response.context["rows"]] == [p.pk for p in year_of_posts["posts"]]
    body = response.content.decode()
    assert "Nyårsafton 2025" not in body and "Annan förvaltning" not in body
    # The case card cross-references the case with its own number; the post shows it too.
    assert list(response.context["cross_references"]) == [year_of_posts["case"]]
    assert body.count(year_of_posts["case"].diary_number) >= 2


def test_n6_samlingsakt_follows_the_archive_without_a_copy(org, year_of_posts):
    before = diary_selectors.samlingsakt_posts(department=org.own, year=2026).count()
    make_post(org.account, text="Ett nytt inlägg", at=Y2026 + timedelta(days=90))
    assert diary_selectors.samlingsakt_posts(department=org.own, year=2026).count() == before + 1


def test_n6_samlingsakt_is_paginated(org, client):
    for n in range(27):
        make_post(org.account, text=f"Inlägg {n}", at=Y2026 + timedelta(hours=n))
    client.force_login(org.registrar)
    url = reverse("registry:diary_samlingsakt", args=[org.own.pk, 2026])
    assert len(client.get(url).context["rows"]) == 25
    assert len(client.get(url + "?sida=2").context["rows"]) == 2


def test_n6_one_samlingsakt_per_department_and_year(org):
    first = diary.samlingsakt_get_or_create(department=org.own, year=2026)
    assert diary.samlingsakt_get_or_create(department=org.own, year=2026) == first
    assert diary.samlingsakt_get_or_create(department=org.own, year=2027) != first
    assert first.diary_number == "BUN 2026/1"


@pytest.mark.django_db(transaction=True)
def test_n6_samlingsakt_created_once_when_needed_at_once():
    from accounts.models import Department

    department = Department.objects.create(name="Kultur", series_code="KN")

    def need(_):
        try:
            return diary.samlingsakt_get_or_create(department=department, year=2026).pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = set(pool.map(need, range(10)))
    assert len(ids) == 1
    assert DiarySeriesCounter.objects.get(series_code="KN").last_number == 1


def test_n6_yearly_task_creates_samlingsakter(org):
    from registry.tasks import samlingsakt_yearly

    assert samlingsakt_yearly() == 2  # own and other have accounts; central has none
    assert DiaryCase.objects.filter(kind=DiaryCase.Kind.COLLECTIVE).count() == 2


def test_n16_year_report_figures(org, year_of_posts):
    diary.samlingsakt_get_or_create(department=org.own, year=2026)
    report = diary_selectors.year_report(department=org.own, year=2026)
    assert report.posts == 3
    assert report.posts_with_own_case == 1
    assert report.own_replies == 1
    assert report.questions == 5
    assert report.questions_registered == 3
    assert report.questions_minor == 2
    assert report.questions_not_registered == 2
    assert report.cases == 1
    assert report.documents_registered == 6  # post, 3 questions, the reply, the snapshot
    assert report.in_diary == 3 + 3  # every post through the samlingsakt, registered questions
    assert report.cross_references == [year_of_posts["case"]]
    other = diary_selectors.year_report(department=org.other, year=2026)
    assert (other.posts, other.questions, other.cases) == (1, 0, 0)


def test_n16_year_report_page_csv_and_pdf(org, client, year_of_posts):
    client.force_login(org.head)
    url_args = [org.own.pk, 2026]
    page = client.get(reverse("registry:diary_year_report", args=url_args))
    assert page.status_code == 200 and page.context["report"].questions == 5
    csv_response = client.get(reverse("registry:diary_year_report_csv", args=url_args))
    data = csv_response.content
    assert csv_response["Content-Type"].startswith("text/csv")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "BUN 2026/1;Badplatsen;2026-03-02" in text
    assert ";5\r\n" in text  # the questions
    pdf = client.get(reverse("registry:diary_year_report_pdf", args=url_args)).content
    assert pdf.startswith(b"%PDF")
    printed = pdf_text(pdf)
    assert "BUN 2026/1" in printed and "Badplatsen" in printed
