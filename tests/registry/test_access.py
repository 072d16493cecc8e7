"""Who may open which diary page: registrars (own department) and the registrar for the whole
municipality keep the diary; heads read their own department's year report; everyone else,
the information unit included, gets 403."""

from datetime import UTC, date, datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from registry import diary
from registry.diary import registration_request
from registry.models import DiaryDocument
from registry.retention import disposal_propose, retention_assign_missing

from .conftest import make_thread

PEOPLE = ["alice", "charlie", "head", "other_head", "registrar", "city_registrar", "web", "info"]
KEEPERS = {"registrar", "city_registrar"}


@pytest.fixture
def pages(org):
    post, _ = make_thread(org.account, comments=1)
    case = diary.diary_case_register(actor=org.registrar, record=post, title="t")
    snapshot = case.documents.get(kind=DiaryDocument.Kind.SNAPSHOT)
    snapshot.file.save("s.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    make_thread(org.account, comments=1, at=datetime(2019, 1, 1, tzinfo=UTC))
    retention_assign_missing()
    batch = disposal_propose(department=org.own, cutoff=date(2026, 1, 1))
    keeper_pages = {
        "queue": reverse("registry:diary"),
        "cases": reverse("registry:diary_cases"),
        "case": reverse("registry:diary_case", args=[case.pk]),
        "case_documents": reverse("registry:diary_case_documents", args=[case.pk]),
        "file": reverse("registry:diary_document_file", args=[snapshot.pk]),
        "samlingsakt": reverse("registry:diary_samlingsakt", args=[org.own.pk, case.year]),
        "classes": reverse("registry:diary_document_classes"),
        "hold": reverse("registry:diary_legal_hold", args=[post.pk]),
        "disposal": reverse("registry:diary_disposal"),
        "batch": reverse("registry:diary_disposal_batch", args=[batch.pk]),
    }
    report_pages = {
        "report": reverse("registry:diary_year_report", args=[org.own.pk, case.year]),
        "report_csv": reverse("registry:diary_year_report_csv", args=[org.own.pk, case.year]),
    }
    return keeper_pages, report_pages


@pytest.mark.parametrize("person", PEOPLE)
def test_it_checks_access(org, client, pages, person):
    keeper_pages, report_pages = pages
    client.force_login(getattr(org, person))
    for name, url in keeper_pages.items():
        expected = 200 if person in KEEPERS else 403
        assert client.get(url).status_code == expected, (person, name)
    for name, url in report_pages.items():
        expected = 200 if person in KEEPERS | {"head"} else 403
        assert client.get(url).status_code == expected, (person, name)


def test_anonymous_is_sent_to_log_in(client, pages):
    keeper_pages, report_pages = pages
    for url in [*keeper_pages.values(), *report_pages.values()]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_no_cross_department_diary(org, client):
    post, _ = make_thread(org.other_account)
    request = registration_request(record=post, reason="high_attention")
    client.force_login(org.registrar)
    assert client.get(reverse("registry:diary_samlingsakt", args=[org.other.pk, 2026])).status_code == 403
    assert client.get(reverse("registry:diary_year_report", args=[org.other.pk, 2026])).status_code == 403
    assert client.get(reverse("registry:diary_legal_hold", args=[post.pk])).status_code == 403
    response = client.post(
        reverse("registry:diary_register", args=[request.pk]), {f"r{request.pk}-title": "x"}
    )
    assert response.status_code == 403
    assert not client.get(reverse("registry:diary")).context["items"]
    client.force_login(org.other_head)
    assert client.get(reverse("registry:diary_year_report", args=[org.own.pk, 2026])).status_code == 403


@pytest.mark.parametrize("person", ["alice", "head", "web"])
def test_only_keepers_write(org, client, person):
    post, _ = make_thread(org.account)
    request = registration_request(record=post, reason="high_attention")
    client.force_login(getattr(org, person))
    assert (
        client.post(
            reverse("registry:diary_register", args=[request.pk]), {f"r{request.pk}-title": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("registry:diary_not_needed", args=[request.pk]), {f"n{request.pk}-note": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("registry:diary_disposal_propose"), {"department": org.own.pk}).status_code == 403
    )
    assert (
        client.post(
            reverse("registry:diary_legal_hold", args=[post.pk]), {"hold": "1", "reason": "x"}
        ).status_code
        == 403
    )
    assert client.get(reverse("registry:diary_document_class_new")).status_code == 403
    request.refresh_from_db()
    assert request.handled_at is None


def test_the_diary_is_in_the_registrars_menu(org, client):
    client.force_login(org.registrar)
    assert reverse("registry:diary") in client.get(reverse("dashboard")).content.decode()


def test_a_document_whose_file_is_gone_from_the_store_is_a_swedish_not_found_page(org, client, pages):
    keeper_pages, _report_pages = pages
    document = DiaryDocument.objects.get(kind=DiaryDocument.Kind.SNAPSHOT)
    document.file.storage.delete(document.file.name)
    client.force_login(org.registrar)
    response = client.get(keeper_pages["file"])
    assert response.status_code == 404  # the site's Swedish page, not a server error
    assert "Sidan finns inte" in response.content.decode()
