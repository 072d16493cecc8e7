"""Public records (allmänna handlingar): every post and comment, kept with its versions.

A post by the municipality is drawn up (upprättad), a comment from the public received
(inkommen), when it is published (N20): `published_at` is that date. The text and raw
JSON are stored exactly as received; the raw JSON is also kept canonicalised so its
SHA-256 proves what was received (jsonb alone reorders keys).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, ServiceAccount


class SourceResponse(models.Model):
    """An API response exactly as received: where the records made from it came from."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=10, default="GET")
    url = models.TextField(help_text=_("The request address, without secrets."))
    status = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict)
    body = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    fetched_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("received API response")

    def __str__(self):
        return f"{self.method} {self.url} ({self.status})"


class RecordKind(models.TextChoices):
    POST = "post", _("Post")
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply")


class Record(models.Model):
    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="records")
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="records",
        help_text=_("The department that ran the account when the record arrived."),
    )
    platform = models.CharField(max_length=20)
    platform_id = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    is_own = models.BooleanField(
        default=False, help_text=_("Published by the municipality (drawn up) rather than received.")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="thread_records"
    )
    parent_platform_id = models.CharField(max_length=300, blank=True)
    thread_platform_id = models.CharField(max_length=300, blank=True)
    author_name = models.CharField(max_length=300, blank=True)
    author_handle = models.CharField(max_length=300, blank=True)
    author_platform_id = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    text_format = models.CharField(max_length=10, default="plain")
    media = models.JSONField(default=list, blank=True)
    permalink = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(_("drawn up or received"), db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text=_("No longer returned by the platform; not yet confirmed deleted.")
    )
    deleted_on_platform_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_ground = models.CharField(max_length=40, blank=True)
    removal_reason = models.TextField(blank=True)
    purged_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Content purged; only metadata and hashes are kept.")
    )
    legal_hold = models.BooleanField(default=False)
    retention_until = models.DateField(null=True, blank=True)
    raw_json = models.JSONField(default=dict)
    raw_canonical = models.TextField(blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    version_count = models.PositiveIntegerField(default=1)
    source = models.ForeignKey(
        SourceResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    search_vector = SearchVectorField(null=True, editable=False)
    # Labels other apps keep on a record so that it can be searched by how it was handled
    # ("flag:phone", "outcome:removed"); the archive indexes them and gives them no meaning.
    labels = ArrayField(models.CharField(max_length=60), default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        constraints = [
            models.UniqueConstraint(fields=["platform", "platform_id"], name="record_unique_platform_id"),
        ]
        indexes = [
            # With btree_gin the department (a person's scope), platform, kind and label filters
            # are answered inside the one GIN scan, instead of intersecting with a bitmap of a
            # sixth or a third of the table (searches compare department ids as bigint[] for that).
            GinIndex(
                fields=["search_vector", "department", "platform", "kind", "labels"], name="record_search_gin"
            ),
            models.Index(fields=["account", "-published_at"], name="record_account_published"),
            models.Index(fields=["department", "-published_at"], name="record_department_published"),
            models.Index(fields=["thread"], name="record_thread"),
            # Orphans waiting for a parent or thread that has not arrived yet, found at each ingest.
            models.Index(
                fields=["platform", "parent_platform_id"],
                condition=models.Q(parent__isnull=True),
                name="record_orphan_parent",
            ),
            models.Index(
                fields=["platform", "thread_platform_id"],
                condition=models.Q(thread__isnull=True),
                name="record_orphan_thread",
            ),
            GinIndex(
                fields=["author_name", "department"],
                opclasses=["gin_trgm_ops", "int8_ops"],
                name="record_author_name_trgm",
            ),
            GinIndex(
                fields=["author_handle", "department"],
                opclasses=["gin_trgm_ops", "int8_ops"],
                name="record_author_handle_trgm",
            ),
            # The municipality's own posts with media (photo consent notes look for them).
            models.Index(
                fields=["department", "-published_at"],
                condition=models.Q(is_own=True, kind="post") & ~models.Q(media=[]),
                name="record_own_media_posts",
            ),
            # Few records are removed or deleted; the search filters on these.
            models.Index(
                fields=["-published_at"], condition=models.Q(removed_at__isnull=False), name="record_removed"
            ),
            models.Index(
                fields=["-published_at"],
                condition=models.Q(deleted_on_platform_at__isnull=False),
                name="record_deleted_on_platform",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.platform_id}"

    def get_absolute_url(self):
        return reverse("archive:record", args=[self.pk])


class RecordVersion(models.Model):
    """One text of a record as it was seen; a changed text on the platform adds a version."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField()
    raw_canonical = models.TextField(blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    sha256 = models.CharField(max_length=64)
    source = models.ForeignKey(
        SourceResponse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="version_unique_number")]

    def __str__(self):
        return f"{self.record} v{self.number}"


class MediaFile(models.Model):
    """A media file of a record, downloaded because platform URLs expire."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="media_files")
    url = models.URLField(max_length=2000)
    media_type = models.CharField(max_length=20)
    alt_text = models.TextField(blank=True)
    file = models.FileField(upload_to="media/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    skipped_reason = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    # Download attempts so far, and when to try again after a failure that may pass (a timeout, a
    # server error); empty when the file is kept or will not be tried again.
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "url"], name="media_unique_url")]
        indexes = [
            models.Index(
                fields=["retry_at"], name="media_retry_at", condition=models.Q(retry_at__isnull=False)
            )
        ]

    def __str__(self):
        return self.url


class RegistrationRequest(models.Model):
    """A thread sent to the registrar to be registered in the diary (high attention, removed content)."""

    class Reason(models.TextChoices):
        HIGH_ATTENTION = "high_attention", _("Much attention")
        REMOVED = "removed", _("Removed content")
        SECRET = "secret", _("Secret or criminal content")
        OTHER = "other", _("Other")

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="registration_requests")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("registration request")

    def __str__(self):
        return f"{self.record} ({self.get_reason_display()})"


class ChainHead(models.Model):
    """The last link of an account's hash chain. Writers lock this row, so the chain never forks."""

    account = models.OneToOneField(
        ServiceAccount, primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"{self.account_id}#{self.seq}"


class ChainEntry(models.Model):
    """One link of an account's append-only hash chain: a version, a removal, a purge or a disposal.

    The record is named by its platform id rather than a foreign key, so the link outlives a
    disposed record. The database refuses to change or delete a link.
    """

    class Kind(models.TextChoices):
        VERSION = "version", _("Version")
        REMOVAL = "removal", _("Removal")
        PURGE = "purge", _("Purge")
        DISPOSAL = "disposal", _("Disposal")

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    record_id_at_entry = models.BigIntegerField(null=True, blank=True)
    platform = models.CharField(max_length=20)
    platform_id = models.CharField(max_length=300)
    version_number = models.PositiveIntegerField(null=True, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["account", "seq"]
        verbose_name = _("hash chain entry")
        constraints = [models.UniqueConstraint(fields=["account", "seq"], name="chain_unique_seq")]
        indexes = [models.Index(fields=["platform", "platform_id"], name="chain_record")]

    def __str__(self):
        return f"{self.account_id}#{self.seq} {self.kind}"


class DisclosureExport(models.Model):
    """Records selected for a request for public records (utlämnande), with passages masked
    after secrecy review, and the files made from them."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being produced")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    request_reference = models.CharField(
        _("request reference"),
        max_length=200,
        help_text=_("Who asked and when, or the diary number of the request."),
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_made_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("disclosure export")

    def __str__(self):
        return self.request_reference

    def get_absolute_url(self):
        return reverse("archive:export", args=[self.pk])


class DisclosureItem(models.Model):
    """One record in an export; `masks` are [start, end) character ranges of its text to black out."""

    export = models.ForeignKey(DisclosureExport, on_delete=models.CASCADE, related_name="items")
    # No database constraint: what was disclosed stays on file after the record is disposed of.
    record = models.ForeignKey(Record, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    position = models.PositiveIntegerField()
    masks = models.JSONField(default=list, blank=True)
    mask_author = models.BooleanField(_("mask the author"), default=False)

    class Meta:
        ordering = ["export", "position"]
        constraints = [
            models.UniqueConstraint(fields=["export", "record"], name="disclosure_unique_record"),
        ]

    def __str__(self):
        return f"{self.export_id}: {self.record_id}"


class AccessLog(models.Model):
    """Who looked at or took out what from the archive, and when. The database keeps it append-only."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed record")
        SOURCE = "source", _("Downloaded received response")
        MEDIA = "media", _("Downloaded media file")
        EXPORT = "export", _("Exported")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    # No database constraint: the log outlives a disposed record.
    record = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    export = models.ForeignKey(
        DisclosureExport, null=True, blank=True, on_delete=models.PROTECT, related_name="access_log"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("archive access")

    def __str__(self):
        return f"{self.user_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# Diary (diarium), samlingsakt, retention and disposal (gallring)
#
# Kept apart from the records above: the diary refers to records, records know
# nothing of the diary. Business rules live in archive/diary.py and
# archive/retention.py.
# ---------------------------------------------------------------------------


class DiarySeriesCounter(models.Model):
    """The last diary number given in a series and year.

    Numbers are taken by locking this row (SELECT ... FOR UPDATE) in the transaction that
    creates the case, so concurrent registrations queue up and a rolled back registration
    gives its number back: the series stays gapless.
    """

    series_code = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series_code", "year"], name="diary_counter_unique_series_year")
        ]

    def __str__(self):
        return f"{self.series_code} {self.year}: {self.last_number}"


class DiaryCase(models.Model):
    """A case (ärende) with a diary number such as "KS 2026/17" (N15), or a department's
    samlingsakt for a year (N6/N16), which is numbered in the same series."""

    class Kind(models.TextChoices):
        CASE = "case", _("Case")
        COLLECTIVE = "collective", _("Collective file (samlingsakt)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="diary_cases")
    series_code = models.CharField(_("diary series"), max_length=10)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CASE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    thread = models.ForeignKey(
        Record, null=True, blank=True, on_delete=models.PROTECT, related_name="diary_cases"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()
    last_document_number = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-year", "series_code", "-number"]
        verbose_name = _("diary case")
        verbose_name_plural = _("diary cases")
        constraints = [
            models.UniqueConstraint(
                fields=["series_code", "year", "number"], name="diary_case_unique_number"
            ),
            models.UniqueConstraint(
                fields=["department", "year"],
                condition=models.Q(kind="collective"),
                name="diary_one_samlingsakt_per_year",
            ),
            models.UniqueConstraint(
                fields=["thread"],
                condition=models.Q(thread__isnull=False),
                name="diary_one_case_per_thread",
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="diary_case_number_positive"),
        ]

    def __str__(self):
        return f"{self.diary_number} {self.title}"

    def get_absolute_url(self):
        return reverse("archive:diary_case", args=[self.pk])

    @property
    def diary_number(self) -> str:
        return f"{self.series_code} {self.year}/{self.number}"

    @property
    def is_collective(self) -> bool:
        return self.kind == self.Kind.COLLECTIVE


class DiaryDocument(models.Model):
    """A document of a case: a record of the thread or a snapshot (skärmdump), numbered
    "KS 2026/17-3". All documents of a thread share the case's diary number (N15)."""

    class Kind(models.TextChoices):
        RECORD = "record", _("Record")
        SNAPSHOT = "snapshot", _("Snapshot")

    class SnapshotState(models.TextChoices):
        NONE = "", _("Not a snapshot")
        PENDING = "pending", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(DiaryCase, on_delete=models.PROTECT, related_name="documents")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    record = models.ForeignKey(
        Record,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="diary_documents",
        help_text=_("The record, or for a snapshot the post of the thread it shows."),
    )
    description = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="diary/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    snapshot_state = models.CharField(
        max_length=10, choices=SnapshotState.choices, default=SnapshotState.NONE, blank=True
    )
    snapshot_error = models.TextField(blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="diary_document_unique_number"),
            models.UniqueConstraint(
                fields=["case", "record"],
                condition=models.Q(kind="record"),
                name="diary_document_record_once_per_case",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="record", record__isnull=False) | models.Q(kind="snapshot")),
                name="diary_document_record_kind_has_record",
            ),
        ]

    def __str__(self):
        return self.document_number

    @property
    def document_number(self) -> str:
        return f"{self.case.diary_number}-{self.number}"


class RegistrationDecision(models.Model):
    """How the registrar handled a request from the queue: registered as a new case,
    attached to a case, or judged of minor importance and not registered (F12/N17)."""

    class Outcome(models.TextChoices):
        REGISTERED = "registered", _("Registered as a new case")
        ATTACHED = "attached", _("Attached to an existing case")
        NOT_NEEDED = "not_needed", _("No registration needed")

    request = models.OneToOneField(RegistrationRequest, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    case = models.ForeignKey(
        DiaryCase, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.request}: {self.get_outcome_display()}"


class DiaryEvent(models.Model):
    """The diary's audit log, written in the same transaction as each change."""

    class Action(models.TextChoices):
        CASE_REGISTERED = "case_registered", _("case registered")
        COLLECTIVE_CREATED = "collective_created", _("samlingsakt created")
        DOCUMENTS_ADDED = "documents_added", _("documents added")
        SNAPSHOT_MADE = "snapshot_made", _("snapshot made")
        NOT_NEEDED = "not_needed", _("no registration needed")
        CLASS_CHANGED = "class_changed", _("document class changed")
        HOLD_SET = "hold_set", _("legal hold set")
        HOLD_CLEARED = "hold_cleared", _("legal hold cleared")
        DISPOSAL_PROPOSED = "disposal_proposed", _("disposal proposed")
        DISPOSAL_APPROVED = "disposal_approved", _("disposal approved")

    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        DiaryCase, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    record_ref = models.CharField(max_length=330, blank=True, help_text=_("platform:id, kept after disposal"))
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


class DocumentClass(models.Model):
    """A class of the municipality's document management plan (dokumenthanteringsplan): how
    long records of the class are kept before disposal (gallring), or that they are kept
    for ever. The defaults are a starting point; the plan adopted by the municipality decides."""

    class AppliesTo(models.TextChoices):
        MINOR = "minor", _("Minor importance or routine (not registered)")
        REGISTERED = "registered", _("Registered in the diary")
        OWN = "own", _("The municipality's own posts and replies")
        INCOMING = "incoming", _("Comments and replies from the public")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    applies_to = models.CharField(_("applies to"), max_length=12, choices=AppliesTo.choices, unique=True)
    permanent = models.BooleanField(_("kept permanently"), default=False)
    retention_years = models.PositiveSmallIntegerField(
        _("kept for years"),
        null=True,
        blank=True,
        help_text=_("Counted from the end of the year the record was drawn up or received."),
    )
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("document class")
        verbose_name_plural = _("document classes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(permanent=True, retention_years__isnull=True)
                | models.Q(permanent=False, retention_years__isnull=False),
                name="document_class_permanent_xor_years",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class RecordClassification(models.Model):
    """The document class a record belongs to and the date after which it may be disposed of.
    `Record.retention_until` mirrors `retention_until` and is written by the same service."""

    record = models.OneToOneField(Record, on_delete=models.CASCADE, related_name="classification")
    document_class = models.ForeignKey(DocumentClass, on_delete=models.PROTECT, related_name="records")
    retention_until = models.DateField(null=True, blank=True, help_text=_("Empty: kept permanently."))
    assigned_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["retention_until"], name="classification_retention")]

    def __str__(self):
        return f"{self.record}: {self.document_class}"


class DisposalBatch(models.Model):
    """A proposed disposal: a dry run a registrar reviews before approving it."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed (dry run)")
        SUPERSEDED = "superseded", _("Replaced by a newer proposal")
        DISPOSED = "disposed", _("Disposed of")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="disposal_batches")
    cutoff = models.DateField(help_text=_("Records whose retention ended before this date."))
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED)
    summary = models.JSONField(default=dict, help_text=_("Counts per document class."))
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    disposed_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.department} {self.created_at:%Y-%m-%d} ({self.get_state_display()})"


class DisposalCandidate(models.Model):
    """A record the dry run found disposable; checked again when the batch is approved."""

    batch = models.ForeignKey(DisposalBatch, on_delete=models.CASCADE, related_name="candidates")
    record = models.ForeignKey(Record, null=True, on_delete=models.SET_NULL, related_name="+")
    document_class = models.ForeignKey(DocumentClass, on_delete=models.PROTECT, related_name="+")
    retention_until = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "record"], name="disposal_candidate_once")]

    def __str__(self):
        return f"{self.batch}: {self.record_id}"


class DisposalLog(models.Model):
    """What was disposed of, by whose approval and when. Itself kept for ever."""

    batch = models.ForeignKey(DisposalBatch, on_delete=models.PROTECT, related_name="log")
    platform = models.CharField(max_length=20)
    platform_id = models.CharField(max_length=300)
    record_pk = models.BigIntegerField()
    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)
    is_own = models.BooleanField()
    published_at = models.DateTimeField()
    document_class_code = models.CharField(max_length=20)
    document_class_name = models.CharField(max_length=200)
    retention_until = models.DateField()
    raw_sha256 = models.CharField(max_length=64, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    version_hashes = models.JSONField(default=list)
    media_hashes = models.JSONField(default=list)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    disposed_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-disposed_at", "-pk"]

    def __str__(self):
        return f"{self.platform}:{self.platform_id} ({self.disposed_at:%Y-%m-%d})"
