"""Many rows in one INSERT, straight from tuples: for the ingest path, where building a Django model
instance per row (and preparing each of its fields) costs more than the database's work."""

from collections.abc import Sequence

from django.db import connection


def insert_rows(model, fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` (values in the order of ``fields``, ready for the database: no JSON, no
    defaults filled in) into the model's table in one statement."""
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(rows))}",  # noqa: S608
            [value for values in rows for value in values],
        )
