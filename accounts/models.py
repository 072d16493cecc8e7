from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A department (förvaltning) of the municipality; it owns accounts and a diary series."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    series_code = models.CharField(
        _("diary series"), max_length=10, unique=True, help_text=_("For example KS or BUN.")
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head of department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A person working for the municipality.

    The title is what replies are signed with (F3/N5); the training date records the
    training in secrecy, personal data and public records that administrators need (N5).
    """

    title = models.CharField(_("title"), max_length=120, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    trained_on = models.DateField(
        _("trained in secrecy, personal data and public records"), null=True, blank=True
    )

    class Meta:
        ordering = ["first_name", "last_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def is_trained(self) -> bool:
        return self.trained_on is not None


class Platform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    RSS = "rss", _("Blog (RSS/Atom)")


class AccountState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    RETIRED = "retired", _("Retired")


class ServiceAccount(models.Model):
    """An official account of the municipality on one platform (F5), from request to retirement."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    display_name = models.CharField(
        _("account name"), max_length=200, help_text=_("The name clearly says which department it is (N11).")
    )
    handle = models.CharField(_("handle"), max_length=200, blank=True)
    profile_url = models.URLField(_("address of the account"), max_length=500, blank=True)
    platform_id = models.CharField(_("id on the platform"), max_length=200, blank=True)
    api_base_url = models.URLField(
        _("API address"), max_length=500, blank=True, help_text=_("Empty means the platform's usual address.")
    )
    own_author_names = models.TextField(
        _("the municipality's author names"),
        blank=True,
        help_text=_(
            "For blogs and news feeds, which have no account ids: the names the municipality's own "
            "comments and replies are signed with, one per line (e.g. “Norrviks kommun”). They are the "
            "account's own: no inbox case is opened for them and the statistics do not count them as "
            "questions from the public."
        ),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="service_accounts"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text=_("The municipality's official page that links to this account (N7)."),
    )
    purpose = models.TextField(_("purpose"))
    target_audience = models.TextField(_("target audience"))
    response_time = models.DurationField(_("promised response time"), default=timedelta(days=1))
    response_time_text = models.CharField(
        _("response time info text"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the public, for example: We answer questions on weekdays within 24 hours."),
    )
    supervision_interval = models.DurationField(_("check at least every"), default=timedelta(hours=24))
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the administrators were last reminded of an overdue check, so they are told once per
    # overdue period and not on every run of the reminder task (N13).
    last_reminder_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=AccountState.choices, default=AccountState.REQUESTED, db_index=True
    )
    administrators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="AccountAdministrator",
        through_fields=("account", "user"),
        related_name="administered_accounts",
        verbose_name=_("administrators"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department__name", "display_name"]
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        permissions = [("manage_credentials", _("Can replace the account's credentials"))]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_id"],
                condition=~models.Q(platform_id=""),
                name="account_unique_platform_id",
            ),
            # N4/N13: the page is checked at least once a day, from its first week on.
            models.CheckConstraint(
                condition=models.Q(
                    supervision_interval__gt=timedelta(0), supervision_interval__lte=timedelta(hours=24)
                ),
                name="account_checked_at_least_daily",
                violation_error_message=_(
                    "The account must be checked at least once a day (N4): the interval can be at most "
                    "24 hours."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.display_name} ({self.get_platform_display()})"

    def get_absolute_url(self):
        return reverse("accounts:detail", args=[self.pk])

    @property
    def own_author_list(self) -> list[str]:
        """The names the municipality's own comments are signed with (``own_author_names``)."""
        return [line.strip() for line in self.own_author_names.splitlines() if line.strip()]

    @property
    def response_time_hours(self) -> int:
        return round(self.response_time.total_seconds() / 3600)

    @property
    def supervision_hours(self) -> int:
        return round(self.supervision_interval.total_seconds() / 3600)


class AccountAdministrator(models.Model):
    """A person who administers an account and is responsible for it (F2)."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="administrator_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="account_admin_unique")]

    def __str__(self):
        return f"{self.user} – {self.account}"


class AccountRequest(models.Model):
    """The purpose analysis a department submits before starting an account (N2, N10)."""

    account = models.OneToOneField(ServiceAccount, on_delete=models.CASCADE, related_name="request")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_requests"
    )
    goals = models.TextField(_("goals"))
    channel_rationale = models.TextField(_("why this channel and not another"))
    resources = models.TextField(_("readiness and resources over time"))
    graphic_profile_confirmed = models.BooleanField(_("the municipality's graphic profile is followed"))
    municipality_is_sender = models.BooleanField(
        _("the department's service account, showing the municipality as sender"), default=False
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("account request")
        verbose_name_plural = _("account requests")

    def __str__(self):
        return str(self.account)


class AccountEvent(models.Model):
    """Every decision and change of an account, written in the same transaction as the change."""

    class Action(models.TextChoices):
        REQUESTED = "requested", _("requested")
        RESUBMITTED = "resubmitted", _("resubmitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        RETURNED = "returned", _("returned for changes")
        ACTIVATED = "activated", _("activated")
        PAUSED = "paused", _("paused")
        RESUMED = "resumed", _("resumed")
        RETIRED = "retired", _("retired")
        ADMIN_ADDED = "admin_added", _("administrator added")
        ADMIN_REMOVED = "admin_removed", _("administrator removed")
        ADMIN_DEACTIVATED = "admin_deactivated", _("administrator deactivated")
        CHECKED = "checked", _("checked")
        CREDENTIAL_SET = "credential_set", _("credential replaced")
        CONNECTION_TESTED = "connection_tested", _("connection tested")
        UPDATED = "updated", _("details updated")

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    from_state = models.CharField(max_length=20, choices=AccountState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=AccountState.choices, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.account}: {self.get_action_display()}"

    @property
    def comment_display(self) -> str:
        """The comment in words: the fields changed and the credential replaced by their labels, not
        the names they are stored under."""
        if self.action == self.Action.UPDATED:
            labels = []
            for name in filter(None, (part.strip() for part in self.comment.split(","))):
                try:
                    labels.append(str(ServiceAccount._meta.get_field(name).verbose_name))
                except FieldDoesNotExist:
                    labels.append(name)
            return ", ".join(labels)
        if self.action == self.Action.CREDENTIAL_SET:
            return str(CREDENTIAL_LABELS.get(self.comment, self.comment))
        return self.comment


# What each credential kind is, in words; the kinds a platform's connector reads come from platforms.
CREDENTIAL_LABELS = {
    "access_token": _("Access token"),
    "key": _("API key"),
    "oauth_token": _("OAuth token (acts as the channel)"),
    "app_password": _("App password (publishes posts)"),
    "wp_username": _("WordPress user name (publishes posts)"),
    "wp_application_password": _("WordPress application password (publishes posts)"),
    "password": _("Password for logging in by hand"),
}


# The purposes the system itself reads credentials for, as stored in the access log, in words.
CREDENTIAL_PURPOSE_HARVEST = "harvest"
CREDENTIAL_PURPOSE_TEST = "test connection"
CREDENTIAL_PURPOSE_LABELS = {
    CREDENTIAL_PURPOSE_HARVEST: _("harvest of posts and comments"),
    CREDENTIAL_PURPOSE_TEST: _("test of the connection"),
    "key rotation": _("re-encryption with a new key"),
}


class Credential(models.Model):
    """A secret for a platform (token, key), encrypted at rest and never shown after entry (F1)."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="credentials")
    name = models.CharField(_("kind"), max_length=50)
    ciphertext = models.TextField()
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_success_at = models.DateTimeField(_("last working connection"), null=True, blank=True)
    last_error = models.TextField(_("last connection error"), blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="credential_unique_name")]

    def __str__(self):
        return f"{self.account} – {self.name}"

    @property
    def kind_label(self) -> str:
        return str(CREDENTIAL_LABELS.get(self.name, self.name))

    @property
    def is_failing(self) -> bool:
        """The last connection made with it failed (and none has worked since)."""
        return self.last_error_at is not None and (
            self.last_success_at is None or self.last_error_at > self.last_success_at
        )


class CredentialAccess(models.Model):
    """The log of every read and replacement of a credential (F1)."""

    class Action(models.TextChoices):
        READ = "read", _("read")
        REPLACED = "replaced", _("replaced")
        REENCRYPTED = "reencrypted", _("re-encrypted with a new key")

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="accesses")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    purpose = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.credential}: {self.action} ({self.purpose})"


class SignInEvent(models.Model):
    """The log of sign-in security: lockouts and who lifted them, second factors added and used."""

    class Action(models.TextChoices):
        LOCKED_OUT = "locked_out", _("locked out after repeated failed logins")
        LOCKOUT_LIFTED = "lockout_lifted", _("lockout lifted")
        AUTHENTICATOR_ADDED = "authenticator_added", _("authenticator app added")
        RECOVERY_CODES_CREATED = "recovery_codes_created", _("new recovery codes created")
        RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
        ROLES_FROM_PROVIDER = "roles_from_provider", _("roles and department taken from single sign-on")

    action = models.CharField(max_length=30, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(_("user name"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.username or self.ip_address}: {self.get_action_display()}"
