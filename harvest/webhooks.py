"""Webhook deliveries from Meta (Facebook Page ``feed``, Instagram ``comments``).

Meta signs each delivery with the app secret: ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the
body>``, computed over the bytes as sent, so the signature is checked against the raw body before
anything is parsed or stored. A delivery is stored as received and its changes are ingested by a
task; Meta sends a delivery again until it gets an answer, and the same bytes are stored once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import AccountState, ServiceAccount
from platforms import webhook_platform

from . import intake
from .models import Delivery
from .services import connector_for

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
KEPT_HEADERS = ("Content-Type", "User-Agent", SIGNATURE_HEADER)


def verification_answer(*, mode: str, token: str, challenge: str) -> str | None:
    """The challenge to echo when Meta's dashboard registers the callback with our verify token."""
    expected = settings.META_WEBHOOK_VERIFY_TOKEN
    if mode != "subscribe" or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return None
    return challenge


def signature_valid(*, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is the app secret's HMAC-SHA256 of exactly these bytes."""
    secret = settings.META_APP_SECRET
    if not secret or not signature.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.removeprefix("sha256=").lower().encode(), expected.encode())


@transaction.atomic
def webhook_delivery_store(*, body: bytes, headers: dict[str, str]) -> tuple[Delivery, bool]:
    """Keep a signed delivery exactly as received and queue its ingest; a delivery sent again (the
    same bytes) is neither stored nor queued twice. Returns the delivery and whether it was new."""
    from .tasks import ingest_delivery

    digest = hashlib.sha256(body).hexdigest()
    delivery, created = Delivery.objects.get_or_create(
        source=Delivery.Source.META_WEBHOOK,
        key=digest,
        defaults={
            "received_at": timezone.now(),
            "body": body,
            "sha256": digest,
            "headers": {name: headers[name] for name in KEPT_HEADERS if name in headers},
        },
    )
    if created:
        transaction.on_commit(lambda: ingest_delivery.delay(delivery.pk))
    return delivery, created


def _ingest_meta(delivery: Delivery) -> None:
    """Each entry names the Page or Instagram account it concerns; entries for accounts we do not
    keep (or no longer keep active) are passed over."""
    payload = json.loads(bytes(delivery.body))
    platform = webhook_platform(str(payload.get("object", "")))
    if platform is None:
        return
    for entry in payload.get("entry", []):
        account = ServiceAccount.objects.filter(
            platform=platform, platform_id=str(entry.get("id", "")), state=AccountState.ACTIVE
        ).first()
        if account is None:
            logger.info(
                "webhook delivery %s: no active %s account %s", delivery.pk, platform, entry.get("id")
            )
            continue
        connector = connector_for(account)
        events = sorted(connector.webhook_events(entry), key=lambda event: (event.at, event.order))
        for event in events:
            intake.event_apply(account=account, connector=connector, event=event, delivery=delivery)


intake.INGESTERS[Delivery.Source.META_WEBHOOK] = _ingest_meta
