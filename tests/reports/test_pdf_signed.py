"""N19: the yearly report's PDF is signed with the municipality's certificate (PAdES)."""

import pytest
from django.urls import reverse

from tests.tsa import pdf_signature

from .test_pdf import make_pdf

pytestmark = pytest.mark.django_db


def test_n19_the_yearly_report_pdf_is_signed(client, known, signing):
    report_pdf = make_pdf(client, known.org.web, {"year": 2026, "department": ""})
    response = client.get(reverse("reports:yearly_pdf_download", args=[report_pdf.pk]))
    assert pdf_signature(response.content, signing.ca_cert).bottom_line
