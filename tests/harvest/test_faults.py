"""Faults: rate limits, server errors, timeouts, refused credentials and broken payloads.

The task is run through Celery's own machinery (``apply``): its retry decisions (the countdown after
a rate limit, backoff after server errors, the bound on attempts) are Celery's real ones; the
platform is a real local HTTP server.
"""

import time

import pytest
from celery import current_app
from django.core import mail

from accounts.models import Credential
from accounts.services import credential_set
from archive.models import Record, SourceResponse
from harvest.models import ConnectionStatus, HarvestRun, HarvestState
from harvest.tasks import run_account

from .conftest import ACCOUNT_ID, POST_WITH_COMMENTS

pytestmark = pytest.mark.usefixtures("media_root", "fast_retries")

STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
PROFILE = f"/api/v1/accounts/{ACCOUNT_ID}"


def runs(account):
    return list(HarvestRun.objects.filter(account=account).order_by("started_at", "pk"))


@pytest.fixture
def countdowns(monkeypatch):
    """The delay of each retry the task asks Celery for (``apply`` then runs it at once, in-process)."""
    seen = []
    task = current_app.tasks[run_account.name]
    retry = task.retry

    def spy(*args, **kwargs):
        seen.append(kwargs.get("countdown"))
        return retry(*args, **kwargs)

    monkeypatch.setattr(task, "retry", spy)
    return seen


def test_rate_limit_waits_as_told_and_resumes_from_the_cursor(mastodon_account, mastodon, countdowns):
    mastodon.overrides[f"{STATUSES}#2"] = [
        mastodon.json({"error": "Too many requests"}, status=429, headers={"Retry-After": "120"})
    ]

    result = run_account.apply(args=[mastodon_account.pk])

    assert countdowns == [120]  # retried after exactly the platform's delay
    # and the bound on server-error retries is not loosened for later runs in the same worker
    assert not hasattr(current_app.tasks[run_account.name], "override_max_retries")
    assert result.state == "SUCCESS" and result.result == "succeeded"
    # resumed at page 2: page 1 was requested once, page 2 twice (the 429 and the answer), and
    # after the 429 that attempt sent nothing more
    assert mastodon.hits[STATUSES] == 3
    assert SourceResponse.objects.filter(url__contains=STATUSES).count() == 2
    assert Record.objects.filter(account=mastodon_account).count() == 7
    assert [r.status for r in runs(mastodon_account)] == ["deferred", "succeeded"]
    assert "429" in runs(mastodon_account)[0].error
    assert HarvestState.objects.get(account=mastodon_account).status == ConnectionStatus.OK


def test_a_throttled_run_stops_sending_at_once(mastodon_account, mastodon, countdowns):
    reset = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 300))
    mastodon.overrides[PROFILE] = [
        mastodon.json({"error": "Too many requests"}, status=429, headers={"X-RateLimit-Reset": reset})
    ]

    run_account.apply(args=[mastodon_account.pk])

    assert 290 <= countdowns[0] <= 300  # no Retry-After: the rate-limit window's reset decides
    first = runs(mastodon_account)[0]
    assert first.status == "deferred" and first.pages == 0
    assert mastodon.hits[PROFILE] == 2  # the 429, then the retry's request


def test_rate_limit_state_is_shown_until_the_wait_is_over(mastodon_account, mastodon):
    from harvest import services

    mastodon.overrides[PROFILE] = [
        mastodon.json({"error": "Too many requests"}, status=429, headers={"Retry-After": "7200"})
    ]

    with pytest.raises(services.HarvestDeferred):
        services.harvest_account(account_id=mastodon_account.pk)

    state = HarvestState.objects.get(account=mastodon_account)
    assert state.status == ConnectionStatus.RATE_LIMITED
    assert state.next_run_at == state.rate_limited_until  # the schedule waits too
    # longer than Celery should hold a message: the task leaves it to the schedule
    mastodon.overrides[PROFILE] = [
        mastodon.json({"error": "Too many requests"}, status=429, headers={"Retry-After": "7200"})
    ]
    assert run_account.apply(args=[mastodon_account.pk]).result == "deferred"


def test_server_errors_back_off_exponentially_with_jitter_a_bounded_number_of_times(
    mastodon_account, mastodon, settings, countdowns
):
    mastodon.overrides[STATUSES] = [mastodon.json({"error": "Service unavailable"}, status=503)] * 50

    result = run_account.apply(args=[mastodon_account.pk])

    assert result.state == "FAILURE"
    attempts = run_account.max_retries + 1
    assert attempts == settings.HARVEST_TASK_MAX_RETRIES + 1
    assert mastodon.hits[STATUSES] == attempts * 2  # each attempt: the request and one quick retry
    # every failed attempt asks for a retry; the one past the bound is refused
    assert len(countdowns) == attempts
    for number, countdown in enumerate(countdowns):  # full jitter below a doubling ceiling
        assert 0 <= countdown <= settings.HARVEST_RETRY_BACKOFF * 2**number
    statuses = [r.status for r in runs(mastodon_account)]
    assert statuses == ["deferred"] * run_account.max_retries + ["failed"]
    assert "503" in runs(mastodon_account)[-1].error


def test_a_platform_that_is_down_is_told_on_the_account_page_in_swedish_with_what_to_do(
    mastodon_account, mastodon, client, org, countdowns
):
    mastodon.overrides[STATUSES] = [mastodon.json({"error": "Service unavailable"}, status=503)] * 50

    run_account.apply(args=[mastodon_account.pk])

    client.force_login(org.alice)
    page = client.get(mastodon_account.get_absolute_url()).content.decode()
    assert "Plattformen svarar inte som den ska just nu" in page
    assert "Insamlingen försöker igen av sig själv; inget behöver ändras" in page
    assert "Teknisk uppgift" in page and "503" in page  # the platform's own words, for the IT department
    state = HarvestState.objects.get(account=mastodon_account)
    assert state.last_error.startswith("Plattformen svarar inte")


def test_a_timeout_is_retried_like_a_server_error(mastodon_account, mastodon, settings, countdowns):
    settings.HARVEST_HTTP_TIMEOUT = 0.5

    def slow():
        time.sleep(1)
        return mastodon.json([])

    mastodon.overrides[STATUSES] = [slow, slow]

    result = run_account.apply(args=[mastodon_account.pk])

    assert result.result == "succeeded" and len(countdowns) == 1
    first = runs(mastodon_account)[0]
    assert first.status == "deferred" and "timed out" in first.error.lower()


def test_invalid_credentials_need_reconnection_mail_the_admins_once_and_are_not_retried(
    mastodon_account, mastodon, org, django_capture_on_commit_callbacks
):
    credential_set(actor=org.info, account=mastodon_account, name="access_token", secret="expired-token")
    mastodon.overrides[PROFILE] = [
        mastodon.json({"error": "The access token is invalid"}, status=401) for _ in range(3)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        first = run_account.apply(args=[mastodon_account.pk])
        second = run_account.apply(args=[mastodon_account.pk])

    assert first.state == second.state == "SUCCESS"  # ended, not retried
    assert first.result == "failed"
    assert mastodon.hits[PROFILE] == 2 and mastodon.hits[STATUSES] == 0  # one request per run
    state = HarvestState.objects.get(account=mastodon_account)
    assert state.status == ConnectionStatus.NEEDS_RECONNECTION
    assert "access token is invalid" in state.last_error
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([org.alice.email, org.bob.email])
    assert "expired-token" not in mail.outbox[0].body
    credential = Credential.objects.get(account=mastodon_account)
    assert credential.last_error_at is not None  # the token health panel shows it

    mastodon.overrides[PROFILE] = []  # renewed: the next run works and clears the state
    assert run_account.apply(args=[mastodon_account.pk]).result == "succeeded"
    state.refresh_from_db()
    assert state.status == ConnectionStatus.OK and state.notified_at is None


def test_a_stored_token_is_sent_as_a_bearer_header(mastodon_account, mastodon, org, httpserver):
    credential_set(actor=org.info, account=mastodon_account, name="access_token", secret="tok-123")

    run_account.apply(args=[mastodon_account.pk])

    api = [request for request, _ in httpserver.log if request.path.startswith("/api/")]
    cdn = [request for request, _ in httpserver.log if request.path.startswith("/cdn/")]
    assert api and all(request.headers.get("Authorization") == "Bearer tok-123" for request in api)
    assert cdn and not any("Authorization" in request.headers for request in cdn)  # never to a CDN
    assert all("tok-123" not in response.url for response in SourceResponse.objects.all())


def test_malformed_json_fails_the_run_clearly_and_stores_no_part_of_the_page(mastodon_account, mastodon):
    from werkzeug import Response

    body = b"<html>Bad gateway</html>"
    mastodon.overrides[f"{STATUSES}#2"] = [Response(body, content_type="application/json")]

    result = run_account.apply(args=[mastodon_account.pk])

    assert result.state == "SUCCESS" and result.result == "failed"  # a broken payload is not retried
    run = runs(mastodon_account)[-1]
    assert "not valid JSON" in run.error and "max_id=113510000000000002" in run.error
    assert SourceResponse.objects.filter(url__contains="max_id").count() == 0
    assert not Record.objects.filter(platform_id="113500000000000001").exists()
    assert Record.objects.filter(account=mastodon_account).count() == 2  # page 1 alone

    # The platform mends: the next run goes on from page 2, not from the beginning.
    mastodon.hits.clear()
    assert run_account.apply(args=[mastodon_account.pk]).result == "succeeded"
    assert Record.objects.filter(account=mastodon_account).count() == 7
    assert mastodon.hits[STATUSES] == 1  # page 2 alone


def test_a_body_cut_off_mid_response_is_retried_and_nothing_is_lost(mastodon_account, mastodon, countdowns):
    from werkzeug import Response

    cut = b'[{"id": "113500000000000001", "created_at": "2024-11-15T09:30'
    mastodon.overrides[f"{STATUSES}#2"] = [Response(cut, content_type="application/json")]

    result = run_account.apply(args=[mastodon_account.pk])

    assert result.result == "succeeded" and len(countdowns) == 1  # retried with backoff, like a 5xx
    first, second = runs(mastodon_account)
    assert first.status == "deferred" and "ends before the JSON does" in first.error
    assert second.status == "succeeded"
    assert Record.objects.filter(account=mastodon_account).count() == 7  # every post and comment
    assert SourceResponse.objects.filter(url__contains="max_id").count() == 1  # page 2, once


def test_comments_of_a_post_resume_after_a_rate_limit(mastodon_account, mastodon, countdowns):
    context = f"/api/v1/statuses/{POST_WITH_COMMENTS}/context"
    mastodon.overrides[context] = [
        mastodon.json({"error": "Too many requests"}, status=429, headers={"Retry-After": "30"})
    ]

    assert run_account.apply(args=[mastodon_account.pk]).result == "succeeded"

    assert countdowns == [30]
    assert mastodon.hits[context] == 2
    assert mastodon.hits[STATUSES] == 3  # two pages, then only the incremental check
    assert Record.objects.filter(account=mastodon_account, kind__in=["comment", "reply"]).count() == 4


def test_a_manual_harvest_respects_the_stored_rate_limit_window(mastodon_account, mastodon):
    from datetime import timedelta

    from django.core.management import CommandError, call_command
    from django.utils import timezone

    from harvest.services import HarvestDeferred, harvest_account

    HarvestState.objects.create(
        account=mastodon_account,
        status=ConnectionStatus.RATE_LIMITED,
        rate_limited_until=timezone.now() + timedelta(minutes=10),
    )

    with pytest.raises(HarvestDeferred) as deferred:
        harvest_account(account_id=mastodon_account.pk, trigger=HarvestRun.Trigger.MANUAL)
    with pytest.raises(CommandError, match="rate limited"):
        call_command("harvest", str(mastodon_account.pk))

    assert 590 <= deferred.value.retry_after <= 600
    assert sum(mastodon.hits.values()) == 0  # the throttled platform got nothing
    assert {run.status for run in runs(mastodon_account)} == {"deferred"}
