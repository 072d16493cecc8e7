"""The labels a case keeps on its record for the archive search: `outcome:<state>`,
`flag:<kind>` per flag and `flag:personal_data`. Triggers follow every insert and change of a
case and of its flags, however made (services, bulk updates, the admin), so the labels cannot
drift from the inbox. Existing cases are labelled once here."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION moderation_case_labels(p_case_id bigint) RETURNS varchar[]
LANGUAGE sql STABLE AS $$
  SELECT (ARRAY['outcome:' || c.state]
          || CASE WHEN c.has_personal_data THEN ARRAY['flag:personal_data'] ELSE '{}'::text[] END
          || coalesce((SELECT array_agg(DISTINCT 'flag:' || f.kind ORDER BY 'flag:' || f.kind)
                       FROM moderation_caseflag f WHERE f.case_id = c.id), '{}'::text[]))::varchar[]
  FROM moderation_case c WHERE c.id = p_case_id
$$;

-- The records of these cases get their moderation labels anew (other labels are kept); a record
-- whose labels would not change is not written.
CREATE OR REPLACE FUNCTION moderation_labels_refresh(p_case_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
  WITH wanted AS (
    SELECT r.id,
           ARRAY(SELECT l FROM unnest(r.labels) AS l
                 WHERE l NOT LIKE 'flag:%' AND l NOT LIKE 'outcome:%')::varchar[]
             || coalesce(moderation_case_labels(c.id), '{}') AS labels
      FROM moderation_case c JOIN archive_record r ON r.id = c.record_id
     WHERE c.id = ANY(p_case_ids)
  )
  UPDATE archive_record r SET labels = w.labels FROM wanted w
   WHERE r.id = w.id AND r.labels IS DISTINCT FROM w.labels
$$;

-- Statement triggers: a bulk update of a thousand cases, or the flags a new case gets in one
-- insert, rewrite each record once.
CREATE OR REPLACE FUNCTION moderation_labels_cases_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM moderation_labels_refresh(ARRAY(SELECT id FROM new_cases));
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION moderation_labels_cases_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM moderation_labels_refresh(ARRAY(
    SELECT n.id FROM new_cases n JOIN old_cases o ON o.id = n.id
     WHERE (n.state, n.has_personal_data) IS DISTINCT FROM (o.state, o.has_personal_data)));
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION moderation_labels_flags_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM moderation_labels_refresh(ARRAY(SELECT DISTINCT case_id FROM new_flags));
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION moderation_labels_flags_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM moderation_labels_refresh(ARRAY(SELECT DISTINCT case_id FROM old_flags));
  RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION moderation_labels_flags_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM moderation_labels_refresh(ARRAY(
    SELECT case_id FROM old_flags UNION SELECT case_id FROM new_flags));
  RETURN NULL;
END
$$;

CREATE TRIGGER moderation_labels_cases_inserted AFTER INSERT ON moderation_case
  REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION moderation_labels_cases_inserted();
CREATE TRIGGER moderation_labels_cases_updated AFTER UPDATE ON moderation_case
  REFERENCING OLD TABLE AS old_cases NEW TABLE AS new_cases
  FOR EACH STATEMENT EXECUTE FUNCTION moderation_labels_cases_updated();
CREATE TRIGGER moderation_labels_flags_inserted AFTER INSERT ON moderation_caseflag
  REFERENCING NEW TABLE AS new_flags FOR EACH STATEMENT EXECUTE FUNCTION moderation_labels_flags_inserted();
CREATE TRIGGER moderation_labels_flags_deleted AFTER DELETE ON moderation_caseflag
  REFERENCING OLD TABLE AS old_flags FOR EACH STATEMENT EXECUTE FUNCTION moderation_labels_flags_deleted();
CREATE TRIGGER moderation_labels_flags_updated AFTER UPDATE ON moderation_caseflag
  REFERENCING OLD TABLE AS old_flags NEW TABLE AS new_flags
  FOR EACH STATEMENT EXECUTE FUNCTION moderation_labels_flags_updated();

UPDATE archive_record r SET labels = moderation_case_labels(c.id)
  FROM moderation_case c WHERE c.record_id = r.id;
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS moderation_labels_cases_inserted ON moderation_case;
DROP TRIGGER IF EXISTS moderation_labels_cases_updated ON moderation_case;
DROP TRIGGER IF EXISTS moderation_labels_flags_inserted ON moderation_caseflag;
DROP TRIGGER IF EXISTS moderation_labels_flags_deleted ON moderation_caseflag;
DROP TRIGGER IF EXISTS moderation_labels_flags_updated ON moderation_caseflag;
DROP FUNCTION IF EXISTS moderation_labels_cases_inserted();
DROP FUNCTION IF EXISTS moderation_labels_cases_updated();
DROP FUNCTION IF EXISTS moderation_labels_flags_inserted();
DROP FUNCTION IF EXISTS moderation_labels_flags_deleted();
DROP FUNCTION IF EXISTS moderation_labels_flags_updated();
DROP FUNCTION IF EXISTS moderation_labels_refresh(bigint[]);
DROP FUNCTION IF EXISTS moderation_case_labels(bigint);
UPDATE archive_record SET labels = '{}' WHERE labels <> '{}';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_seed_rules_and_saved_replies"),
        ("archive", "0011_search_by_department_and_labels"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
