"""Where each account's harvest stands, and what every run did.

Progress lives in PostgreSQL, never in a worker's memory: `HarvestState` holds the cursors that the
pipeline saves in the same transaction as the items they cover, so a killed worker resumes exactly
where its last committed page ended.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import ServiceAccount


def default_interval() -> timedelta:
    return timedelta(minutes=settings.HARVEST_INTERVAL_MINUTES)


def default_repoll_days() -> int:
    return settings.HARVEST_REPOLL_DAYS


class ConnectionStatus(models.TextChoices):
    OK = "ok", _("Working")
    RATE_LIMITED = "rate_limited", _("Rate limited by the platform")
    NEEDS_RECONNECTION = "needs_reconnection", _("Needs reconnection")
    FAILING = "failing", _("Failing")


class HarvestState(models.Model):
    """One account's place in its harvest: cursors, schedule and the health of the connection."""

    account = models.OneToOneField(
        ServiceAccount, primary_key=True, on_delete=models.CASCADE, related_name="harvest_state"
    )
    # Posts: `posts_cursor` resumes an interrupted listing (or, for feeds, makes the next request
    # conditional); `posts_since` is the newest post stored by a completed listing, where the next
    # listing stops. A listing in progress has `posts_pass_started_at`; the newest post it has seen is
    # promoted to `posts_since` only when it completes, so a crash never skips older pages.
    posts_cursor = models.JSONField(null=True, blank=True)
    posts_since = models.CharField(max_length=300, blank=True)
    posts_pass_started_at = models.DateTimeField(null=True, blank=True)
    posts_pass_full = models.BooleanField(default=False)
    posts_pass_newest_id = models.CharField(max_length=300, blank=True)
    posts_pass_newest_at = models.DateTimeField(null=True, blank=True)
    # Comments: the posts whose comments are still to be read in this round (new posts and posts
    # younger than the re-poll window), the cursor within the first of them and when its listing began.
    comment_queue = models.JSONField(default=list, blank=True)
    comment_cursor = models.JSONField(null=True, blank=True)
    comment_pass_started_at = models.DateTimeField(null=True, blank=True)
    # The nightly check of older stored posts goes round them in the order they were stored: the last
    # post it checked, so that the next night goes on from there (the longest unchecked come first).
    reconcile_after = models.BigIntegerField(default=0)
    reconciled_at = models.DateTimeField(_("older posts last checked"), null=True, blank=True)

    interval = models.DurationField(
        _("harvest every"), default=default_interval, help_text=_("The normal interval between harvests.")
    )
    current_interval = models.DurationField(default=default_interval)
    repoll_days = models.PositiveSmallIntegerField(
        _("read comments again on posts younger than (days)"), default=default_repoll_days
    )
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)

    status = models.CharField(max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.OK)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # When the administrators were told that the account needs reconnecting: once per failure.
    notified_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(_("last harvested"), null=True, blank=True)

    class Meta:
        verbose_name = _("harvest state")

    def __str__(self):
        return f"{self.account}: {self.get_status_display()}"


class HarvestRun(models.Model):
    """One attempt to harvest an account, shown on the account page while it runs."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        DEFERRED = "deferred", _("Waiting for the platform")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("schedule")
        MANUAL = "manual", _("manual")
        RECONCILE = "reconcile", _("nightly check of older posts")

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="harvest_runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    attempt = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    pages = models.PositiveIntegerField(default=0)
    items_new = models.PositiveIntegerField(default=0)
    items_changed = models.PositiveIntegerField(default=0)
    items_missing = models.PositiveIntegerField(default=0)
    items_deleted = models.PositiveIntegerField(default=0)
    items_failed = models.PositiveIntegerField(default=0)  # refused by the database: see `warnings`
    media_saved = models.PositiveIntegerField(default=0)
    media_skipped = models.PositiveIntegerField(default=0)
    followers = models.PositiveIntegerField(null=True, blank=True)
    # What the run is doing now, for the account page: {"phase": "comments", "post": 3, "posts": 12, ...}
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # What the run could not read although it went on (a comment feed that is gone, a profile call that
    # failed): shown with the run, so nothing is left out silently.
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("harvest run")
        indexes = [models.Index(fields=["account", "-started_at"], name="harvestrun_account_started")]

    def __str__(self):
        return f"{self.account} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def is_running(self) -> bool:
        return self.status == self.Status.RUNNING


class FollowerCount(models.Model):
    """The account's number of followers as the platform reported it (N18 statistics)."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="follower_counts")
    at = models.DateTimeField()
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["account", "-at"]
        indexes = [models.Index(fields=["account", "-at"], name="followercount_account_at")]

    def __str__(self):
        return f"{self.account}: {self.count} ({self.at:%Y-%m-%d})"


class Delivery(models.Model):
    """Something a platform pushed to us (a webhook delivery, a stream frame), kept as received.

    ``key`` says when two deliveries are the same one sent again: the SHA-256 of a webhook's body,
    the identity of a stream event. A delivery sent again is not stored or ingested twice."""

    class Source(models.TextChoices):
        META_WEBHOOK = "meta_webhook", _("Facebook and Instagram webhook")
        JETSTREAM = "jetstream", _("Bluesky Jetstream")
        MASTODON_STREAM = "mastodon_stream", _("Mastodon streaming")

    source = models.CharField(max_length=20, choices=Source.choices)
    key = models.CharField(max_length=300)
    account = models.ForeignKey(
        ServiceAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    received_at = models.DateTimeField(db_index=True)
    body = models.BinaryField()  # the bytes exactly as received
    sha256 = models.CharField(max_length=64)
    headers = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("delivery")
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="delivery_source_key_unique")]

    def __str__(self):
        return f"{self.get_source_display()} {self.received_at:%Y-%m-%d %H:%M:%S}"


class ItemEvent(models.Model):
    """One change to one item that a delivery announced, and what became of it.

    Platforms retry and reorder: a change is applied only when no later change of the same item was
    applied before it, and the same change announced twice is one row."""

    class Action(models.TextChoices):
        UPSERT = "upsert", _("created or changed")
        DELETE = "delete", _("removed")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("waiting")
        APPLIED = "applied", _("stored")
        SUPERSEDED = "superseded", _("a later change was stored first")
        NOT_ARCHIVED = "not_archived", _("not in the archive")
        GONE = "gone", _("gone from the platform before it could be read")

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="item_events")
    platform_id = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField()
    order = models.PositiveSmallIntegerField(default=0)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    outcome = models.CharField(max_length=15, choices=Outcome.choices, default=Outcome.PENDING)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("item change")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_id", "action", "at", "order"], name="itemevent_change_unique"
            )
        ]
        indexes = [models.Index(fields=["account", "platform_id"], name="itemevent_item")]

    def __str__(self):
        return f"{self.platform_id} {self.action} {self.at:%Y-%m-%d %H:%M:%S}"


class Recheck(models.Model):
    """An item to be asked for again soon, on platforms that never announce deletions: a comment
    deleted minutes after it was written is then still known to be deleted."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="rechecks")
    platform_id = models.CharField(max_length=300)
    step = models.PositiveSmallIntegerField(default=0)  # how many look-ups were done
    due_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("item look-up")
        constraints = [
            models.UniqueConstraint(fields=["account", "platform_id"], name="recheck_account_item_unique")
        ]

    def __str__(self):
        return f"{self.platform_id} at {self.due_at:%Y-%m-%d %H:%M}"


class StreamCursor(models.Model):
    """Where a long-lived stream stands ("jetstream", "mastodon:<account id>"): saved in the same
    transaction as the deliveries it covers, so a restarted stream worker resumes from it."""

    name = models.CharField(max_length=100, unique=True)
    position = models.CharField(max_length=100, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("stream position")

    def __str__(self):
        return f"{self.name}: {self.position}"
