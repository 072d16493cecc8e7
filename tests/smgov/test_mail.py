"""Mail after a change goes through a task: a mail server that is down never fails the change."""

import time
import uuid

import pytest
from celery.signals import before_task_publish
from django.core import mail
from django.db import transaction

from smgov.lib.mail import mail_after_commit
from tests.worker import MAIL_DIR


@pytest.mark.django_db
def test_mail_is_sent_only_when_the_change_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        mail_after_commit(["a@example.se", "", "a@example.se", "b@example.se"], "Ämne", "Text")
    assert [m.to for m in mail.outbox] == [["a@example.se", "b@example.se"]]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        mail_after_commit([""], "Ämne", "Text")
    assert callbacks == []  # nobody to tell: nothing queued


@pytest.mark.django_db
def test_a_mail_server_that_is_down_does_not_fail_the_change(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens

    with django_capture_on_commit_callbacks(execute=True):
        mail_after_commit(["a@example.se"], "Ämne", "Text")  # raises nothing: the task absorbs it


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_mail_after_a_change_is_sent_by_a_real_worker(settings, celery_worker):
    settings.MAIL_QUEUE = True
    subject = f"smgov test {uuid.uuid4()}"

    with transaction.atomic():
        mail_after_commit(["registrator@example.se"], subject, "Ett nytt ärende väntar.")

    _wait_for_mail(subject)


def _wait_for_mail(subject: str) -> str:
    """The text of the mail the worker wrote with ``subject``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for path in MAIL_DIR.iterdir() if MAIL_DIR.exists() else ():
            text = path.read_text("utf-8", "replace")
            if subject in text:
                return text
        time.sleep(0.2)
    pytest.fail("the worker sent no mail within a minute")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_what_the_worker_shows_of_a_mail_is_its_size_never_its_addresses_or_words(
    settings, celery_worker, celery_worker_log
):
    """Celery shows a task's arguments as its message's `argsrepr` in log records, events, `inspect`
    and monitors: for a mail (an expert's question holds a citizen's comment) only sizes."""
    settings.MAIL_QUEUE = True
    subject = f"Question about a comment {uuid.uuid4()}"  # ASCII: the file holds the header as written
    comment = "Jag heter Sven Svensson och mitt nummer är 070-123 45 67"
    published = []

    def keep(sender=None, headers=None, **kwargs):
        published.append(headers)

    before_task_publish.connect(keep, weak=False)
    try:
        with transaction.atomic():
            mail_after_commit(["expert.person@example.se"], subject, f"Kommentaren: {comment}")
    finally:
        before_task_publish.disconnect(keep)

    sent = _wait_for_mail(subject)
    assert "070-123 45 67" in sent.replace("=\n", "")  # the mail itself is whole
    (headers,) = [h for h in published if h["task"] == "smgov.send_mail"]
    assert "1 recipients" in headers["argsrepr"] and headers["kwargsrepr"] == "{}"
    log = celery_worker_log.read_text("utf-8", "replace")
    for secret in (comment, "070-123 45 67", "expert.person@example.se", subject):
        assert secret not in headers["argsrepr"] and secret not in log
