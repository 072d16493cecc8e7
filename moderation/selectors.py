"""Reads of the inbox: rules for the flag detector, the inbox list, a case with its thread."""

import html
import logging
import time

import nh3
from django.core.cache import cache

from .flags import KeywordRule
from .models import FlagRule

logger = logging.getLogger(__name__)

# The detector compiles a rule set once and recognises it by identity, so the same tuple is handed
# out until a rule changes; the version in the cache tells every process that one did.
RULES_VERSION_KEY = "moderation:flag-rules:version"
_rules_memo: tuple[object, tuple[KeywordRule, ...]] = (None, ())


def flag_rules_version() -> int:
    version = cache.get(RULES_VERSION_KEY)
    if version is None:
        cache.add(RULES_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(RULES_VERSION_KEY)
    return version


def flag_rules_bump_version() -> None:
    cache.set(RULES_VERSION_KEY, time.time_ns(), timeout=None)


def active_flag_rules() -> tuple[KeywordRule, ...]:
    """The municipality's keyword rules in use, as the detector takes them."""
    global _rules_memo
    version = flag_rules_version()
    if _rules_memo[0] == version:
        return _rules_memo[1]
    rules = []
    for rule in FlagRule.objects.filter(is_active=True).order_by("pk"):
        try:
            rules.append(KeywordRule(rule.ground, rule.phrase, rule.is_regex))
        except ValueError as exc:  # refused when entered; a row edited around the service is skipped
            logger.warning("flag rule %s is not usable: %s", rule.pk, exc)
    _rules_memo = (version, tuple(rules))
    return _rules_memo[1]


def plain_text(text: str, text_format: str) -> str:
    """The words of a comment as a reader sees them: platform HTML reduced to text."""
    if text_format != "html":
        return text
    text = text.replace("<br", "\n<br").replace("</p>", "</p>\n\n")
    return html.unescape(nh3.clean(text, tags=set())).strip()
