"""The registrar's queue: register, attach, or judge of minor importance (N14, N15, N17)."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from archive.services import record_purge, record_remove
from registry import diary
from registry.diary import registration_request
from registry.models import DiaryCase, DiaryDocument, RegistrationDecision, RegistrationRequest
from registry.retention import retention_assign

from .conftest import make_comment, make_thread


def test_n15_queue_lists_open_requests_of_the_registrars_department(org, client):
    post, comments = make_thread(org.account)
    registration_request(
        record=comments[0], reason="high_attention", requested_by=org.alice, note="Många delningar"
    )
    other_post, _ = make_thread(org.other_account, text="Annan förvaltnings inlägg")
    registration_request(record=other_post, reason="high_attention", requested_by=org.charlie)
    client.force_login(org.registrar)
    response = client.get(reverse("registry:diary"))
    assert response.status_code == 200
    items = response.context["items"]
    assert [item["record"].pk for item in items] == [comments[0].pk]
    assert items[0]["register_form"].initial["title"].startswith("Nu startar vi ombyggnaden")
    body = response.content.decode()
    assert "Många delningar" in body and "Annan förvaltnings inlägg" not in body


def test_n15_register_from_the_queue_gives_a_diary_number(org, client):
    post, comments = make_thread(org.account)
    request = registration_request(record=comments[1], reason="high_attention", requested_by=org.alice)
    client.force_login(org.registrar)
    response = client.post(
        reverse("registry:diary_register", args=[request.pk]), {f"r{request.pk}-title": "Storgatan"}
    )
    case = DiaryCase.objects.get()
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.title == "Storgatan" and case.thread == post and case.registered_by == org.registrar
    request.refresh_from_db()
    assert (
        request.handled_by == org.registrar
        and request.decision.outcome == RegistrationDecision.Outcome.REGISTERED
    )
    page = client.get(case.get_absolute_url())
    assert case.diary_number in page.content.decode()
    assert 'hx-trigger="every 2s"' in page.content.decode()  # the snapshot is on its way
    assert not client.get(reverse("registry:diary")).context["items"]


def test_n15_attach_a_thread_to_an_existing_case(org, client):
    first, _ = make_thread(org.account)
    case = diary.diary_case_register(actor=org.registrar, record=first, title="Storgatan", snapshot=False)
    second, second_comments = make_thread(org.account, comments=1)
    request = registration_request(record=second, reason="high_attention")
    client.force_login(org.registrar)
    response = client.post(
        reverse("registry:diary_attach", args=[request.pk]), {f"a{request.pk}-case": case.pk}
    )
    assert response.status_code == 302
    assert set(case.documents.filter(kind="record").values_list("record_id", flat=True)) >= {
        second.pk,
        second_comments[0].pk,
    }
    assert diary.thread_registered_case(second_comments[0]) == case
    assert DiaryCase.objects.count() == 1


def test_n15_cannot_attach_to_another_departments_case(org, client):
    other_post, _ = make_thread(org.other_account)
    other_case = diary.diary_case_register(
        actor=org.city_registrar, record=other_post, title="t", snapshot=False
    )
    post, _ = make_thread(org.account)
    request = registration_request(record=post, reason="high_attention")
    client.force_login(org.registrar)
    client.post(reverse("registry:diary_attach", args=[request.pk]), {f"a{request.pk}-case": other_case.pk})
    assert not other_case.documents.filter(record=post).exists()
    request.refresh_from_db()
    assert request.handled_at is None


def test_n17_no_registration_needed_puts_the_thread_in_the_minor_class(org, client):
    post, comments = make_thread(org.account)
    request = registration_request(record=comments[0], reason="high_attention")
    client.force_login(org.registrar)
    response = client.post(
        reverse("registry:diary_not_needed", args=[request.pk]),
        {f"n{request.pk}-note": "Rutinfråga, redan besvarad"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.decision.outcome == RegistrationDecision.Outcome.NOT_NEEDED
    assert request.decision.note == "Rutinfråga, redan besvarad"
    assert not DiaryDocument.objects.exists()
    comments[1].refresh_from_db()
    assert comments[1].classification.document_class.applies_to == "minor"
    assert comments[1].retention_until.isoformat() == "2028-12-31"


def test_n17_no_registration_needs_a_note(org):
    post, _ = make_thread(org.account)
    request = registration_request(record=post, reason="high_attention")
    with pytest.raises(diary.DiaryError):
        diary.registration_not_needed(actor=org.registrar, request=request, note="  ")


def test_n15_a_request_is_handled_once(org):
    post, _ = make_thread(org.account)
    request = registration_request(record=post, reason="high_attention")
    diary.registration_not_needed(actor=org.registrar, request=request, note="ringa")
    with pytest.raises(diary.DiaryError):
        diary.diary_case_register(actor=org.registrar, record=post, title="t", request=request)
    assert not DiaryCase.objects.exists()


def test_n14_removed_content_in_the_queue_is_registered(org):
    post, _ = make_thread(org.account, comments=0)
    removed = make_comment(org.account, post, text="Hotfull kommentar")
    record_remove(actor=org.alice, record=removed, ground="olaga_hot", reason="Hot mot anställd")
    purged = make_comment(org.account, post, text="[olagligt material]")
    record_purge(actor=org.alice, record=purged, ground="barnpornografibrott")
    request = registration_request(
        record=removed, reason=RegistrationRequest.Reason.REMOVED, requested_by=org.alice
    )
    case = diary.diary_case_register(
        actor=org.registrar,
        record=removed,
        title="Borttagen kommentar",
        request=request,
        at=datetime(2026, 6, 20, tzinfo=UTC),
    )
    registered = set(case.documents.filter(kind="record").values_list("record_id", flat=True))
    assert {post.pk, removed.pk, purged.pk} <= registered
    removed.refresh_from_db()
    assert removed.removed_at is not None and removed.text == "Hotfull kommentar"
    assert retention_assign(record=removed).document_class.permanent
    request.refresh_from_db()
    assert request.decision.case == case
