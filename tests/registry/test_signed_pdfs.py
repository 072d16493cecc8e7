"""The registrar's PDFs (thread snapshots, the diary's year report) are signed with the
municipality's certificate (PAdES) and the signature verifies."""

from datetime import UTC, datetime

from django.urls import reverse

from registry import diary
from registry.models import DiaryDocument
from registry.tasks import diary_snapshot_render
from tests.tsa import pdf_signature

from .conftest import make_comment, make_post
from .test_samlingsakt_and_year_report import year_of_posts  # noqa: F401


def test_n15_a_thread_snapshot_is_signed_by_the_municipality(org, signing, django_capture_on_commit_callbacks):
    post = make_post(org.account, text="Snöröjningen börjar i natt.")
    make_comment(org.account, post, text="När plogas parkeringen?")
    with django_capture_on_commit_callbacks():
        case = diary.diary_case_register(
            actor=org.registrar, record=post, title="Snöröjning", at=datetime(2026, 12, 1, tzinfo=UTC)
        )
    snapshot = case.documents.get(kind=DiaryDocument.Kind.SNAPSHOT)
    diary_snapshot_render(snapshot.pk)
    snapshot.refresh_from_db()
    assert pdf_signature(snapshot.file.read(), signing.ca_cert).bottom_line


def test_n16_the_diary_year_report_pdf_is_signed(org, client, signing, year_of_posts):  # noqa: F811
    client.force_login(org.head)
    response = client.get(reverse("registry:diary_year_report_pdf", args=[org.own.pk, 2026]))
    assert response.status_code == 200
    assert pdf_signature(response.content, signing.ca_cert).bottom_line
