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

CREATE OR REPLACE FUNCTION moderation_labels_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_case bigint;
  v_record bigint;
BEGIN
  IF TG_TABLE_NAME = 'moderation_case' THEN
    v_case := NEW.id;
    v_record := NEW.record_id;
  ELSE
    v_case := CASE WHEN TG_OP = 'DELETE' THEN OLD.case_id ELSE NEW.case_id END;
    SELECT record_id INTO v_record FROM moderation_case WHERE id = v_case;
  END IF;
  UPDATE archive_record r
     SET labels = ARRAY(SELECT l FROM unnest(r.labels) AS l
                        WHERE l NOT LIKE 'flag:%' AND l NOT LIKE 'outcome:%')
                  || coalesce(moderation_case_labels(v_case), '{}')
   WHERE r.id = v_record;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS moderation_case_labels ON moderation_case;
CREATE TRIGGER moderation_case_labels AFTER INSERT OR UPDATE OF state, has_personal_data ON moderation_case
  FOR EACH ROW EXECUTE FUNCTION moderation_labels_sync();
DROP TRIGGER IF EXISTS moderation_caseflag_labels ON moderation_caseflag;
CREATE TRIGGER moderation_caseflag_labels AFTER INSERT OR UPDATE OR DELETE ON moderation_caseflag
  FOR EACH ROW EXECUTE FUNCTION moderation_labels_sync();

UPDATE archive_record r SET labels = moderation_case_labels(c.id)
  FROM moderation_case c WHERE c.record_id = r.id;
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS moderation_case_labels ON moderation_case;
DROP TRIGGER IF EXISTS moderation_caseflag_labels ON moderation_caseflag;
DROP FUNCTION IF EXISTS moderation_labels_sync();
DROP FUNCTION IF EXISTS moderation_case_labels(bigint);
UPDATE archive_record SET labels = '{}' WHERE labels <> '{}';
"""


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0002_seed_rules_and_saved_replies"),
        ("archive", "0011_search_by_department_and_labels"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
