"""Mail after a change goes through a task: a mail server that is down never fails the change."""

import time
import uuid

import pytest
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

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if MAIL_DIR.exists() and any(
            subject in path.read_text("utf-8", "replace") for path in MAIL_DIR.iterdir()
        ):
            return
        time.sleep(0.2)
    pytest.fail("the worker sent no mail within a minute")
