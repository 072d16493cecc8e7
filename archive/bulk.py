"""Many rows in one INSERT, straight from tuples: for the ingest path, where building a Django model
instance per row (and preparing each of its fields) costs more than the database's work."""

from collections.abc import Sequence

from django.db import connection
from django.utils import timezone


def insert_rows(
    model,
    fields: Sequence[str],
    rows: Sequence[Sequence],
    *,
    defaults: bool = False,
    returning: str | None = None,
) -> list:
    """Insert ``rows`` (values in the order of ``fields``, ready for the database: no JSON) into
    the model's table in one statement. With ``defaults`` every other column gets the field's
    default (prepared once for all rows; the time of the insert for `auto_now` fields), as
    `Model.objects.create` would give it. Returns the ``returning`` column of each row, in order."""
    if not rows:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    names = [meta.get_field(name).column for name in fields]
    constants: list = []
    if defaults:
        given = {meta.get_field(name).attname for name in fields}
        now = timezone.now()
        for field in meta.concrete_fields:
            if field.attname in given or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:  # what Model() gives a field not named: its default, "" for text, else None
                value = field.get_db_prep_save(field.get_default(), connection)
            names.append(field.column)
            constants.append(value)
    columns = ", ".join(quote(name) for name in names)
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(rows))}"  # noqa: S608
    if returning:
        sql += f" RETURNING {quote(meta.get_field(returning).column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for values in rows for value in (*values, *constants)])
        return [value for (value,) in cursor.fetchall()] if returning else []
