"""What the archive search can ask about the diary: whether a record is registered in it.

The archive does not know the diary. The registry registers this filter when it is loaded (see
`RegistryConfig.ready`), as moderation registers its own; it asks the diary's documents directly
rather than keeping labels on the records, so it has no facet counts.
"""

from django.utils.translation import gettext_lazy as _

from archive.selectors import SearchFilterExtension, register_search_filter

from .models import DiaryDocument


def registered_choices() -> list[tuple[str, str]]:
    return [("yes", _("Yes")), ("no", _("No"))]


def registered_condition(value: str) -> tuple[str, list]:
    exists = f"EXISTS (SELECT 1 FROM {DiaryDocument._meta.db_table} d WHERE d.record_id = r.id)"  # noqa: S608 - a table name
    return (exists if value == "yes" else f"NOT {exists}"), []


def register() -> None:
    register_search_filter(
        SearchFilterExtension(
            "registered",
            _("Registered in the diary"),
            registered_choices,
            condition=registered_condition,
        )
    )
