"""The communicators' inbox: one case per incoming comment, its flags, history and actions.

A case is opened for every comment or reply from the public (never for the municipality's own
posts and replies). Flags explain, a person decides: every decision is a service call that writes
a `CaseEvent` in the same transaction.
"""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, ServiceAccount
from archive.models import Record

from .flags import GROUNDS, FlagKind, RemovalGround


class CaseState(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FOR_EXPERT = "waiting_for_expert", _("Waiting for expert")
    ANSWERED = "answered", _("Answered")
    NO_ACTION = "no_action", _("No action")
    REMOVED = "removed", _("Removed")
    DELETED = "deleted", _("Deleted on the platform")


OPEN_STATES = (CaseState.NEW, CaseState.IN_PROGRESS, CaseState.WAITING_FOR_EXPERT)
CLOSED_STATES = (CaseState.ANSWERED, CaseState.NO_ACTION, CaseState.REMOVED, CaseState.DELETED)


class Priority(models.IntegerChoices):
    NORMAL = 0, _("Normal")
    HIGH = 1, _("High")


FLAG_KIND_CHOICES = [
    (FlagKind.PERSONAL_ID.value, _("Personal identity number")),
    (FlagKind.COORDINATION_NUMBER.value, _("Coordination number")),
    (FlagKind.PHONE.value, _("Phone number")),
    (FlagKind.EMAIL.value, _("E-mail address")),
    (FlagKind.ADDRESS.value, _("Street address")),
    (FlagKind.GROUND.value, _("Possible removal ground")),
    (FlagKind.LINK.value, _("Link")),
    (FlagKind.IMAGE.value, _("Image or video")),
]
PERSONAL_DATA_KINDS = (
    FlagKind.PERSONAL_ID.value,
    FlagKind.COORDINATION_NUMBER.value,
    FlagKind.PHONE.value,
    FlagKind.EMAIL.value,
    FlagKind.ADDRESS.value,
)
# The labels of moderation/flags.py (plain Python, no Django) named here so they are translated.
GROUND_LABELS_FOR_TRANSLATION = [
    _("Incitement"),
    _("Agitation against a population group"),
    _("Child sexual abuse material"),
    _("Unlawful depiction of violence"),
    _("Copyright infringement"),
    _("Unlawful threat"),
    _("Unlawful privacy violation"),
    _("Public incitement to terrorist offences"),
    _("Personal data"),
    _("Secret information"),
    _("Other"),
]
GROUND_CHOICES = [(ground.value, _(info.label)) for ground, info in GROUNDS.items()]


class PlatformAction(models.TextChoices):
    """What happened on the platform after a removal."""

    NONE = "", _("Nothing")
    PENDING = "pending", _("Being hidden on the platform")
    DONE = "done", _("Hidden on the platform")
    MANUAL = "manual", _("To be removed by hand on the platform")
    FAILED = "failed", _("Hiding on the platform failed")


# A removal is finished only when the platform confirmed it, or a person confirmed doing it by hand;
# until then the comment may still be public, and the case says so instead of "Removed".
UNFINISHED_REMOVAL = (PlatformAction.PENDING, PlatformAction.FAILED, PlatformAction.MANUAL)
REMOVAL_STATE_LABELS = {
    PlatformAction.PENDING: _("Removal in progress"),
    PlatformAction.FAILED: _("Removal failed — the comment is still visible on the platform"),
    PlatformAction.MANUAL: _("To be removed by hand on the platform"),
}


class Case(models.Model):
    record = models.OneToOneField(Record, on_delete=models.PROTECT, related_name="case")
    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="cases")
    # Copied from the record so that a department's inbox is one indexed filter, no join.
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases")
    platform = models.CharField(_("platform"), max_length=20)
    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    deadline = models.DateTimeField(_("answer by"))
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    has_personal_data = models.BooleanField(default=False)
    has_ground = models.BooleanField(default=False)
    # N9: criticism or errors are discussed with the manager before anyone replies.
    needs_manager = models.BooleanField(_("discuss with the manager first"), default=False)
    manager_cleared_at = models.DateTimeField(null=True, blank=True)
    manager_cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    platform_action = models.CharField(
        max_length=10, choices=PlatformAction.choices, default=PlatformAction.NONE, blank=True
    )
    platform_error = models.TextField(blank=True)
    # A removal or the latest reply failed on the platform: first in the inbox. Kept by the database
    # (triggers of migration 0009 on the case's platform step and on its replies), whichever path
    # changes them, so the inbox sorts on a column an index holds in order.
    attention = models.BooleanField(default=False, editable=False)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [("answer_case", _("Can answer a question forwarded from the case"))]
        indexes = [
            models.Index(fields=["department", "state", "deadline"], name="case_department_state"),
            models.Index(fields=["state", "deadline"], name="case_state_deadline"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
            # The inbox's default order over the cases still to handle (open, or removed and not
            # yet confirmed on the platform): the first page is read off the index, not sorted.
            models.Index(
                fields=["department", "-attention", "-priority", "deadline", "id"],
                condition=models.Q(state__in=OPEN_STATES)
                | models.Q(state="removed", platform_action__in=UNFINISHED_REMOVAL),
                name="case_inbox_order",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.record}"

    def get_absolute_url(self):
        return reverse("moderation:case", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def removal_unfinished(self) -> bool:
        return self.state == CaseState.REMOVED and self.platform_action in UNFINISHED_REMOVAL

    @property
    def state_label(self) -> str:
        """The state as the case page and the inbox show it: truthful about the platform."""
        if self.removal_unfinished:
            return REMOVAL_STATE_LABELS[self.platform_action]
        return self.get_state_display()

    @property
    def state_key(self) -> str:
        """The state's badge modifier."""
        return f"removal-{self.platform_action}" if self.removal_unfinished else self.state

    @property
    def is_purged(self) -> bool:
        return self.record.purged_at is not None

    @property
    def waiting_for_manager(self) -> bool:
        return self.needs_manager and self.manager_cleared_at is None


class CaseFlag(models.Model):
    """What a detector found in the comment, and where; it explains, it never decides."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=30, choices=FLAG_KIND_CHOICES)
    ground = models.CharField(max_length=30, choices=GROUND_CHOICES, blank=True)
    matched = models.TextField(blank=True)
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    explanation = models.CharField(max_length=300)

    class Meta:
        ordering = ["case", "start", "end", "pk"]
        indexes = [models.Index(fields=["kind", "case"], name="caseflag_kind_case")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.matched}"

    @property
    def is_personal_data(self) -> bool:
        return self.kind in PERSONAL_DATA_KINDS


class CaseEvent(models.Model):
    """The history of a case: every action, by whom and when, written with the action."""

    class Action(models.TextChoices):
        OPENED = "opened", _("opened")
        ASSIGNED = "assigned", _("assigned")
        UNASSIGNED = "unassigned", _("assignment removed")
        STARTED = "started", _("taken up")
        REPLY_DRAFTED = "reply_drafted", _("reply sent for review")
        REPLY_REVIEWED = "reply_reviewed", _("reply reviewed")
        REPLY_RETURNED = "reply_returned", _("reply returned by the reviewer")
        REPLY_PUBLISHING = "reply_publishing", _("reply being published")
        REPLY_PUBLISHED = "reply_published", _("reply published")
        REPLY_FAILED = "reply_failed", _("publishing the reply failed")
        REPLY_MANUAL = "reply_manual", _("answered on the platform")
        FORWARDED = "forwarded", _("forwarded")
        FORWARD_ANSWERED = "forward_answered", _("forwarded question answered")
        MANAGER_REQUESTED = "manager_requested", _("sent to the manager to discuss first")
        MANAGER_CLEARED = "manager_cleared", _("discussed with the manager")
        REMOVED = "removed", _("removed")
        PURGED = "purged", _("content purged")
        PLATFORM_HIDDEN = "platform_hidden", _("hidden on the platform")
        PLATFORM_FAILED = "platform_failed", _("hiding on the platform failed")
        PLATFORM_MANUAL = "platform_manual", _("removed by hand on the platform")
        PLATFORM_RETRY = "platform_retry", _("hiding on the platform tried again")
        DELETED_ON_PLATFORM = "deleted_on_platform", _("closed: the comment was deleted on the platform")
        REGISTRATION = "registration", _("sent to the registrar")
        NO_ACTION = "no_action", _("closed without action")
        REOPENED = "reopened", _("reopened")
        EDITED = "edited", _("edited on the platform and screened again")
        NOTIFIED = "notified", _("notification sent")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.case_id}: {self.get_action_display()}"


class Reply(models.Model):
    class Status(models.TextChoices):
        AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
        RETURNED = "returned", _("Returned by the reviewer")
        PUBLISHING = "publishing", _("Being published")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Publishing failed")
        MANUAL = "manual", _("To be published by hand")
        ANSWERED_MANUALLY = "answered_manually", _("Answered on the platform")
        COMMENT_DELETED = "comment_deleted", _("Not published: the comment was deleted on the platform")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("reply"))
    signature = models.CharField(_("signature"), max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by expert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    platform_reply_id = models.CharField(max_length=300, blank=True)
    permalink = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.case_id}: {self.get_status_display()}"

    @property
    def full_text(self) -> str:
        """The text as published: the reply and its signature (F3)."""
        return f"{self.text.rstrip()}\n\n{self.signature}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Forward(models.Model):
    """F9/N5: a question sent to the head of operations or an expert, answered into the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="forwards")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwarded_questions",
    )
    to_email = models.EmailField(_("e-mail"), blank=True)
    question = models.TextField(_("question"))
    due_on = models.DateField(_("answer by"))
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.case_id}: {self.to_user or self.to_email}"

    def get_absolute_url(self):
        return reverse("moderation:forward_answer", args=[self.token])

    @property
    def recipient(self) -> str:
        return str(self.to_user) if self.to_user_id else self.to_email


class SavedReply(models.Model):
    """N12: ready answers that refer correctly, with placeholders filled in when used."""

    class Purpose(models.TextChoices):
        WEBSITE = "website", _("Already answered on the website")
        FEEDBACK = "feedback", _("Opinion, complaint or proposal: the feedback form")
        PRIVATE = "private", _("Personal matter: contact privately")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=120)
    purpose = models.CharField(_("used for"), max_length=20, choices=Purpose.choices, default=Purpose.OTHER)
    text = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {namn} the commenter, {webbplats} the website, {synpunkten} the feedback form, {kommun} the municipality."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["purpose", "title"]
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")

    def __str__(self):
        return self.title


class FlagRule(models.Model):
    """One keyword or phrase that suggests a removal ground; the municipality edits these."""

    ground = models.CharField(_("ground"), max_length=30, choices=GROUND_CHOICES)
    phrase = models.CharField(
        _("phrase"),
        max_length=300,
        help_text=_("Whole words, any case; * matches the rest of a word."),
    )
    is_regex = models.BooleanField(_("regular expression"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["ground", "phrase"]
        verbose_name = _("flag rule")
        verbose_name_plural = _("flag rules")
        constraints = [
            models.UniqueConstraint(fields=["ground", "phrase", "is_regex"], name="flagrule_unique_phrase")
        ]

    def __str__(self):
        return f"{self.ground}: {self.phrase}"


REMOVAL_GROUNDS = [ground.value for ground in RemovalGround]


class PhotoConsent(models.Model):
    """F15: the note on one of the municipality's own posts with photos, that those recognisable
    in them consented (or that no one is). Own posts with photos and no note are listed until they
    get one; the note is kept as written, with who wrote it and when."""

    class Answer(models.TextChoices):
        CONSENT = "consent", _("Those recognisable have consented")
        NO_PEOPLE = "no_people", _("No recognisable people")
        REMOVED = "removed", _("The photo has been taken down")

    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="photo_consent")
    answer = models.CharField(_("answer"), max_length=20, choices=Answer.choices)
    note = models.TextField(_("note"), blank=True, help_text=_("For example where the consent is kept."))
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    noted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo consent note")
        verbose_name_plural = _("photo consent notes")

    def __str__(self):
        return f"{self.record_id}: {self.answer}"


class OlderItemFlag(models.Model):
    """Personal data found in a comment from before the account's first harvest. Such a comment gets
    no inbox case, which would be overdue on arrival (see ``services.case_open``); what the screening
    found in it is kept here and listed for the department's communicators on a page of its own."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="older_item_flags")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=FLAG_KIND_CHOICES)
    matched = models.TextField(blank=True)
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    explanation = models.CharField(max_length=300)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "start", "end", "pk"]
        indexes = [models.Index(fields=["department", "record"], name="olderitemflag_department")]
        verbose_name = _("personal data in an older item")
        verbose_name_plural = _("personal data in older items")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.matched}"


# --- N8/N9: monitoring what others write about the municipality ------------------------------------


class Watch(models.Model):
    """N8: words and phrases a department follows in public sources, read at its own interval.

    What a watch finds is kept in the department's monitoring list, not in the archive: a post by
    someone else elsewhere is not a record of the municipality until a person saves it as one."""

    class Interval(models.IntegerChoices):
        QUARTER = 15, _("Every 15 minutes")
        HOUR = 60, _("Every hour")
        SIX_HOURS = 360, _("Every six hours")
        DAY = 1440, _("Once a day")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="watches")
    name = models.CharField(_("name"), max_length=120)
    terms = models.TextField(
        _("words and phrases"),
        help_text=_("One word or phrase per line. A hit contains at least one of them."),
    )
    account = models.ForeignKey(
        ServiceAccount,
        verbose_name=_("account that owns the topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="watches",
        help_text=_("Responses to hits are written from this account."),
    )
    interval_minutes = models.PositiveIntegerField(
        _("how often"), choices=Interval.choices, default=Interval.HOUR
    )
    is_active = models.BooleanField(_("in use"), default=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department", "name"]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("moderation:watch", args=[self.pk])

    @property
    def term_list(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]


class WatchSource(models.Model):
    """One place a watch reads: a Mastodon hashtag or search, a Bluesky search, or a news feed."""

    class Kind(models.TextChoices):
        MASTODON_TAG = "mastodon_tag", _("Mastodon hashtag")
        MASTODON_SEARCH = "mastodon_search", _("Mastodon search")
        BLUESKY_SEARCH = "bluesky_search", _("Bluesky search")
        FEED = "feed", _("News or blog feed (RSS/Atom)")

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(_("source"), max_length=20, choices=Kind.choices)
    address = models.URLField(
        _("address"),
        max_length=1000,
        blank=True,
        help_text=_("The Mastodon instance, or the feed's address. Empty: the platform's usual address."),
    )
    query = models.CharField(
        _("hashtag or search words"),
        max_length=200,
        blank=True,
        help_text=_("For a hashtag, the tag. For a search, empty means the watch's words."),
    )
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["watch", "pk"]
        verbose_name = _("watch source")
        verbose_name_plural = _("watch sources")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.query or self.address}"


class HitState(models.TextChoices):
    NEW = "new", _("New")
    WAITING_FOR_MANAGER = "waiting_for_manager", _("Waiting for the manager")
    MANAGER_ANSWERED = "manager_answered", _("The manager has answered")
    RESPONDED = "responded", _("Responded")
    NO_ACTION = "no_action", _("No action")


class MonitoringHit(models.Model):
    """One item a watch found, however many of its sources showed it (same address, same platform
    id or same text is one hit). Not a public record: disposed of after MONITORING_RETENTION_DAYS
    unless a person saved it as a record."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="hits")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    sources = models.ManyToManyField(WatchSource, related_name="hits", blank=True)
    platform = models.CharField(_("platform"), max_length=20)
    platform_id = models.CharField(max_length=500)
    url = models.TextField(_("address"), blank=True)
    url_key = models.CharField(max_length=64, blank=True)
    text_key = models.CharField(max_length=64, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    text_format = models.CharField(max_length=10, default="plain")
    raw = models.JSONField(default=dict)
    matched = models.CharField(_("matched"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published"))
    found_at = models.DateTimeField(_("found"), auto_now_add=True, db_index=True)
    state = models.CharField(_("state"), max_length=20, choices=HitState.choices, default=HitState.NEW)
    manager_question = models.TextField(blank=True)
    manager_asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_asked_at = models.DateTimeField(null=True, blank=True)
    manager_answer = models.TextField(blank=True)
    manager_answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager_answered_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("record")
    )

    class Meta:
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["watch", "platform", "platform_id"], name="hit_unique_platform_id"
            ),
            models.UniqueConstraint(
                fields=["watch", "url_key"], condition=~models.Q(url_key=""), name="hit_unique_url"
            ),
            models.UniqueConstraint(
                fields=["watch", "text_key"], condition=~models.Q(text_key=""), name="hit_unique_text"
            ),
        ]
        indexes = [models.Index(fields=["department", "-found_at"], name="hit_department_found")]
        verbose_name = _("monitoring hit")
        verbose_name_plural = _("monitoring hits")

    def __str__(self):
        return f"{self.watch}: {self.url or self.platform_id}"

    def get_absolute_url(self):
        return reverse("moderation:hit", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in (HitState.NEW, HitState.WAITING_FOR_MANAGER, HitState.MANAGER_ANSWERED)


class MonitoringEvent(models.Model):
    """The history of watches and hits: who did what and when, written with the change."""

    class Action(models.TextChoices):
        WATCH_SAVED = "watch_saved", _("watch saved")
        MANAGER_ASKED = "manager_asked", _("sent to the manager to discuss first")
        MANAGER_ANSWERED = "manager_answered", _("the manager answered")
        RESPONDED = "responded", _("response written")
        NO_ACTION = "no_action", _("closed without action")
        SAVED_AS_RECORD = "saved_as_record", _("saved as a public record")
        DISPOSED = "disposed", _("hits disposed of after the retention period")

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="events")
    hit = models.ForeignKey(
        MonitoringHit, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.watch_id}: {self.get_action_display()}"


# --- Publishing: the municipality's own posts, composed, screened, reviewed and published ----------


class PostDraft(models.Model):
    """A post the department means to publish on one or more of its active accounts (F5).

    Before it goes out it is screened like an incoming comment (F13/N23: every finding removed or
    confirmed), a photo or video needs the consent answer first (F15), and a named colleague or
    expert approves it (N5); an edit after the approval needs a new one. Each account it goes to is
    a ``PostTarget`` with its own text and outcome."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Waiting for review")
        RETURNED = "returned", _("Returned by the reviewer")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Being published")
        PUBLISHED = "published", _("Published")

    class Consent(models.TextChoices):
        NONE = "", _("Not answered")
        CONSENT = "consent", _("Those recognisable have consented")
        NO_PEOPLE = "no_people", _("No recognisable people")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="post_drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"))
    link = models.URLField(_("link"), max_length=1000, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    # Bumped by every edit; an approval holds for the version it was given to.
    version = models.PositiveIntegerField(default=1)
    consent = models.CharField(_("consent"), max_length=20, choices=Consent.choices, blank=True)
    consent_note = models.TextField(_("where the consent is kept"), blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts_to_review",
    )
    review_note = models.TextField(_("the reviewer's comment"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_version = models.PositiveIntegerField(null=True, blank=True)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["department", "state"], name="postdraft_department_state")]

    def __str__(self):
        return self.text[:60]

    def get_absolute_url(self):
        return reverse("moderation:post", args=[self.pk])

    @property
    def is_approved(self) -> bool:
        return self.approved_version is not None and self.approved_version == self.version

    @property
    def is_editable(self) -> bool:
        return self.state not in (self.State.PUBLISHING, self.State.PUBLISHED)


class PostMedia(models.Model):
    """A photo or video of a draft, with the text that describes it to those who cannot see it."""

    draft = models.ForeignKey(PostDraft, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to="posts/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(_("description (alt text)"), max_length=1500)

    class Meta:
        ordering = ["draft", "pk"]

    def __str__(self):
        return self.filename

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")


class PostTarget(models.Model):
    """One account a draft goes to: its own text (within the platform's limit) and what happened."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Not yet published")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Being published")
        HELD = "held", _("Held")
        FAILED = "failed", _("Publishing failed")
        MANUAL = "manual", _("To be published by hand")
        PUBLISHED = "published", _("Published")
        PUBLISHED_BY_HAND = "published_by_hand", _("Published by hand")

    draft = models.ForeignKey(PostDraft, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="post_targets")
    text = models.TextField(_("text"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.WAITING)
    held_reason = models.TextField(blank=True)
    error = models.TextField(blank=True)
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="post_targets"
    )
    platform_post_id = models.CharField(max_length=300, blank=True)
    permalink = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["draft", "account__display_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "account"], name="posttarget_one_per_account")
        ]
        indexes = [models.Index(fields=["state"], name="posttarget_state")]

    def __str__(self):
        return f"{self.draft_id}: {self.account}"

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.PUBLISHED, self.State.PUBLISHED_BY_HAND)


class PostFinding(models.Model):
    """What the screening found in a draft's text (F13/N23, F14): removed from the text, or
    confirmed by the author as fit to publish."""

    draft = models.ForeignKey(PostDraft, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=30, choices=FLAG_KIND_CHOICES)
    ground = models.CharField(max_length=30, choices=GROUND_CHOICES, blank=True)
    matched = models.TextField()
    explanation = models.CharField(max_length=300)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["draft", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.matched}"


class PostEvent(models.Model):
    """The history of a post: every change, by whom and when, written with the change."""

    class Action(models.TextChoices):
        CREATED = "created", _("draft saved")
        EDITED = "edited", _("draft changed")
        FINDING_CONFIRMED = "finding_confirmed", _("finding confirmed: may be published")
        CONSENT = "consent", _("consent answered")
        SENT_FOR_REVIEW = "sent_for_review", _("sent for review")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned by the reviewer")
        SCHEDULED = "scheduled", _("scheduled")
        PUBLISHING = "publishing", _("being published")
        PUBLISHED = "published", _("published")
        HELD = "held", _("held")
        FAILED = "failed", _("publishing failed")
        MANUAL = "manual", _("to be published by hand")
        PUBLISHED_BY_HAND = "published_by_hand", _("published by hand")
        RETRIED = "retried", _("tried again")
        NOTIFIED = "notified", _("notification sent")

    draft = models.ForeignKey(PostDraft, on_delete=models.CASCADE, related_name="events")
    target = models.ForeignKey(
        PostTarget, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.draft_id}: {self.get_action_display()}"
