"""Access tokens of the systems that read smgov through the REST API, and every use of them.

A token belongs to one system user (a person record without a password, in a role and a
department): the API answers it exactly as the web answers that user. Only the token's SHA-256
is kept; the token itself is shown once, when it is made.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Area

# The parts of smgov a token may be allowed to read (areas of the role table). The public
# accounts are open data and need no scope.
SCOPES = (Area.ARCHIVE, Area.DIARY, Area.STATISTICS)
SCOPE_CHOICES = [(area.value, area.label) for area in SCOPES]


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("system user"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("system"), max_length=120)
    # The first characters of the token, to tell tokens apart in lists and logs; not a secret.
    prefix = models.CharField(max_length=16)
    key_sha256 = models.CharField(max_length=64, unique=True)
    scopes = ArrayField(models.CharField(max_length=30, choices=SCOPE_CHOICES), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            # One token in force per system user: a new one is made after the old one is revoked.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_one_live_token_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, area: str) -> bool:
        return area in self.scopes


class ApiTokenEvent(models.Model):
    """Who made and who revoked a token (the audit of the tokens themselves)."""

    class Action(models.TextChoices):
        CREATED = "created", _("made")
        REVOKED = "revoked", _("revoked")

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # "page" or "command": where it was done (a command has no acting person).
    via = models.CharField(max_length=10)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.token} {self.action} {self.at:%Y-%m-%d %H:%M}"


class ApiTokenUse(models.Model):
    """One request made with a token: what was asked and what the API answered."""

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="uses")
    at = models.DateTimeField(db_index=True)
    method = models.CharField(max_length=10)
    path = models.TextField()
    query = models.TextField(blank=True)
    status = models.PositiveSmallIntegerField()
    address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["token", "-at"], name="api_token_use_recent")]

    def __str__(self):
        return f"{self.token} {self.method} {self.path} {self.status}"
