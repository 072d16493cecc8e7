"""N19: the yearly report as PDF, printed by headless Chromium; its text read back with pdftotext."""

import shutil
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse

from reports import presentation

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDF back")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_n19_yearly_report_pdf_for_the_whole_municipality(client, known, tmp_path):
    client.force_login(known.org.web)
    response = client.get(reverse("reports:yearly_pdf"), {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="arsrapport-2026-kommunen.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "2026" in text
    assert known.org.own.name in text
    assert known.org.other.name in text
    assert "Samhällsbyggnad på Facebook" in text
    assert "Information om bygglov och trafik." in text
    # The purpose, the platform and the figures of each account: B has 6 questions, 2 answered.
    line = next(line for line in text.splitlines() if "Samhällsbyggnad på Facebook" in line)
    cells = line.split()
    # account, platform, purpose, posts, questions, answered, in time, median, removals, followers
    assert "Information om bygglov och trafik." in line
    median = presentation.duration_text(timedelta(hours=2)).split()
    assert cells[-6 - len(median) :] == ["1", "6", "2", "1", *median, "2", "–"]


def test_n19_head_gets_a_pdf_of_the_own_department_only(client, known, tmp_path):
    client.force_login(known.org.head)
    response = client.get(reverse("reports:yearly_pdf"), {"year": 2026})
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert known.org.own.name in text
    assert known.org.other.name not in text
    assert "Samhällsbyggnad på Facebook" not in text
    forbidden = client.get(reverse("reports:yearly_pdf"), {"year": 2026, "department": known.org.other.pk})
    assert forbidden.status_code == 403


def test_the_print_document_loads_nothing_from_elsewhere(known):
    from reports.exports import report_html
    from reports.yearly import yearly_report

    html = report_html(yearly_report(year=2026, department_ids=None, now=known.now))
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
