"""The registrar's work (registratur): the queue of threads sent to be registered, the diary
(diarium) with its cases, diary numbers and documents, samlingsakt, document classes, retention and
disposal (gallring).

The diary refers to the archive's records; the records know nothing of the diary. Business rules
live in registry/diary.py and registry/retention.py.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, ServiceAccount
from archive.models import Record


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
        return reverse("registry:diary_case", args=[self.pk])

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
        EARCHIVE_PACKAGED = "earchive_packaged", _("package for the e-archive made")
        DIARY_EXPORTED = "diary_exported", _("diary exported")
        NUMBERS_IMPORTED = "numbers_imported", _("diary numbers imported")

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
    deliver_to_earchive = models.BooleanField(
        _("delivered to the e-archive"),
        default=False,
        help_text=_(
            "Records of the class are never disposed of before they have been delivered to the e-archive."
        ),
    )
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


class DisposalRun(models.Model):
    """A dry run a registrar asked for, made by a worker: its progress while it runs (kept here, so the
    page shows it and a restarted worker loses nothing), then what it found."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="disposal_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cutoff = models.DateField(help_text=_("Records whose retention ended before this date."))
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(
        default=dict, blank=True, help_text=_("Per document class: records disposable now, the next date.")
    )
    batch = models.ForeignKey(
        DisposalBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.department} {self.created_at:%Y-%m-%d %H:%M} ({self.get_state_display()})"

    def get_absolute_url(self):
        return reverse("registry:diary_disposal_run", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


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


class EarchivePackage(models.Model):
    """An information package (E-ARK SIP, as FGS Paketstruktur adopts it) delivered to the
    e-archive: one account's records of one year, a department's records of one year, or the final
    package of an account that is to be retired (all its records). Its rows name every record that
    went into it, so the next package of the same scope can say what changed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being produced")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Scope(models.TextChoices):
        ACCOUNT_YEAR = "account_year", _("An account's year")
        DEPARTMENT_YEAR = "department_year", _("A department's year")
        ACCOUNT_FINAL = "account_final", _("An account's final package (all its records)")

    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.ACCOUNT_YEAR)
    account = models.ForeignKey(
        ServiceAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    objid = models.CharField(max_length=60, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The last delivered package of the same scope."),
    )
    file = models.FileField(upload_to="earchive/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("e-archive package")
        verbose_name_plural = _("e-archive packages")
        indexes = [models.Index(fields=["account", "year", "status"], name="earchive_account_year")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope="account_year", account__isnull=False, year__isnull=False)
                | models.Q(scope="department_year", account__isnull=True, year__isnull=False)
                | models.Q(scope="account_final", account__isnull=False, year__isnull=True),
                name="earchive_package_scope_fields",
            )
        ]

    def __str__(self):
        return f"{self.objid} ({self.label})"

    @property
    def label(self) -> str:
        """What the package holds, in words: "Konto 2025", "Förvaltning 2025", "Konto, slutpaket"."""
        if self.scope == self.Scope.DEPARTMENT_YEAR:
            return f"{self.department} {self.year}"
        if self.scope == self.Scope.ACCOUNT_FINAL:
            return _("%(account)s, final package") % {"account": self.account}
        return f"{self.account} {self.year}"


class EarchivePackageRecord(models.Model):
    """A record as it went into a package: its hashes then, kept after the record is disposed of."""

    package = models.ForeignKey(EarchivePackage, on_delete=models.CASCADE, related_name="items")
    # No database constraint: what was delivered stays on file after the record is disposed of.
    record = models.ForeignKey(Record, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    platform = models.CharField(max_length=20)
    platform_id = models.CharField(max_length=300)
    content_sha256 = models.CharField(max_length=64, blank=True)
    version_count = models.PositiveIntegerField()
    removed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "record"], name="earchive_record_once_per_package")
        ]

    def __str__(self):
        return f"{self.package_id}: {self.platform}:{self.platform_id}"


class DiaryExport(models.Model):
    """The diary of one department and year written for the case-management system: FGS
    Ärendehantering 2.0 (E-ARK CITS ERMS) XML and a CSV of the same cases and documents."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    identifier = models.CharField(max_length=60, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    xml_file = models.FileField(upload_to="diary-export/%Y/", blank=True)
    xml_sha256 = models.CharField(max_length=64, blank=True)
    csv_file = models.FileField(upload_to="diary-export/%Y/", blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("diary export")
        verbose_name_plural = _("diary exports")

    def __str__(self):
        return f"{self.department.series_code} {self.year} ({self.identifier})"
