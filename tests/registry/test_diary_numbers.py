"""N15: cases get diary numbers "<series> <year>/<number>", gapless and unique per series and
year even when registrars register at the same moment; all documents of a thread share it."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from registry import diary
from registry.models import DiaryCase, DiaryDocument, DiarySeriesCounter
from tests.factories import ServiceAccountFactory

from .conftest import make_comment, make_thread

AT = datetime(2026, 6, 12, 10, 0, tzinfo=UTC)


def test_n15_case_gets_series_year_number(org):
    post, _ = make_thread(org.account)
    case = diary.diary_case_register(
        actor=org.registrar, record=post, title="Storgatan", snapshot=False, at=AT
    )
    assert case.diary_number == "BUN 2026/1"
    second, _ = make_thread(org.account)
    assert (
        diary.diary_case_register(
            actor=org.registrar, record=second, title="Två", snapshot=False, at=AT
        ).diary_number
        == "BUN 2026/2"
    )


def test_n15_series_are_per_department_and_year(org):
    own_post, _ = make_thread(org.account)
    other_post, _ = make_thread(org.other_account)
    next_year_post, _ = make_thread(org.account)
    assert (
        diary.diary_case_register(
            actor=org.registrar, record=own_post, title="a", snapshot=False, at=AT
        ).diary_number
        == "BUN 2026/1"
    )
    assert (
        diary.diary_case_register(
            actor=org.city_registrar, record=other_post, title="b", snapshot=False, at=AT
        ).diary_number
        == "SBN 2026/1"
    )
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)  # 01:30 in Stockholm: already 2027
    assert (
        diary.diary_case_register(
            actor=org.registrar, record=next_year_post, title="c", snapshot=False, at=new_year
        ).diary_number
        == "BUN 2027/1"
    )


def test_n15_all_documents_of_a_thread_share_the_case_number(org):
    post, comments = make_thread(org.account, comments=2)
    case = diary.diary_case_register(actor=org.registrar, record=comments[1], title="Storgatan", at=AT)
    documents = list(case.documents.order_by("number"))
    assert [d.document_number for d in documents] == [f"BUN 2026/1-{n}" for n in (1, 2, 3, 4)]
    assert [d.record_id for d in documents[:3]] == [post.pk, comments[0].pk, comments[1].pk]
    assert documents[3].kind == DiaryDocument.Kind.SNAPSHOT
    assert case.thread == post

    late = make_comment(org.account, post, text="En sen kommentar")
    assert diary.thread_registered_case(late) == case
    added = diary.diary_add_new_thread_records(case=case)
    assert [(d.record_id, d.document_number) for d in added] == [(late.pk, "BUN 2026/1-5")]
    assert diary.diary_add_new_thread_records(case=case) == []


def test_n15_record_registered_hook_adds_a_late_comment(org):
    post, _ = make_thread(org.account, comments=1)
    case = diary.diary_case_register(actor=org.registrar, record=post, title="t", snapshot=False, at=AT)
    late = make_comment(org.account, post)
    diary.record_registered(late)
    assert case.documents.filter(record=late).exists()
    unregistered, _ = make_thread(org.account, comments=0)
    assert diary.thread_registered_case(unregistered) is None


def test_n15_a_thread_is_registered_once(org):
    post, comments = make_thread(org.account)
    diary.diary_case_register(actor=org.registrar, record=post, title="t", snapshot=False, at=AT)
    with pytest.raises(diary.DiaryError):
        diary.diary_case_register(
            actor=org.registrar, record=comments[0], title="again", snapshot=False, at=AT
        )
    assert DiaryCase.objects.count() == 1
    assert DiarySeriesCounter.objects.get().last_number == 1


def test_n15_database_refuses_a_duplicate_number(org):
    post, _ = make_thread(org.account)
    case = diary.diary_case_register(actor=org.registrar, record=post, title="t", snapshot=False, at=AT)
    with pytest.raises(IntegrityError), transaction.atomic():
        DiaryCase.objects.create(
            department=org.own,
            series_code="BUN",
            year=2026,
            number=case.number,
            title="dup",
            registered_at=AT,
        )


def test_n15_failed_registration_gives_its_number_back(org, monkeypatch):
    first, _ = make_thread(org.account)
    second, _ = make_thread(org.account)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(diary, "_add_documents", boom)
    with pytest.raises(RuntimeError):
        diary.diary_case_register(actor=org.registrar, record=first, title="t", snapshot=False, at=AT)
    monkeypatch.undo()
    case = diary.diary_case_register(actor=org.registrar, record=second, title="t", snapshot=False, at=AT)
    assert case.number == 1


@pytest.mark.django_db(transaction=True)
def test_n15_numbers_are_gapless_when_registered_at_once():
    from accounts.models import Department
    from accounts.roles import Role
    from tests.factories import UserFactory

    department = Department.objects.create(name="Kommunstyrelsen", series_code="KS")
    account = ServiceAccountFactory(department=department)
    registrar = UserFactory(department=department, roles=[Role.REGISTRAR])
    roots = [make_thread(account, comments=1)[0] for _ in range(20)]

    def register(post):
        try:
            return diary.diary_case_register(
                actor=registrar, record=post, title=post.text, snapshot=False, at=AT
            ).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        numbers = list(pool.map(register, roots))

    assert sorted(numbers) == list(range(1, 21))
    assert sorted(DiaryCase.objects.values_list("number", flat=True)) == list(range(1, 21))
    assert DiarySeriesCounter.objects.get(series_code="KS", year=2026).last_number == 20
    assert DiaryDocument.objects.count() == 40
