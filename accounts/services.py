"""Every change to the account register, one function per change.

Each function takes the acting person, checks the permission policy, enforces the
rules and writes its audit event in the same transaction.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from platforms import build_connector
from platforms import credential_kinds as platform_credential_kinds
from platforms.base import (
    ConnectorError,
    CredentialsInvalid,
    NotFound,
    RateLimited,
    TransientError,
    http_session,
)
from smgov.lib.mail import mail_after_commit
from smgov.lib.redaction import remember_secret

from . import crypto, permissions, selectors
from .models import (
    CREDENTIAL_PURPOSE_TEST,
    AccountAdministrator,
    AccountEvent,
    AccountRequest,
    AccountState,
    Credential,
    CredentialAccess,
    Department,
    ServiceAccount,
    User,
)
from .roles import Role

MIN_ADMINISTRATORS = 2
ADMIN_PERMISSIONS = ("accounts.change_serviceaccount", "accounts.manage_credentials")
DECISIONS = {
    "approve": (
        AccountState.APPROVED,
        AccountEvent.Action.APPROVED,
        gettext_lazy("Your account request was approved: %(name)s"),
        gettext_lazy("%(head)s approved the request for %(name)s."),
    ),
    "reject": (
        AccountState.REJECTED,
        AccountEvent.Action.REJECTED,
        gettext_lazy("Your account request was rejected: %(name)s"),
        gettext_lazy("%(head)s rejected the request for %(name)s."),
    ),
    "return": (
        AccountState.RETURNED,
        AccountEvent.Action.RETURNED,
        gettext_lazy("Your account request was sent back for changes: %(name)s"),
        gettext_lazy("%(head)s sent the request for %(name)s back for changes."),
    ),
}
Action = AccountEvent.Action


def _record(account, actor, action, *, from_state="", to_state="", comment="") -> AccountEvent:
    return AccountEvent.objects.create(
        account=account, actor=actor, action=action, from_state=from_state, to_state=to_state, comment=comment
    )


def _move(account: ServiceAccount, actor, to_state: str, action: str, *, allowed_from, comment="") -> None:
    if account.state not in allowed_from:
        raise ValidationError(
            _("This change cannot be made while the account's state is “%(state)s”.")
            % {"state": account.get_state_display()}
        )
    from_state = account.state
    account.state = to_state
    account.save(update_fields=["state", "updated_at"])
    _record(account, actor, action, from_state=from_state, to_state=to_state, comment=comment)
    _public_listing_changed()


def _public_listing_changed() -> None:
    """The public listing is cached under a version number; a new number makes every cached
    copy stale at once. Bumped after commit, so no reader caches a rolled-back change."""
    transaction.on_commit(selectors.public_listing_bump_version)


def _check_administrator_candidate(user: User) -> None:
    """N5: administrators are trained in secrecy, personal data and public records."""
    if not user.is_active:
        raise ValidationError(_("%(person)s is not an active user.") % {"person": user})
    if not user.is_trained:
        raise ValidationError(
            _("%(person)s has no recorded training in secrecy, personal data and public records.")
            % {"person": user}
        )


def _active_administrator_count(account: ServiceAccount) -> int:
    return account.administrator_links.filter(user__is_active=True).count()


def _require_two_administrators(account: ServiceAccount) -> None:
    """F2: at least two people administer each account."""
    if _active_administrator_count(account) < MIN_ADMINISTRATORS:
        raise ValidationError(
            _("An account needs at least two active administrators; this one has %(count)d.")
            % {"count": _active_administrator_count(account)}
        )


def _link_administrator(account: ServiceAccount, user: User, actor) -> None:
    AccountAdministrator.objects.create(account=account, user=user, added_by=actor)
    for perm in ADMIN_PERMISSIONS:
        assign_perm(perm, user, account)


@transaction.atomic
def account_request_submit(
    *,
    actor: User,
    department: Department,
    platform: str,
    display_name: str,
    purpose: str,
    target_audience: str,
    goals: str,
    channel_rationale: str,
    resources: str,
    graphic_profile_confirmed: bool,
    municipality_is_sender: bool,
    administrators: list[User],
    private_account: bool = False,
    response_time: timedelta = timedelta(days=1),
    response_time_text: str = "",
    handle: str = "",
    profile_url: str = "",
    parent: ServiceAccount | None = None,
) -> ServiceAccount:
    """N2/N10: a department asks to start an account, with its purpose analysis. F5: the request
    states that it is the department's service account, in the municipality's name; F6: a person's
    own account is never one."""
    if not permissions.can_request_for(actor, department):
        raise PermissionDenied
    if private_account:
        raise ValidationError(
            _(
                "A person's private account cannot be registered as a service account: private accounts "
                "may only be used to gather information (F6). Request a service account in the "
                "municipality's name instead."
            )
        )
    if not municipality_is_sender:
        raise ValidationError(
            _(
                "Confirm that the account is the department's service account and that its name and "
                "profile show the municipality as the sender (F5)."
            )
        )
    if not graphic_profile_confirmed:
        raise ValidationError(_("Confirm that the account follows the municipality's graphic profile (N11)."))
    unique_admins = list(dict.fromkeys(administrators))
    if len(unique_admins) < MIN_ADMINISTRATORS:
        raise ValidationError(_("Propose at least two administrators (F2)."))
    for user in unique_admins:
        _check_administrator_candidate(user)
    account = ServiceAccount.objects.create(
        platform=platform,
        display_name=display_name,
        handle=handle,
        profile_url=profile_url,
        department=department,
        parent=parent,
        purpose=purpose,
        target_audience=target_audience,
        response_time=response_time,
        response_time_text=response_time_text,
        state=AccountState.REQUESTED,
    )
    AccountRequest.objects.create(
        account=account,
        requested_by=actor,
        goals=goals,
        channel_rationale=channel_rationale,
        resources=resources,
        graphic_profile_confirmed=graphic_profile_confirmed,
        municipality_is_sender=municipality_is_sender,
    )
    for user in unique_admins:
        _link_administrator(account, user, actor)
    _record(account, actor, Action.REQUESTED, to_state=AccountState.REQUESTED)
    if department.head and department.head.email:
        mail_after_commit(
            [department.head.email],
            _("New account request: %(name)s") % {"name": display_name},
            _("%(person)s asks to start %(name)s. Decide at %(url)s")
            % {"person": actor, "name": account, "url": settings.SITE_URL + account.get_absolute_url()},
        )
    return account


REQUEST_FIELDS = {"goals", "channel_rationale", "resources", "graphic_profile_confirmed"}


@transaction.atomic
def account_request_resubmit(*, actor: User, account: ServiceAccount, comment: str = "", **changes) -> None:
    """A request returned for changes goes back to the head after it was edited.

    `changes` may hold the account's editable fields and the purpose analysis
    (goals, channel rationale, resources, graphic profile)."""
    if not permissions.can_resubmit_request(actor, account):
        raise PermissionDenied
    if account.state != AccountState.RETURNED:
        raise ValidationError(_("Only a request that was sent back can be resubmitted."))
    analysis = {name: changes.pop(name) for name in list(changes) if name in REQUEST_FIELDS}
    if analysis.get("graphic_profile_confirmed") is False:
        raise ValidationError(_("Confirm that the account follows the municipality's graphic profile (N11)."))
    if analysis:
        request = account.request
        for name, value in analysis.items():
            setattr(request, name, value)
        request.save(update_fields=list(analysis))
    account_update(actor=actor, account=account, **changes)
    _move(
        account,
        actor,
        AccountState.REQUESTED,
        Action.RESUBMITTED,
        allowed_from={AccountState.RETURNED},
        comment=comment,
    )


@transaction.atomic
def account_decide(*, actor: User, account: ServiceAccount, decision: str, comment: str = "") -> None:
    """N1/N10: the head of the department approves, rejects or sends back a request."""
    if not permissions.can_decide_request(actor, account):
        raise PermissionDenied
    if decision not in DECISIONS:
        raise ValidationError(_("Unknown decision."))
    if decision != "approve" and not comment.strip():
        raise ValidationError(_("Say why, so the requester knows what to do."))
    to_state, action, subject, sentence = DECISIONS[decision]
    _move(account, actor, to_state, action, allowed_from={AccountState.REQUESTED}, comment=comment)
    requester = account.request.requested_by
    if requester.email:
        mail_after_commit(
            [requester.email],
            subject % {"name": account},
            "\n\n".join(
                part
                for part in (
                    sentence % {"head": actor, "name": account},
                    comment,
                    settings.SITE_URL + account.get_absolute_url(),
                )
                if part
            ),
        )


@transaction.atomic
def account_activate(*, actor: User, account: ServiceAccount) -> None:
    """An approved account goes live once it has two administrators (F2)."""
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    _require_two_administrators(account)
    _move(account, actor, AccountState.ACTIVE, Action.ACTIVATED, allowed_from={AccountState.APPROVED})


@transaction.atomic
def account_pause(*, actor: User, account: ServiceAccount, comment: str = "") -> None:
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    _move(
        account,
        actor,
        AccountState.PAUSED,
        Action.PAUSED,
        allowed_from={AccountState.ACTIVE},
        comment=comment,
    )


@transaction.atomic
def account_resume(*, actor: User, account: ServiceAccount) -> None:
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    _require_two_administrators(account)
    _move(account, actor, AccountState.ACTIVE, Action.RESUMED, allowed_from={AccountState.PAUSED})


# What must be true before an account is retired, registered by the apps that know (the registry:
# the account's final e-archive package is made). Each check takes the account and returns the
# reason it may not be retired yet, or "" when it may; accounts imports no other app.
RETIRE_CHECKS: list = []


def register_retire_check(check) -> None:
    """``check(account) -> str``: a reason, shown to the person, or "" to let the retirement go on."""
    RETIRE_CHECKS.append(check)


@transaction.atomic
def account_retire(*, actor: User, account: ServiceAccount, comment: str = "") -> None:
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    problems = [problem for problem in (check(account) for check in RETIRE_CHECKS) if problem]
    if problems:
        raise ValidationError(problems)
    _move(
        account,
        actor,
        AccountState.RETIRED,
        Action.RETIRED,
        allowed_from={AccountState.APPROVED, AccountState.ACTIVE, AccountState.PAUSED},
        comment=comment,
    )


EDITABLE_FIELDS = {
    "display_name",
    "handle",
    "profile_url",
    "platform_id",
    "api_base_url",
    "own_author_names",
    "parent",
    "purpose",
    "target_audience",
    "response_time",
    "response_time_text",
    "supervision_interval",
}


@transaction.atomic
def account_update(*, actor: User, account: ServiceAccount, **changes) -> None:
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(account, name) != value]
    if not changed:
        return
    if "parent" in changed and changes["parent"] is not None and changes["parent"].pk == account.pk:
        raise ValidationError(_("An account cannot be its own parent account."))
    for name in changed:
        setattr(account, name, changes[name])
    account.full_clean()
    account.save(update_fields=[*changed, "updated_at"])
    _record(account, actor, Action.UPDATED, comment=", ".join(sorted(changed)))
    _public_listing_changed()


@transaction.atomic
def administrator_add(*, actor: User, account: ServiceAccount, user: User) -> None:
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    _check_administrator_candidate(user)
    if account.administrator_links.filter(user=user).exists():
        raise ValidationError(_("%(person)s already administers this account.") % {"person": user})
    _link_administrator(account, user, actor)
    _record(account, actor, Action.ADMIN_ADDED, comment=str(user))


@transaction.atomic
def administrator_remove(*, actor: User, account: ServiceAccount, user: User) -> None:
    """F2: refused when it would leave the account with fewer than two administrators."""
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    ServiceAccount.objects.select_for_update().get(pk=account.pk)
    link = account.administrator_links.filter(user=user).first()
    if link is None:
        raise ValidationError(_("%(person)s does not administer this account.") % {"person": user})
    remaining = account.administrator_links.exclude(pk=link.pk).filter(user__is_active=True).count()
    if account.state != AccountState.RETIRED and remaining < MIN_ADMINISTRATORS:
        raise ValidationError(
            _(
                "%(person)s cannot be removed: every account needs at least two administrators who hold "
                "its login details (F2). Add another administrator first."
            )
            % {"person": user}
        )
    link.delete()
    for perm in ADMIN_PERMISSIONS:
        remove_perm(perm, user, account)
    _record(account, actor, Action.ADMIN_REMOVED, comment=str(user))


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> list[ServiceAccount]:
    """A person leaves: their accounts that fall below two administrators are flagged and
    the remaining administrators and the information unit are told (F2)."""
    if not (actor.is_superuser or Role.INFORMATION_UNIT in set(actor.groups.values_list("name", flat=True))):
        raise PermissionDenied
    user.is_active = False
    user.save(update_fields=["is_active"])
    short = []
    for account in ServiceAccount.objects.filter(administrator_links__user=user).exclude(
        state=AccountState.RETIRED
    ):
        _record(account, actor, Action.ADMIN_DEACTIVATED, comment=str(user))
        if _active_administrator_count(account) < MIN_ADMINISTRATORS:
            short.append(account)
            recipients = list(
                account.administrators.filter(is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            ) + list(
                User.objects.filter(groups__name=Role.INFORMATION_UNIT, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            )
            mail_after_commit(
                recipients,
                _("%(name)s has fewer than two administrators") % {"name": account},
                _(
                    "%(person)s is no longer active. %(name)s needs a second administrator (F2): "
                    "add one at %(url)s"
                )
                % {"person": user, "name": account, "url": settings.SITE_URL + account.get_absolute_url()},
            )
    return short


@transaction.atomic
def account_mark_checked(*, actor: User, account: ServiceAccount) -> None:
    """N4/N13: a person has looked at the account's page and its new content."""
    if not permissions.can_manage_account(actor, account):
        raise PermissionDenied
    account.last_checked_at = timezone.now()
    account.last_checked_by = actor
    account.save(update_fields=["last_checked_at", "last_checked_by", "updated_at"])
    _record(account, actor, Action.CHECKED)


@transaction.atomic
def supervision_send_reminders(*, now=None) -> list[int]:
    """N4/N13: mail the administrators of every account overdue for a check, once per overdue
    period (again only after another full interval without a check). Returns the account ids."""
    now = now or timezone.now()
    reminded = []
    for account in selectors.accounts_due_for_reminder(now=now).select_for_update(
        skip_locked=True, of=("self",)
    ):
        recipients = list(
            account.administrators.filter(is_active=True).exclude(email="").values_list("email", flat=True)
        )
        mail_after_commit(
            recipients,
            _("%(name)s has not been checked in time") % {"name": account},
            _(
                "Nobody has checked %(name)s within its interval of %(hours)d hours. Look at the account's "
                "page and its new comments, then mark it as checked at %(url)s"
            )
            % {
                "name": account,
                "hours": account.supervision_interval.total_seconds() // 3600,
                "url": settings.SITE_URL + account.get_absolute_url(),
            },
        )
        account.last_reminder_at = now
        account.save(update_fields=["last_reminder_at"])
        reminded.append(account.pk)
    return reminded


# The credential vault (F1): secrets are encrypted at rest, never shown again after entry,
# and every read, replacement and re-encryption is logged.


@transaction.atomic
def credential_set(
    *, actor: User, account: ServiceAccount, name: str, secret: str, expires_at=None
) -> Credential:
    """Store or replace a secret. The previous one is gone: nobody can read it back."""
    if not permissions.can_manage_credentials(actor, account):
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError(_("Say what kind of credential this is."))
    if not secret:
        raise ValidationError(_("Enter the secret."))
    credential, _created = Credential.objects.update_or_create(
        account=account,
        name=name,
        defaults={
            "ciphertext": crypto.encrypt(secret),
            "expires_at": expires_at,
            "updated_by": actor,
            # A new secret has not failed yet.
            "last_error": "",
            "last_error_at": None,
        },
    )
    CredentialAccess.objects.create(
        credential=credential, actor=actor, action=CredentialAccess.Action.REPLACED, purpose=_("replaced")
    )
    _record(account, actor, Action.CREDENTIAL_SET, comment=name)
    return credential


@transaction.atomic
def credential_read(account: ServiceAccount, name: str, purpose: str, actor: User | None = None) -> str:
    """The plaintext secret for the harvest and publishing code; every read is logged (F1)."""
    if not purpose.strip():
        raise ValueError("a credential is read only for a stated purpose")
    credential = Credential.objects.get(account=account, name=name)
    CredentialAccess.objects.create(
        credential=credential, actor=actor, action=CredentialAccess.Action.READ, purpose=purpose[:200]
    )
    secret = crypto.decrypt(credential.ciphertext)
    remember_secret(secret)  # from now on no log line of this process can carry it
    return secret


def credential_record_result(
    account: ServiceAccount, ok: bool, error: str = "", *, name: str | None = None, now=None
) -> None:
    """Token health: the outcome of the last connection made with the account's credentials
    (all of them, or the one named)."""
    now = now or timezone.now()
    credentials = Credential.objects.filter(account=account)
    if name is not None:
        credentials = credentials.filter(name=name)
    if ok:
        credentials.update(last_success_at=now)
    else:
        credentials.update(last_error=error or _("unknown error"), last_error_at=now)


class ConnectionOutcome:
    WORKS = "works"
    INCOMPLETE = "incomplete"
    CREDENTIALS_REFUSED = "credentials_refused"
    NOT_ANSWERING = "not_answering"
    NOT_FOUND = "not_found"
    REFUSED = "refused"


@dataclass(frozen=True)
class ConnectionTest:
    """What one test of an account's connection showed, and what the person should do next."""

    outcome: str
    message: str
    next_step: str

    @property
    def works(self) -> bool:
        return self.outcome == ConnectionOutcome.WORKS

    def __str__(self) -> str:
        return f"{self.message} {self.next_step}".strip()


def _connection_test_result(account: ServiceAccount, error: ConnectorError | None) -> ConnectionTest:
    if error is None:
        return ConnectionTest(
            ConnectionOutcome.WORKS,
            _("The connection works: the platform answered and accepted the account's details."),
            _("Nothing more is needed; the harvest uses the same details."),
        )
    if isinstance(error, CredentialsInvalid):
        return ConnectionTest(
            ConnectionOutcome.CREDENTIALS_REFUSED,
            _("The platform refused the login details: the token or key is wrong, expired or revoked."),
            _("Reconnect: create a new token on the platform and replace it under Login details."),
        )
    if isinstance(error, RateLimited | TransientError):
        return ConnectionTest(
            ConnectionOutcome.NOT_ANSWERING,
            _("The platform is not answering properly right now, or asks us to wait."),
            _("Try again later; nothing needs changing. If it keeps failing, check the API address."),
        )
    if isinstance(error, NotFound):
        what = account.platform_id or account.handle or account.api_base_url
        return ConnectionTest(
            ConnectionOutcome.NOT_FOUND,
            _("The platform does not find the account “%(what)s”.") % {"what": what},
            _("Check the id on the platform (see the checklist) and correct it under Edit details."),
        )
    return ConnectionTest(
        ConnectionOutcome.REFUSED,
        _("The platform refused the request: %(error)s") % {"error": error.message},
        _("Check the account's details against the checklist; the token may lack a permission."),
    )


@transaction.atomic
def account_test_connection(*, actor: User, account: ServiceAccount) -> ConnectionTest:
    """One harmless read through the platform's connector with the account's details and stored
    credentials (the profile, or a feed's first page): nothing is stored but the outcome, in the
    account's history, and the credentials' health."""
    if not permissions.can_manage_credentials(actor, account):
        raise PermissionDenied
    setup = selectors.account_setup(account=account)
    if not setup.complete:
        missing = ", ".join(
            " / ".join(option.label.lower() for option in step.options) for step in setup.missing
        )
        result = ConnectionTest(
            ConnectionOutcome.INCOMPLETE,
            _("Not tested: the account still lacks %(missing)s.") % {"missing": missing},
            _("Fill in what the checklist marks as missing, then test again."),
        )
    else:
        stored = set(account.credentials.values_list("name", flat=True))
        connector = build_connector(
            account.platform,
            base_url=account.api_base_url or None,
            platform_id=account.platform_id,
            handle=account.handle,
            credentials={
                name: credential_read(account, name, CREDENTIAL_PURPOSE_TEST, actor=actor)
                for name in sorted(stored)
                if name in platform_credential_kinds(account.platform)
            },
            # A person is waiting: one quick retry, not the harvest's patient ones.
            session=http_session(retries=1, backoff_factor=0, backoff_jitter=0),
            timeout=min(settings.HARVEST_HTTP_TIMEOUT, 15),
        )
        error = None
        try:
            connector.check_connection()
        except ConnectorError as exc:
            error = exc
        result = _connection_test_result(account, error)
        if result.works:
            credential_record_result(account, ok=True)
        elif result.outcome == ConnectionOutcome.CREDENTIALS_REFUSED:
            credential_record_result(account, ok=False, error=error.message)
    _record(account, actor, Action.CONNECTION_TESTED, comment=str(result))
    return result


def credentials_reencrypt() -> int:
    """Re-encrypt every credential with the current first key, one row at a time."""
    count = 0
    for pk in Credential.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            credential = Credential.objects.select_for_update().get(pk=pk)
            credential.ciphertext = crypto.rotate(credential.ciphertext)
            credential.save(update_fields=["ciphertext"])
            CredentialAccess.objects.create(
                credential=credential,
                action=CredentialAccess.Action.REENCRYPTED,
                purpose="key rotation",
            )
        count += 1
    return count


# Sign-in security: lockouts, the second factor and single sign-on. Each writes a SignInEvent.


@transaction.atomic
def signin_lockout_record(*, username: str, ip_address: str | None) -> None:
    """A user name or an address has just been locked out after repeated failed logins."""
    from .models import SignInEvent

    SignInEvent.objects.create(
        action=SignInEvent.Action.LOCKED_OUT,
        user=User.objects.filter(username=username).first() if username else None,
        username=username or "",
        ip_address=ip_address,
    )


@transaction.atomic
def signin_lockout_lift(*, actor: User, attempt_id: int, comment: str = "") -> None:
    """The information unit lets a locked-out person (their user name and their address) in again."""
    from axes.models import AccessAttempt

    from .models import SignInEvent

    if not permissions.can_lift_lockouts(actor):
        raise PermissionDenied
    attempt = AccessAttempt.objects.select_for_update().filter(pk=attempt_id).first()
    if attempt is None:
        raise ValidationError(_("That lockout has already ended."))
    lifted = AccessAttempt.objects.filter(username=attempt.username) if attempt.username else None
    by_address = AccessAttempt.objects.filter(ip_address=attempt.ip_address) if attempt.ip_address else None
    for attempts in (lifted, by_address):
        if attempts is not None:
            attempts.delete()
    SignInEvent.objects.create(
        action=SignInEvent.Action.LOCKOUT_LIFTED,
        user=User.objects.filter(username=attempt.username).first() if attempt.username else None,
        username=attempt.username or "",
        ip_address=attempt.ip_address,
        actor=actor,
        comment=comment,
    )


def _recovery_codes_replace(user: User) -> list[str]:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from .models import SignInEvent

    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    SignInEvent.objects.create(
        action=SignInEvent.Action.RECOVERY_CODES_CREATED, user=user, username=user.username
    )
    return codes


RECOVERY_CODES = 10


@transaction.atomic
def authenticator_add(*, user: User, key: str, token: str, name: str = "") -> list[str] | None:
    """An authenticator app is added once it shows a valid code for its key. Returns the new recovery
    codes when the person had none (shown once), [] when they already had some, None for a wrong code."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .models import SignInEvent

    device = TOTPDevice(user=user, key=key, name=name or _("Authenticator app"), confirmed=True)
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    if not token.isdigit() or not totp.verify(int(token), tolerance=device.tolerance):
        return None
    device.last_t = totp.t()
    device.save()
    SignInEvent.objects.create(
        action=SignInEvent.Action.AUTHENTICATOR_ADDED, user=user, username=user.username
    )
    return _recovery_codes_replace(user) if not selectors.recovery_codes_left(user) else []


@transaction.atomic
def recovery_codes_create(*, user: User) -> list[str]:
    """New recovery codes for the person; the old ones stop working."""
    if not selectors.user_has_second_factor(user):
        raise ValidationError(_("Add an authenticator app or a passkey before creating recovery codes."))
    return _recovery_codes_replace(user)


@transaction.atomic
def second_factor_check(*, user: User, token: str):
    """The device of the person's that accepts the code (an app's code, or a recovery code, which is
    then used up), or None."""
    from django_otp import match_token
    from django_otp.plugins.otp_static.models import StaticDevice

    from .models import SignInEvent

    device = match_token(user, token.strip().replace(" ", "")) if token.strip() else None
    if isinstance(device, StaticDevice):
        SignInEvent.objects.create(
            action=SignInEvent.Action.RECOVERY_CODE_USED, user=user, username=user.username
        )
    return device


@transaction.atomic
def user_sync_from_provider(
    *, user: User | None, email: str, first_name: str = "", last_name: str = "", groups: list[str]
) -> User:
    """Single sign-on: the person (created on first sign-in) with their name from the provider, and
    roles and department following the provider's groups (SMGOV_OIDC_ROLE_MAP,
    SMGOV_OIDC_DEPARTMENT_MAP; groups in neither map are ignored)."""
    from django.contrib.auth.models import Group

    from .models import SignInEvent

    if user is None:
        user = User(username=email.lower()[:150], email=email.lower())
        user.set_unusable_password()
    user.first_name = first_name[:150] or user.first_name
    user.last_name = last_name[:150] or user.last_name
    role_map, department_map = settings.SMGOV_OIDC_ROLE_MAP, settings.SMGOV_OIDC_DEPARTMENT_MAP
    roles = {role_map[group] for group in groups if group in role_map} & set(Role.values)
    codes = [department_map[group] for group in groups if group in department_map]
    department = Department.objects.filter(series_code__in=codes).order_by("series_code").first()
    before = (
        set(user.groups.filter(name__in=Role.values).values_list("name", flat=True)) if user.pk else set(),
        user.department_id,
    )
    user.department = department
    user.save()
    if before == (roles, user.department_id):
        return user
    user.groups.remove(*Group.objects.filter(name__in=set(Role.values) - roles))
    user.groups.add(*Group.objects.filter(name__in=roles))
    user.__dict__.pop("_smgov_roles", None)
    SignInEvent.objects.create(
        action=SignInEvent.Action.ROLES_FROM_PROVIDER,
        user=user,
        username=user.username,
        comment=", ".join(sorted(str(Role(role).label) for role in roles))
        + (f" – {department}" if department else ""),
    )
    return user
