"""The vault's tokens never leak: a harvest through a server error, a retry and a refusal leaves the
token in no log record, no stored row and no page."""

import logging

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.services import credential_set
from harvest.models import HarvestRun
from harvest.tasks import run_account

from .conftest import ACCOUNT_ID

pytestmark = pytest.mark.usefixtures("media_root", "fast_retries")

TOKEN = "tok-6c1f0e9a4b7d2e58"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"


def rows_holding(value: str) -> list[str]:
    """Every stored row, in every table of the project, whose text, JSON or bytes hold ``value``."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                hits = model._default_manager.filter(**{f"{field.attname}__contains": value})
            elif isinstance(field, models.JSONField):
                hits = model._default_manager.annotate(
                    _as_text=Cast(field.attname, models.TextField())
                ).filter(_as_text__contains=value)
            elif isinstance(field, models.BinaryField):
                hits = [
                    pk
                    for pk, data in model._default_manager.values_list("pk", field.attname)
                    if data and value.encode() in bytes(data)
                ]
            else:
                continue
            if hits and (not hasattr(hits, "exists") or hits.exists()):
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_a_known_token_appears_in_no_log_no_row_and_no_page(org, mastodon_account, mastodon, caplog, client):
    credential_set(actor=org.info, account=mastodon_account, name="access_token", secret=TOKEN)
    # A gateway error (retried), then a server that refuses the token and, carelessly, echoes it.
    mastodon.overrides[STATUSES] = [
        mastodon.json({"error": "Bad gateway"}, status=502),
        mastodon.json({"error": f"The access token {TOKEN} is invalid"}, status=401),
    ]

    with caplog.at_level(logging.DEBUG):
        run_account.apply(args=[mastodon_account.pk])

    run = HarvestRun.objects.get(account=mastodon_account)
    assert run.status == "failed"
    assert mastodon.hits[STATUSES] == 2  # the 502 was retried: the path that logs warnings was taken
    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert TOKEN not in logged
    assert rows_holding(TOKEN) == []  # the vault holds it encrypted only
    for user in (org.alice, org.info):
        client.force_login(user)
        for url in (
            reverse("accounts:detail", args=[mastodon_account.pk]),
            reverse("accounts:credentials", args=[mastodon_account.pk]),
            reverse("harvest:account_status", args=[mastodon_account.pk]),
            reverse("problems"),
        ):
            response = client.get(url)
            assert response.status_code in (200, 403), url
            assert TOKEN not in response.content.decode(), url
