"""Integrity: the per-account hash chain, and database triggers that keep records immutable.

A record's content may change only while the writing service has declared the kind of write
for its transaction (`smgov.allow_archive_write` = version, purge or dispose); versions and
received responses change only by purge and are deleted only by disposal; chain links are
never changed or deleted.
"""

import django.db.models.deletion
from django.db import migrations, models

GUARDS = r"""
CREATE OR REPLACE FUNCTION archive_allowed_write() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('smgov.allow_archive_write', true), '') $$;

CREATE OR REPLACE FUNCTION archive_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF archive_allowed_write() <> 'dispose' THEN
      RAISE EXCEPTION 'archive record % may only be deleted by disposal', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF (NEW.text, NEW.text_format, NEW.raw_json, NEW.raw_canonical, NEW.raw_sha256, NEW.content_sha256,
      NEW.version_count, NEW.media, NEW.edited_at, NEW.source_id, NEW.platform, NEW.platform_id,
      NEW.account_id, NEW.department_id, NEW.kind, NEW.is_own, NEW.published_at, NEW.author_name,
      NEW.author_handle, NEW.author_platform_id, NEW.permalink, NEW.first_seen_at, NEW.created_at,
      NEW.purged_at)
     IS DISTINCT FROM
     (OLD.text, OLD.text_format, OLD.raw_json, OLD.raw_canonical, OLD.raw_sha256, OLD.content_sha256,
      OLD.version_count, OLD.media, OLD.edited_at, OLD.source_id, OLD.platform, OLD.platform_id,
      OLD.account_id, OLD.department_id, OLD.kind, OLD.is_own, OLD.published_at, OLD.author_name,
      OLD.author_handle, OLD.author_platform_id, OLD.permalink, OLD.first_seen_at, OLD.created_at,
      OLD.purged_at)
     AND archive_allowed_write() NOT IN ('version', 'purge', 'dispose') THEN
    RAISE EXCEPTION 'the content of archive record % changes only by a new version', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

-- Versions and received responses: changed only by purge, deleted only by disposal.
CREATE OR REPLACE FUNCTION archive_kept_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF archive_allowed_write() <> 'dispose' THEN
      RAISE EXCEPTION '% row % may only be deleted by disposal', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF archive_allowed_write() NOT IN ('purge', 'dispose') THEN
    RAISE EXCEPTION '% row % cannot be changed', TG_TABLE_NAME, OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

DROP TRIGGER IF EXISTS archive_record_guard ON archive_record;
CREATE TRIGGER archive_record_guard BEFORE UPDATE OR DELETE ON archive_record
  FOR EACH ROW EXECUTE FUNCTION archive_record_guard();
DROP TRIGGER IF EXISTS archive_version_guard ON archive_recordversion;
CREATE TRIGGER archive_version_guard BEFORE UPDATE OR DELETE ON archive_recordversion
  FOR EACH ROW EXECUTE FUNCTION archive_kept_guard();
DROP TRIGGER IF EXISTS archive_source_guard ON archive_sourceresponse;
CREATE TRIGGER archive_source_guard BEFORE UPDATE OR DELETE ON archive_sourceresponse
  FOR EACH ROW EXECUTE FUNCTION archive_kept_guard();
DROP TRIGGER IF EXISTS archive_chain_append_only ON archive_chainentry;
CREATE TRIGGER archive_chain_append_only BEFORE UPDATE OR DELETE ON archive_chainentry
  FOR EACH ROW EXECUTE FUNCTION archive_append_only();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS archive_record_guard ON archive_record;
DROP TRIGGER IF EXISTS archive_version_guard ON archive_recordversion;
DROP TRIGGER IF EXISTS archive_source_guard ON archive_sourceresponse;
DROP TRIGGER IF EXISTS archive_chain_append_only ON archive_chainentry;
DROP FUNCTION IF EXISTS archive_record_guard();
DROP FUNCTION IF EXISTS archive_kept_guard();
DROP FUNCTION IF EXISTS archive_append_only();
DROP FUNCTION IF EXISTS archive_allowed_write();
"""


def chain_existing_versions(apps, schema_editor):
    """Records kept before the chain existed get their links, version by version."""
    from archive.integrity import GENESIS, link_hash

    Version = apps.get_model("archive", "RecordVersion")
    ChainEntry = apps.get_model("archive", "ChainEntry")
    ChainHead = apps.get_model("archive", "ChainHead")
    heads = {}
    versions = Version.objects.select_related("record").order_by("seen_at", "record_id", "number")
    for version in versions.iterator():
        record = version.record
        seq, prev = heads.get(record.account_id, (0, GENESIS))
        seq += 1
        fields = dict(
            account_id=record.account_id,
            seq=seq,
            kind="version",
            platform=record.platform,
            platform_id=record.platform_id,
            version_number=version.number,
            payload_sha256=version.sha256,
            prev_hash=prev,
            at=version.seen_at,
        )
        digest = link_hash(**fields)
        ChainEntry.objects.create(record_id_at_entry=record.pk, hash=digest, **fields)
        heads[record.account_id] = (seq, digest)
    for account_id, (seq, digest) in heads.items():
        ChainHead.objects.create(account_id=account_id, seq=seq, hash=digest)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("archive", "0003_swedish_search"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "account",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="accounts.serviceaccount",
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(default=0)),
                (
                    "hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ChainEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("version", "Version"),
                            ("removal", "Removal"),
                            ("purge", "Purge"),
                            ("disposal", "Disposal"),
                        ],
                        max_length=10,
                    ),
                ),
                ("record_id_at_entry", models.BigIntegerField(blank=True, null=True)),
                ("platform", models.CharField(max_length=20)),
                ("platform_id", models.CharField(max_length=300)),
                ("version_number", models.PositiveIntegerField(blank=True, null=True)),
                ("payload_sha256", models.CharField(max_length=64)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
                ("at", models.DateTimeField()),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounts.serviceaccount",
                    ),
                ),
            ],
            options={
                "verbose_name": "hash chain entry",
                "ordering": ["account", "seq"],
                "indexes": [models.Index(fields=["platform", "platform_id"], name="chain_record")],
                "constraints": [models.UniqueConstraint(fields=("account", "seq"), name="chain_unique_seq")],
            },
        ),
        migrations.RunPython(chain_existing_versions, migrations.RunPython.noop),
        migrations.RunSQL(GUARDS, UNGUARD),
    ]
