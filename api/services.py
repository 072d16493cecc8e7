"""Writes of the API: system users and their tokens, and the log of every use.

A token is made by the information unit (on its page, or by `manage.py api_token` on the server,
where there is no acting person) and shown once; only its SHA-256 is stored. Each change writes
an `ApiTokenEvent` in the same transaction.
"""

import secrets

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Department, User
from accounts.roles import Role
from smgov.lib.redaction import redact

from . import permissions
from .models import SCOPES, ApiToken, ApiTokenEvent, ApiTokenUse
from .selectors import TOKEN_PREFIX, key_sha256

PAGE, COMMAND = "page", "command"


def _check_actor(actor: User | None, via: str) -> None:
    # A command is run by whoever operates the server; on a page the person must be allowed.
    if via != COMMAND and not permissions.can_manage_tokens(actor):
        raise PermissionDenied


def _clean_scopes(scopes) -> list[str]:
    allowed = {str(area) for area in SCOPES}
    chosen = sorted({str(scope) for scope in scopes})
    unknown = [scope for scope in chosen if scope not in allowed]
    if unknown:
        raise ValidationError(_("Unknown scope: %(scopes)s.") % {"scopes": ", ".join(unknown)})
    return chosen


def _new_key() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _username_for(name: str) -> str:
    base = "system-" + (slugify(name)[:100] or "api")
    username, number = base, 1
    while User.objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


@transaction.atomic
def system_user_create(
    *, actor: User | None, name: str, role: str, department: Department | None, scopes, via: str = PAGE
) -> tuple[ApiToken, str]:
    """A system user in a role (and department), with its first token. Returns the token and the key,
    which is shown once and never stored."""
    _check_actor(actor, via)
    name = name.strip()
    if not name:
        raise ValidationError(_("Name the system that will use the token."))
    if role not in Role.values:
        raise ValidationError(_("Choose a role."))
    if role in (Role.COMMUNICATOR, Role.REGISTRAR, Role.HEAD_OF_DEPARTMENT) and department is None:
        raise ValidationError(_("A system user in this role reads one department: choose it."))
    user = User(username=_username_for(name), first_name=name[:150], title=_("System"), department=department)
    user.set_unusable_password()  # it never signs in: it reads with its token
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return _token_create(actor=actor, user=user, name=name, scopes=scopes, via=via)


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, scopes, via: str = PAGE) -> tuple[ApiToken, str]:
    """A new token for a system user whose token was revoked (one token in force per system user)."""
    _check_actor(actor, via)
    previous = user.api_tokens.order_by("-created_at").first()
    if previous is None:
        raise ValidationError(_("Only a system user gets a token; make one with a name and a role."))
    User.objects.select_for_update().filter(pk=user.pk).get()
    if user.api_tokens.filter(revoked_at__isnull=True).exists():
        raise ValidationError(_("The system user already has a token in force: revoke it first."))
    return _token_create(actor=actor, user=user, name=previous.name, scopes=scopes, via=via)


def _token_create(*, actor, user, name, scopes, via) -> tuple[ApiToken, str]:
    key = _new_key()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name[:120],
        prefix=key[: len(TOKEN_PREFIX) + 6],
        key_sha256=key_sha256(key),
        scopes=_clean_scopes(scopes),
        created_by=actor,
        created_at=now,
    )
    ApiTokenEvent.objects.create(
        token=token, action=ApiTokenEvent.Action.CREATED, actor=actor, via=via, at=now
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken, via: str = PAGE) -> None:
    """From now on the token is refused. Its uses stay in the log."""
    _check_actor(actor, via)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return
    now = timezone.now()
    token.revoked_at, token.revoked_by = now, actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    ApiTokenEvent.objects.create(
        token=token, action=ApiTokenEvent.Action.REVOKED, actor=actor, via=via, at=now
    )


@transaction.atomic
def api_token_use_record(
    *, token: ApiToken, method: str, path: str, query: str, status: int, address: str | None
) -> None:
    """Every request made with a token is logged with what it asked and what it got, and the token's
    last use moves on. The one write a GET through the API makes."""
    now = timezone.now()
    ApiTokenUse.objects.create(
        token=token,
        at=now,
        method=method[:10],
        path=path,
        # A token put in the address by mistake is not kept in the log either.
        query=redact(query)[:4000],
        status=status,
        address=address,
    )
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
