"""Diary numbers given in the case-management system, imported from its CSV: a preview with every
line's problems in Swedish that writes nothing, and an import that links each thread to its number."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.models import RecordKind
from archive.services import IncomingItem, record_ingest
from registry import diary
from registry.models import DiaryCase, DiaryEvent, DiarySeriesCounter, RegistrationRequest

from .conftest import make_thread

MAY = datetime(2025, 5, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def threads(org):
    """Three threads to import, one already registered here (BUN 2026/1), one of another department."""
    posts = [make_thread(org.account, comments=1, at=MAY)[0] for _n in range(2)]
    posts.append(
        record_ingest(
            account=org.account,
            item=IncomingItem(
                platform_id="linked-3",
                kind=RecordKind.POST,
                is_own=True,
                published_at=MAY,
                text="Inlägget med länk",
                permalink="https://mastodon.example/@kommun/3",
                raw={"id": "linked-3"},
            ),
        ).record
    )
    registered, _comments = make_thread(org.account, comments=0, at=MAY)
    case = diary.diary_case_register(
        actor=org.registrar, record=registered, title="Redan här", snapshot=False
    )
    foreign, _comments = make_thread(org.other_account, comments=0, at=MAY)
    diary.registration_request(record=posts[0], reason="high_attention")
    return {"posts": posts, "registered": registered, "case": case, "foreign": foreign}


def _csv(*lines: str, heading="Diarienummer;Tråd;Ärendemening") -> SimpleUploadedFile:
    text = "\n".join([heading, *lines]) + "\n"
    return SimpleUploadedFile("dnr.csv", text.encode("utf-8"), content_type="text/csv")


def _record_url(record) -> str:
    return "http://testserver" + reverse("archive:record", args=[record.pk])


def _counts():
    return (
        DiaryCase.objects.count(),
        DiaryEvent.objects.count(),
        RegistrationRequest.objects.filter(handled_at__isnull=True).count(),
        list(DiarySeriesCounter.objects.values_list("series_code", "year", "last_number").order_by("pk")),
    )


def _preview(client, upload):
    return client.post(reverse("registry:diary_numbers_import"), {"file": upload, "preview": "1"})


def test_good_lines_link_each_thread_to_its_number_in_one_import(org, threads, client):
    posts = threads["posts"]
    client.force_login(org.registrar)
    response = _preview(
        client,
        _csv(
            f"BUN 2025/40;{_record_url(posts[0])};Frågor om skolskjutsen",
            f"BUN-2025-41;mastodon:{posts[1].platform_id};",
            "bun 2025/42;https://mastodon.example/@kommun/3;",
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "3 rader kan importeras; 0 har fel" in page
    response = client.post(
        reverse("registry:diary_numbers_import"), {"confirm": "1", "data": response.context["data"]}
    )
    assert response.status_code == 302
    cases = {case.diary_number: case for case in DiaryCase.objects.filter(year=2025)}
    assert set(cases) == {"BUN 2025/40", "BUN 2025/41", "BUN 2025/42"}
    assert cases["BUN 2025/40"].thread == posts[0] and cases["BUN 2025/40"].title == "Frågor om skolskjutsen"
    assert cases["BUN 2025/42"].thread == posts[2]
    # Every record of the thread is a document under the number, and the thread's request is handled.
    assert cases["BUN 2025/40"].documents.count() == 2
    assert diary.thread_registered_case(posts[0]).number == 40
    assert not RegistrationRequest.objects.filter(record=posts[0], handled_at__isnull=True).exists()
    event = DiaryEvent.objects.get(action=DiaryEvent.Action.NUMBERS_IMPORTED)
    assert event.actor == org.registrar and "BUN 2025/41" in event.detail
    assert DiaryEvent.objects.filter(action=DiaryEvent.Action.CASE_REGISTERED, case__year=2025).count() == 3
    # smgov's own next number in the series comes after the imported ones.
    later, _comments = make_thread(org.account, comments=0, at=MAY)
    assert (
        diary.diary_case_register(
            actor=org.registrar, record=later, title="Nästa", snapshot=False, at=MAY
        ).diary_number
        == "BUN 2025/43"
    )


def test_each_kind_of_bad_line_is_shown_in_swedish_and_left_out(org, threads, client):
    posts, case = threads["posts"], threads["case"]
    client.force_login(org.registrar)
    response = _preview(
        client,
        _csv(
            f"BUN 2025/7;{_record_url(posts[0])}",  # good
            f"BUN 2025;{_record_url(posts[1])}",  # malformed number
            "BUN 2025/8;mastodon:finns-inte",  # unknown thread
            f"BUN 2025/9;{_record_url(threads['foreign'])}",  # another department's thread
            f"{case.diary_number};{_record_url(posts[2])}",  # number already used
            f"BUN 2025/10;{_record_url(threads['registered'])}",  # thread already registered
            f"BUN 2025/7;{_record_url(posts[2])}",  # number already given above
            f"SBN 2025/11;{_record_url(posts[2])}",  # another department's series
        ),
    )
    page = response.content.decode()
    assert "1 rader kan importeras; 7 har fel och lämnas utanför." in page
    lines = {line.line: line for line in response.context["lines"]}
    assert lines[2].ok
    assert lines[3].errors == ["”BUN 2025” är inget diarienummer av formen BUN 2025/17."]
    assert lines[4].errors == [
        "Tråden mastodon:finns-inte finns inte i arkivet för en förvaltning vars diarium du för."
    ]
    assert lines[5].errors[0].startswith("Tråden http://testserver/arkiv/handling/")
    assert lines[6].errors == [f"Diarienumret {case.diary_number} används redan (Redan här)."]
    assert lines[7].errors == [f"Tråden är redan registrerad i {case.diary_number}."]
    assert lines[8].errors == ["Diarienumret BUN 2025/7 anges redan på rad 2."]
    assert lines[9].errors == ["Diarienumrets serie är inte trådens förvaltnings (BUN)."]
    before = DiaryCase.objects.count()
    client.post(reverse("registry:diary_numbers_import"), {"confirm": "1", "data": response.context["data"]})
    assert DiaryCase.objects.count() == before + 1
    assert DiaryCase.objects.get(year=2025, number=7).thread == posts[0]


def test_the_page_and_the_preview_write_nothing(org, threads, client):
    client.force_login(org.registrar)
    before = _counts()
    assert client.get(reverse("registry:diary_numbers_import")).status_code == 200
    response = _preview(client, _csv(f"BUN 2025/40;{_record_url(threads['posts'][0])}"))
    assert response.status_code == 200 and response.context["good"] == 1
    assert _counts() == before


def test_a_file_without_the_columns_or_empty_is_refused_in_swedish(org, threads, client):
    client.force_login(org.registrar)
    response = _preview(client, _csv("x;y", heading="A;B"))
    assert response.status_code == 400
    assert "Filen behöver en kolumn ”diarienummer” och en kolumn ”tråd”" in response.content.decode()
    response = _preview(client, SimpleUploadedFile("tom.csv", b"   ", content_type="text/csv"))
    assert "Filen är tom." in response.content.decode()


def test_a_file_saved_by_a_spreadsheet_program_in_windows_1252_is_read(org, threads, client):
    client.force_login(org.registrar)
    text = f"Diarienummer;Tråd;Ärendemening\r\nBUN 2025/40;{_record_url(threads['posts'][0])};Skolgården\r\n"
    response = _preview(client, SimpleUploadedFile("dnr.csv", text.encode("cp1252"), content_type="text/csv"))
    assert response.context["good"] == 1 and response.context["lines"][0].title == "Skolgården"


@pytest.mark.parametrize("who", ["head", "alice", "info"])
def test_only_a_registrar_imports_diary_numbers(org, threads, client, who):
    client.force_login(getattr(org, who))
    assert client.get(reverse("registry:diary_numbers_import")).status_code == 403
    data = f"Diarienummer;Tråd\nBUN 2025/40;{_record_url(threads['posts'][0])}\n"
    response = client.post(reverse("registry:diary_numbers_import"), {"confirm": "1", "data": data})
    assert response.status_code == 403
    assert not DiaryCase.objects.filter(year=2025).exists()
