"""The statistics pages and the yearly report: who may see what, and what they show."""

import csv
import io
import re

import pytest
from django.urls import reverse

from reports.exports import CSV_COLUMNS

pytestmark = pytest.mark.django_db

STATISTICS = reverse("reports:statistics")
YEARLY = reverse("reports:yearly")
YEARLY_CSV = reverse("reports:yearly_csv")


def csv_rows(response) -> list[dict]:
    """The CSV's rows keyed by column name; the file itself has Swedish headings and semicolons."""
    reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    names = {str(heading): name for name, heading in CSV_COLUMNS}
    keys = [names[heading] for heading in next(reader)]
    return [dict(zip(keys, row, strict=True)) for row in reader]


YEARLY_PDF = reverse("reports:yearly_pdf")
YEARLY_PDF_STATUS = reverse("reports:yearly_pdf_status", args=[1])

# person -> (statistics page, yearly report of the own department, the whole municipality's report);
# "scoped" is a report of the person's own department only, given when no department is asked for.
MATRIX = {
    "alice": (403, 403, 403),  # communicator
    "charlie": (403, 403, 403),  # communicator of the other department
    "registrar": (403, 403, 403),
    "head": (200, 200, "scoped"),
    "other_head": (200, 403, "scoped"),  # the own department is not theirs
    "web": (200, 200, 200),
    "info": (200, 403, 403),  # sees statistics; the yearly report is the web communicator's
}


@pytest.mark.parametrize("person", sorted(MATRIX))
def test_n19_access_matrix(client, org, person):
    statistics, own_report, whole_report = MATRIX[person]
    client.force_login(getattr(org, person))
    assert client.get(STATISTICS).status_code == statistics
    query = f"?year=2026&department={org.own.pk}"
    for url in (YEARLY, YEARLY_CSV):
        assert client.get(url + query).status_code == own_report, url
    pdf = client.post(YEARLY_PDF, {"year": 2026, "department": org.own.pk})
    assert pdf.status_code == (302 if own_report == 200 else 403)
    response = client.get(YEARLY_CSV + "?year=2026&department=")
    if whole_report == "scoped":
        assert response.status_code == 200
        levels = {row["level"] for row in csv_rows(response)}
        assert "Kommun" not in levels and levels
    else:
        assert response.status_code == whole_report


@pytest.mark.parametrize("url", [STATISTICS, YEARLY, YEARLY_CSV, YEARLY_PDF, YEARLY_PDF_STATUS])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_head_sees_only_the_own_department(client, known):
    org = known.org
    client.force_login(org.head)
    response = client.get(STATISTICS, {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200
    rows = {account.pk: cells for account, cells in response.context["by_account"]}
    assert set(rows) == {known.a.pk}
    assert response.context["total"].questions == 5
    assert response.context["by_department"] == []
    # Asking for the other department is refused by the form, not answered with its figures.
    response = client.get(
        STATISTICS, {"start": "2026-03-01", "end": "2026-03-31", "department": org.other.pk}
    )
    assert "department" in response.context["form"].errors
    assert response.context["total"].questions == 5
    response = client.get(STATISTICS, {"start": "2026-03-01", "end": "2026-03-31", "account": known.b.pk})
    assert "account" in response.context["form"].errors
    assert known.b.display_name not in response.content.decode()


def test_web_communicator_sees_every_department_and_the_charts(client, known):
    client.force_login(known.org.web)
    response = client.get(STATISTICS, {"start": "2026-03-01", "end": "2026-03-31"})
    html = response.content.decode()
    assert response.context["total"].questions == 11
    assert {d.pk for d, _cells in response.context["by_department"]} == {known.org.own.pk, known.org.other.pk}
    for chart_id in ("chart-response", "chart-volume", "chart-removals", "chart-activity"):
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
        assert f'id="{chart_id}-title"' in html
    assert " style=" not in html  # the CSP allows no inline styles
    assert "<script>" not in html


def test_filtering_by_account_and_department(client, known):
    client.force_login(known.org.web)
    response = client.get(
        STATISTICS, {"start": "2026-03-01", "end": "2026-03-31", "department": known.org.other.pk}
    )
    assert response.context["total"].questions == 6
    response = client.get(STATISTICS, {"start": "2026-03-01", "end": "2026-03-31", "account": known.a.pk})
    assert response.context["total"].questions == 5
    response = client.get(
        STATISTICS,
        {"start": "2026-03-01", "end": "2026-03-31", "account": known.a.pk, "department": known.org.other.pk},
    )
    assert "account" in response.context["form"].errors


def test_a_period_that_ends_before_it_starts_is_an_error(client, org):
    client.force_login(org.web)
    response = client.get(STATISTICS, {"start": "2026-03-31", "end": "2026-03-01"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_n19_yearly_report_lists_departments_platforms_and_purpose(client, known):
    client.force_login(known.org.web)
    response = client.get(YEARLY, {"year": 2026})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.whole_municipality
    assert report.total.questions == 12  # the year also holds February's question
    names = [section.department.name for section in report.departments]
    assert names == sorted([known.org.own.name, known.org.other.name])
    html = response.content.decode()
    assert "Information om bygglov och trafik." in html
    assert report.platforms == ["facebook", "mastodon"]
    matrix = {dept.pk: counts for dept, counts in report.matrix()}
    assert matrix[known.org.own.pk] == [0, 1]
    assert matrix[known.org.other.pk][0] == 1


def test_n19_yearly_report_csv_has_exact_figures(client, known):
    client.force_login(known.org.web)
    response = client.get(YEARLY_CSV, {"year": 2026})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="arsrapport-2026-kommunen.csv"' in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").splitlines()[0].startswith("År;Nivå;Förvaltning;Konto;Plattform;")
    rows = csv_rows(response)
    municipality = [r for r in rows if r["level"] == "Kommun"]
    assert len(municipality) == 1
    # The whole year 2026 also holds February's question and April's post.
    assert municipality[0]["posts"] == "4"
    assert municipality[0]["questions"] == "12"
    assert municipality[0]["answered"] == "5"
    assert municipality[0]["answered_in_time"] == "3"
    assert municipality[0]["median_response_minutes"] == "180"
    assert municipality[0]["p90_response_minutes"] == str(17 * 60 + 12)
    assert municipality[0]["removals"] == "3"
    assert municipality[0]["questions_with_personal_data"] == "2"
    departments = {r["department"]: r for r in rows if r["level"] == "Förvaltning"}
    assert departments[known.org.own.name]["questions"] == "6"
    assert departments[known.org.other.name]["median_response_minutes"] == "120"
    accounts = {r["account"]: r for r in rows if r["level"] == "Konto"}
    b = accounts["Samhällsbyggnad på Facebook"]
    assert (b["platform"], b["purpose"], b["department"]) == (
        "Facebook",
        "Information om bygglov och trafik.",
        known.org.other.name,
    )
    assert (b["questions"], b["answered"], b["p90_response_minutes"]) == ("6", "2", "168")


def test_n19_head_takes_out_the_own_department_only(client, known):
    client.force_login(known.org.head)
    response = client.get(YEARLY_CSV, {"year": 2026})
    rows = csv_rows(response)
    assert {r["level"] for r in rows} == {"Förvaltning", "Konto"}
    assert {r["department"] for r in rows} == {known.org.own.name}
    assert re.search(r'filename="arsrapport-2026-BUN\.csv"', response["Content-Disposition"])
    assert client.get(YEARLY_CSV, {"year": 2026, "department": known.org.other.pk}).status_code == 403


def test_navigation_links_to_the_statistics(client, org):
    client.force_login(org.web)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{STATISTICS}"' in html
    client.force_login(org.alice)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{STATISTICS}"' not in html


def test_the_statistics_page_takes_a_fixed_number_of_queries(client, known, django_assert_max_num_queries):
    """Grouped aggregates: more accounts do not mean more queries."""
    client.force_login(known.org.web)
    client.get(STATISTICS)  # sessions, roles and form choices warm up
    with django_assert_max_num_queries(40):
        response = client.get(STATISTICS, {"start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200


def test_n19_each_departments_table_totals_its_own_accounts(client, known):
    client.force_login(known.org.web)
    html = client.get(YEARLY, {"year": 2026}).content.decode()
    # The own department's total row carries its 6 questions, the other's its 6, never the 12 of all.
    sections = html.split('class="report-department"')[1:]
    assert len(sections) == 2
    for section in sections:
        total_row = section.split('class="table__total"')[1].split("</tr>")[0]
        cells = [cell.split("</td>")[0] for cell in total_row.split("<td>")[1:]]
        assert cells[2] == "6"


def test_n19_csv_text_cannot_run_as_a_formula(client, known):
    known.b.purpose = '=HYPERLINK("https://example.com","klicka")'
    known.b.save(update_fields=["purpose"])
    client.force_login(known.org.web)
    rows = csv_rows(client.get(YEARLY_CSV, {"year": 2026}))
    purposes = {r["account"]: r["purpose"] for r in rows if r["level"] == "Konto"}
    assert purposes["Samhällsbyggnad på Facebook"] == '\'=HYPERLINK("https://example.com","klicka")'


def test_n18_the_heading_names_the_period_chosen(client, org):
    client.force_login(org.web)
    html = client.get(STATISTICS).content.decode()
    assert "De senaste 12 månaderna:" in html
    html = client.get(STATISTICS, {"period": "last_year"}).content.decode()
    assert "Förra året:" in html and "De senaste 12 månaderna:" not in html
    html = client.get(STATISTICS, {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}).content.decode()
    assert "1 mars 2026 – 31 mars 2026" in html and "De senaste 12 månaderna:" not in html
