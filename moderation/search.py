"""What the archive can ask about moderation: a comment's flags and its case's outcome for the search, and
the personal data in a text for the secrecy review of a disclosure.

The archive does not know how a record was handled. The database keeps labels on each record
of a case (`flag:<kind>`, `flag:personal_data`, `outcome:<state>`; triggers of migration 0003
follow every change of a case's state and flags, whichever path makes it), and moderation
registers the two filters that read them when it is loaded (see `ModerationConfig.ready`).
"""

from django.utils.translation import gettext_lazy as _

from archive.selectors import MaskSuggestion, SearchFilterExtension, register_search_filter

from .flags import find_personal_data
from .models import FLAG_KIND_CHOICES, OPEN_STATES, CaseState

# Personal data in a comment is masked for disclosure under the secrecy that protects personal data whose
# disclosure would break the GDPR, unless the registrar cites another provision.
PERSONAL_DATA_PROVISION = "21:7"

ANY_PERSONAL_DATA = "personal_data"
ANY_OPEN = "open"


def flag_choices() -> list[tuple[str, str]]:
    return [(ANY_PERSONAL_DATA, _("Any personal data")), *FLAG_KIND_CHOICES]


def outcome_choices() -> list[tuple[str, str]]:
    return [(ANY_OPEN, _("Not yet handled")), *CaseState.choices]


def flag_labels(value: str) -> list[str]:
    return [f"flag:{value}"]


def outcome_labels(value: str) -> list[str]:
    states = OPEN_STATES if value == ANY_OPEN else [value]
    return [f"outcome:{state}" for state in states]


def register() -> None:
    register_search_filter(SearchFilterExtension("flag", _("Moderation flag"), flag_choices, flag_labels))
    register_search_filter(
        SearchFilterExtension("outcome", _("Moderation outcome"), outcome_choices, outcome_labels)
    )


def personal_data_suggestions(text: str) -> list[MaskSuggestion]:
    """The personal data the flags find, offered to the secrecy review of a disclosure."""
    labels = dict(FLAG_KIND_CHOICES)
    return [
        MaskSuggestion(flag.matched, str(labels.get(flag.kind.value, flag.kind.value)), PERSONAL_DATA_PROVISION)
        for flag in find_personal_data(text)
        if flag.matched.strip()
    ]
