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
    author_name = models.TextField(blank=True)  # kept whole, however long
    author_handle = models.TextField(blank=True)  # kept whole, however long
    author_platform_id = models.TextField(blank=True)  # kept whole, however long
    text = models.TextField(blank=True)
    text_format = models.CharField(max_length=10, default="plain")
    # Text PostgreSQL cannot hold (NUL, lone surrogates) is stored escaped: see archive/storable.py.
    escaped = models.BooleanField(default=False)
    media = models.JSONField(default=list, blank=True)
    permalink = models.TextField(blank=True)  # as the platform gave it, however long
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


class SearchLexeme(models.Model):
    """Every word form the records' search vectors hold (lemmas, stems, reversed compound ends),
    kept by database triggers as vectors are written. A prefix in a query ("skola:*") is looked
    up here and searched as the exact forms it stands for, which the search index finds without
    merging the posting lists of everything that starts with it."""

    lexeme = models.TextField(primary_key=True, db_collation="C")

    class Meta:
        verbose_name = _("search word form")
        verbose_name_plural = _("search word forms")

    def __str__(self) -> str:
        return self.lexeme


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


class ChainTimestamp(models.Model):
    """An RFC 3161 time-stamp token over the head of an account's hash chain at one link.

    The imprint is the SHA-256 of the 32 bytes of that link's hash, so anyone holding the chain (an
    e-archive package has it) and the TSA's CA certificate can check, without smgov, that the chain
    up to that link existed no later than the token's time. A row is made when a timestamp is asked
    for; until the TSA answers it keeps the last error and the number of attempts.
    """

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    chain_hash = models.CharField(max_length=64)
    tsa_url = models.TextField()
    token = models.BinaryField(null=True, editable=False)  # the TimeStampResp (DER) as the TSA sent it
    gen_time = models.DateTimeField(null=True, blank=True)
    serial_number = models.CharField(max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "seq"]
        verbose_name = _("hash chain timestamp")
        constraints = [models.UniqueConstraint(fields=["account", "seq"], name="chain_timestamp_unique_seq")]

    def __str__(self):
        return f"{self.account_id}#{self.seq} {self.gen_time or self.error}"


class SecrecyProvision(models.Model):
    """A provision of the Public Access to Information and Secrecy Act (offentlighets- och sekretesslagen,
    OSL) that a masking cites. The list is kept by the registrars in the admin; the common ones are there
    from the start."""

    code = models.CharField(
        _("provision"), max_length=20, unique=True, help_text=_("Chapter and section, e.g. 21:7.")
    )
    title = models.CharField(_("what it protects"), max_length=200)
    offered = models.BooleanField(_("offered when masking"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("secrecy provision")
        verbose_name_plural = _("secrecy provisions")

    def __str__(self):
        return f"{self.citation} – {self.title}"

    @property
    def citation(self) -> str:
        return provision_citation(self.code)


def provision_citation(code: str) -> str:
    """``21:7`` as Swedish law is cited: ``21 kap. 7 § OSL``."""
    chapter, _sep, section = code.partition(":")
    return f"{chapter} kap. {section} § OSL" if section else code


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
    """One record in an export; `masks` are [start, end, provision] character ranges of its text to black out,
    each with the secrecy provision (``21:7``) it cites."""

    export = models.ForeignKey(DisclosureExport, on_delete=models.CASCADE, related_name="items")
    # No database constraint: what was disclosed stays on file after the record is disposed of.
    record = models.ForeignKey(Record, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    position = models.PositiveIntegerField()
    masks = models.JSONField(default=list, blank=True)
    mask_author = models.BooleanField(_("mask the author"), default=False)
    author_provision = models.CharField(max_length=20, blank=True)

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
        MASK = "mask", _("Masked for disclosure")

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
