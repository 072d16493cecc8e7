"""What the archive search can ask about moderation: a comment's flags and its case's outcome.

The archive does not know how a record was handled; moderation adds these two filters to the
registrar's search when it is loaded (see `ModerationConfig.ready`).
"""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from archive.selectors import SearchFilterExtension, register_search_filter

from .models import FLAG_KIND_CHOICES, OPEN_STATES, Case, CaseState

ANY_PERSONAL_DATA = "personal_data"
ANY_OPEN = "open"


def flag_choices() -> list[tuple[str, str]]:
    return [(ANY_PERSONAL_DATA, _("Any personal data")), *FLAG_KIND_CHOICES]


def outcome_choices() -> list[tuple[str, str]]:
    return [(ANY_OPEN, _("Not yet handled")), *CaseState.choices]


def _records_of(cases: QuerySet[Case]) -> tuple[str, list]:
    sql, params = cases.values("record_id").query.sql_with_params()
    return f"r.id IN ({sql})", list(params)


def flag_condition(value: str) -> tuple[str, list]:
    if value == ANY_PERSONAL_DATA:
        return _records_of(Case.objects.filter(has_personal_data=True))
    if value in dict(FLAG_KIND_CHOICES):
        return _records_of(Case.objects.filter(flags__kind=value))
    return "FALSE", []


def outcome_condition(value: str) -> tuple[str, list]:
    if value == ANY_OPEN:
        return _records_of(Case.objects.filter(state__in=OPEN_STATES))
    if value in CaseState.values:
        return _records_of(Case.objects.filter(state=value))
    return "FALSE", []


def register() -> None:
    register_search_filter(SearchFilterExtension("flag", _("Moderation flag"), flag_choices, flag_condition))
    register_search_filter(
        SearchFilterExtension("outcome", _("Moderation outcome"), outcome_choices, outcome_condition)
    )
