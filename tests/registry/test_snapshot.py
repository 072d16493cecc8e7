"""N15: registering a thread makes a snapshot (skärmdump) of it as a PDF, hashed and kept."""

import hashlib
import re
from datetime import UTC, datetime

from archive.services import record_remove
from registry import diary
from registry.models import DiaryDocument
from registry.tasks import diary_snapshot_render
from tests.pdf import pdf_text

from .conftest import make_comment, make_post


def test_n15_snapshot_is_a_pdf_of_the_thread_with_its_hash(org, django_capture_on_commit_callbacks):
    post = make_post(org.account, text="Snöröjningen börjar i natt på alla gator.")
    make_comment(org.account, post, text="När plogas skolans parkering? <script>alert(1)</script>")
    removed = make_comment(org.account, post, text="Olämplig kommentar om grannen")
    record_remove(actor=org.alice, record=removed, ground="unlawful_threat")

    with django_capture_on_commit_callbacks() as callbacks:
        case = diary.diary_case_register(
            actor=org.registrar, record=post, title="Snöröjning", at=datetime(2026, 12, 1, tzinfo=UTC)
        )
    assert len(callbacks) == 1  # the snapshot task is queued after commit
    snapshot = case.documents.get(kind=DiaryDocument.Kind.SNAPSHOT)
    assert snapshot.snapshot_state == DiaryDocument.SnapshotState.PENDING

    digest = diary_snapshot_render(snapshot.pk)  # what the worker runs

    snapshot.refresh_from_db()
    assert snapshot.snapshot_state == DiaryDocument.SnapshotState.DONE
    data = snapshot.file.read()
    assert data.startswith(b"%PDF")
    assert snapshot.sha256 == digest == hashlib.sha256(data).hexdigest()
    text = pdf_text(data)
    assert "Snöröjningen börjar i natt" in text
    assert "När plogas skolans parkering? <script>alert(1)</script>" in text  # escaped, shown as text
    assert "Olämplig kommentar om grannen" in text
    assert "Olaga hot" in text and "unlawful_threat" not in text  # the ground in words, never its code
    assert re.search(r"\d{1,2} [a-zä]+ 20\d\d kl\. \d\d\.\d\d", text)  # times as Swedish documents write them
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", text)
    assert "BUN 2026/1-4" in text
    # Idempotent: a redelivered task keeps the first file.
    assert diary_snapshot_render(snapshot.pk) == digest


def test_n15_platform_html_is_sanitised_in_the_snapshot(org):
    from archive.models import Record
    from registry.snapshot import snapshot_html

    post = make_post(
        org.account,
        text='<p>Välkommen <a href="https://exempelby.se" onclick="evil()">hit</a><script>alert(1)</script></p>',
        text_format="html",
    )
    case = diary.diary_case_register(actor=org.registrar, record=post, title="t", snapshot=False)
    document = diary._add_snapshot(
        actor=org.registrar, case=case, root=Record.objects.get(pk=post.pk), at=case.registered_at
    )
    html = snapshot_html(document=document)
    assert "<script>" not in html and "onclick" not in html
    assert "Välkommen" in html and 'href="https://exempelby.se"' in html
