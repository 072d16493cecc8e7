from django import template
from django.utils.translation import gettext

from moderation.models import FLAG_KIND_CHOICES, PERSONAL_DATA_KINDS
from moderation.selectors import plain_text

register = template.Library()
KIND_LABELS = dict(FLAG_KIND_CHOICES)


@register.filter
def plain(record) -> str:
    """The words of a record; escaped by the template like any other text."""
    return plain_text(record.text, record.text_format)


@register.filter
def flag_badges(case) -> list[tuple[str, str]]:
    """One badge per kind of flag on a case, from the prefetched flags: (css modifier, label)."""
    seen, badges = set(), []
    for flag in case.flags.all():
        key = "personal" if flag.kind in PERSONAL_DATA_KINDS else flag.kind
        if key in seen:
            continue
        seen.add(key)
        label = gettext("Personal data") if key == "personal" else KIND_LABELS.get(flag.kind, flag.kind)
        badges.append((key, label))
    return badges
