"""N19: the yearly report as PDF, printed by headless Chromium; its text read back with pypdf."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse

from reports import presentation, services
from reports.models import ReportPdf
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db


def make_pdf(client, user, data) -> ReportPdf:
    """Ask for the PDF as the page does, then let the worker's service print it."""
    client.force_login(user)
    response = client.post(reverse("reports:yearly_pdf"), data)
    assert response.status_code == 302
    report_pdf = ReportPdf.objects.get(requested_by=user)
    assert response["Location"] == report_pdf.get_absolute_url()
    assert report_pdf.status == ReportPdf.Status.QUEUED
    services.report_pdf_render(report_pdf_id=report_pdf.pk)
    report_pdf.refresh_from_db()
    assert report_pdf.status == ReportPdf.Status.DONE, report_pdf.error
    return report_pdf


def test_n19_yearly_report_pdf_for_the_whole_municipality(client, known):
    report_pdf = make_pdf(client, known.org.web, {"year": 2026, "department": ""})
    assert report_pdf.department is None
    assert client.get(report_pdf.get_absolute_url()).status_code == 200
    response = client.get(reverse("reports:yearly_pdf_download", args=[report_pdf.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="arsrapport-2026-kommunen.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "2026" in text
    assert known.org.own.name in text
    assert known.org.other.name in text
    assert "Samhällsbyggnad på Facebook" in text
    assert "Information om bygglov och trafik." in text
    # Each account with its platform, its purpose and its figures: B has 1 post, 6 questions,
    # 2 answered, 1 in time, a median of 2 h, 2 removals and no follower count.
    median = presentation.duration_text(timedelta(hours=2))
    assert (
        f"Samhällsbyggnad på Facebook Facebook Information om bygglov och trafik. 1 6 2 1 {median} 2 –"
        in text
    )


def test_n19_head_gets_a_pdf_of_the_own_department_only(client, known):
    org = known.org
    report_pdf = make_pdf(client, org.head, {"year": 2026})
    assert report_pdf.department == org.own
    text = pdf_text(bytes(report_pdf.pdf))
    assert org.own.name in text
    assert org.other.name not in text
    assert "Samhällsbyggnad på Facebook" not in text
    forbidden = client.post(reverse("reports:yearly_pdf"), {"year": 2026, "department": org.other.pk})
    assert forbidden.status_code == 403
    assert ReportPdf.objects.count() == 1
    # Only the person who asked fetches it; others do not learn that it exists.
    client.force_login(org.web)
    assert client.get(reverse("reports:yearly_pdf_download", args=[report_pdf.pk])).status_code == 404
    client.force_login(org.other_head)
    assert client.get(report_pdf.get_absolute_url()).status_code == 404


def test_the_pdf_is_asked_for_with_a_post(client, org):
    client.force_login(org.web)
    assert client.get(reverse("reports:yearly_pdf")).status_code == 405


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_n19_a_real_worker_prints_the_pdf(celery_worker, role_groups, client, org):
    client.force_login(org.web)
    response = client.post(reverse("reports:yearly_pdf"), {"year": 2026, "department": org.own.pk})
    report_pdf = ReportPdf.objects.get()
    assert response["Location"] == report_pdf.get_absolute_url()
    deadline = time.monotonic() + 90
    while report_pdf.status == ReportPdf.Status.QUEUED and time.monotonic() < deadline:
        time.sleep(0.5)
        report_pdf.refresh_from_db()
    assert report_pdf.status == ReportPdf.Status.DONE, report_pdf.error
    page = client.get(report_pdf.get_absolute_url()).content.decode()
    assert reverse("reports:yearly_pdf_download", args=[report_pdf.pk]) in page
    data = client.get(reverse("reports:yearly_pdf_download", args=[report_pdf.pk])).content
    assert data.startswith(b"%PDF")
    assert org.own.name in pdf_text(data)


def test_the_print_document_loads_nothing_from_elsewhere(known):
    from reports.exports import report_html
    from reports.yearly import yearly_report

    html = report_html(yearly_report(year=2026, department_ids=None, now=known.now))
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
