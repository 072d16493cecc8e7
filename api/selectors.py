"""Reads of the API's tokens."""

import hashlib

from django.db.models import QuerySet

from .models import ApiToken, ApiTokenUse

TOKEN_PREFIX = "smgov_"  # noqa: S105 - the public prefix of every token, not a secret


def key_sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_for_key(key: str) -> ApiToken | None:
    """The token in force that the key belongs to, or None (unknown, or revoked)."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    return (
        ApiToken.objects.select_related("user", "user__department")
        .filter(key_sha256=key_sha256(key), revoked_at__isnull=True)
        .first()
    )


def token_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user", "user__department", "created_by", "revoked_by")


def token_uses(*, token: ApiToken, limit: int = 20) -> list[ApiTokenUse]:
    return list(token.uses.order_by("-at", "-pk")[:limit])
