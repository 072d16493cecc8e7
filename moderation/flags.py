"""Detectors that flag incoming comments for a person to look at.

A flag explains why a comment may need action (personal data it exposes, a legal ground for removing it);
it never decides. Pure Python: no Django, no database, so it can run on thousands of comments per harvest.

Explanations are English source strings kept in module-level constants; the UI translates them.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

import re2

from moderation.default_rules import DEFAULT_PATTERNS, DEFAULT_PHRASES


class FlagKind(StrEnum):
    PERSONAL_ID = "personal_id"
    COORDINATION_NUMBER = "coordination_number"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    GROUND = "ground"
    LINK = "link"
    IMAGE = "image"


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    ground: str | None
    matched: str
    start: int
    end: int
    explanation: str


class RemovalGround(StrEnum):
    INCITEMENT = "incitement"
    AGITATION = "agitation"
    CSAM = "csam"
    UNLAWFUL_VIOLENCE = "unlawful_violence"
    COPYRIGHT = "copyright"
    UNLAWFUL_THREAT = "unlawful_threat"
    PRIVACY_VIOLATION = "privacy_violation"
    TERROR_INCITEMENT = "terror_incitement"
    PERSONAL_DATA = "personal_data"
    SECRET_DATA = "secret_data"  # noqa: S105 - a ground code, not a password
    OTHER = "other"


@dataclass(frozen=True)
class GroundInfo:
    swedish_name: str
    label: str
    law_reference: str
    explanation: str


GROUNDS: dict[RemovalGround, GroundInfo] = {
    RemovalGround.INCITEMENT: GroundInfo(
        "uppvigling",
        "Incitement",
        "1998:112 5 §; brottsbalken 16 kap. 5 §",
        "Possible incitement (uppvigling): urges the public to crime or to defy the authorities",
    ),
    RemovalGround.AGITATION: GroundInfo(
        "hets mot folkgrupp",
        "Agitation against a population group",
        "1998:112 5 §; brottsbalken 16 kap. 8 §",
        "Possible agitation against a population group (hets mot folkgrupp)",
    ),
    RemovalGround.CSAM: GroundInfo(
        "barnpornografibrott",
        "Child sexual abuse material",
        "1998:112 5 §; brottsbalken 16 kap. 10 a §",
        "Possible child sexual abuse material (barnpornografibrott): never store it, report it to the police",
    ),
    RemovalGround.UNLAWFUL_VIOLENCE: GroundInfo(
        "olaga våldsskildring",
        "Unlawful depiction of violence",
        "1998:112 5 §; brottsbalken 16 kap. 10 c §",
        "Possible unlawful depiction of violence (olaga våldsskildring)",
    ),
    RemovalGround.COPYRIGHT: GroundInfo(
        "upphovsrättsintrång",
        "Copyright infringement",
        "1998:112 5 §; upphovsrättslagen (1960:729) 53 §",
        "Possible copyright infringement (upphovsrättsintrång)",
    ),
    RemovalGround.UNLAWFUL_THREAT: GroundInfo(
        "olaga hot",
        "Unlawful threat",
        "1998:112 5 §; brottsbalken 4 kap. 5 §",
        "Possible unlawful threat (olaga hot)",
    ),
    RemovalGround.PRIVACY_VIOLATION: GroundInfo(
        "olaga integritetsintrång",
        "Unlawful privacy violation",
        "1998:112 5 §; brottsbalken 4 kap. 6 c §",
        "Possible unlawful privacy violation (olaga integritetsintrång): intimate or health details",
    ),
    RemovalGround.TERROR_INCITEMENT: GroundInfo(
        "offentlig uppmaning till terroristbrott",
        "Public incitement to terrorist offences",
        "1998:112 5 §; lagen (2022:666) om straff för terroristbrott",
        "Possible public incitement to terrorist offences (offentlig uppmaning till terroristbrott)",
    ),
    RemovalGround.PERSONAL_DATA: GroundInfo(
        "personuppgifter",
        "Personal data",
        "dataskyddsförordningen (EU) 2016/679",
        "Personal data about someone published on the municipality's account",
    ),
    RemovalGround.SECRET_DATA: GroundInfo(
        "sekretessbelagda uppgifter",
        "Secret information",
        "offentlighets- och sekretesslagen (2009:400)",
        "Possible secret information (sekretess): protected details about a person or a case",
    ),
    RemovalGround.OTHER: GroundInfo(
        "annat",
        "Other",
        "",
        "Other reason, given in text",
    ),
}

EXPLAIN_PERSONAL_ID = "Swedish personal identity number (valid check digit)"
EXPLAIN_COORDINATION_NUMBER = "Swedish coordination number, samordningsnummer (valid check digit)"
EXPLAIN_PHONE = "Phone number"
EXPLAIN_EMAIL = "E-mail address"
EXPLAIN_ADDRESS = "Street address"
EXPLAIN_LINK = "Link to another site: check where it leads"
EXPLAIN_IMAGE = "Image or video attached: check whether people are recognisable and whether it is lawful"


class RuleRefused(ValueError):
    """A keyword rule the detector cannot use; ``code`` says why (the UI words it), ``detail`` is the
    engine's own message."""

    def __init__(self, code: str, phrase: str, detail: str = "") -> None:
        super().__init__(f"{code}: {phrase!r} {detail}".strip())
        self.code, self.phrase, self.detail = code, phrase, detail


@dataclass(frozen=True)
class KeywordRule:
    """One phrase (or regular expression) that suggests a removal ground.

    Plain phrases: case-insensitive, whole words, any whitespace between words, ``*`` matches the rest of a
    word. Regular expressions are also matched as whole words. A rule that is not usable raises
    ``RuleRefused`` when it is created, so a bad rule is refused where it is entered instead of silencing the
    others.

    Rules run on every incoming comment in the harvest, and communicators write them, so they are matched
    by RE2, whose time grows linearly with the text whatever the pattern: a pattern such as ``(x+x+)+y``
    cannot stall a worker. RE2 has no look-arounds and no backreferences; such patterns are refused.
    """

    ground: str
    phrase: str
    is_regex: bool = False

    def __post_init__(self) -> None:
        if self.ground not in set(RemovalGround):
            raise ValueError(f"Unknown removal ground: {self.ground!r}")
        if not self.phrase.strip():
            raise RuleRefused("empty", self.phrase)
        try:
            pattern = _re2(_rule_body(self))
        except re2.error as exc:
            raise RuleRefused("invalid", self.phrase, _engine_message(exc)) from exc
        if pattern.fullmatch(""):
            raise RuleRefused("matches_empty", self.phrase)
        # Rules are joined into one pattern, where the rules' own named groups would clash.
        if self.is_regex and pattern.groupindex:
            raise RuleRefused("named_groups", self.phrase)


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.case_sensitive = False
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = 64 << 20  # room for a few thousand rules in one automaton
# Python's \w and \s are Unicode-aware, RE2's are ASCII: word characters and spaces spelt out.
_WORD = r"\pL\pN_"
_SPACE = r"[\s\p{Z}\x{85}]+"


def _re2(pattern: str):
    return re2.compile(pattern, options=_RE2_OPTIONS)


def _engine_message(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else exc
    return detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)


# --- Personal identity numbers -------------------------------------------------------------------------

# Not glued to other digits: a personal id inside a bank account or order number is not one.
_PERSONAL_ID_RE = re.compile(
    r"(?<!\d)(?<!\d[-+])"
    r"(?P<century>18|19|20)?(?P<yy>\d\d)(?P<mm>\d\d)(?P<dd>\d\d)"
    r"(?P<sep>[-+ ]?)(?P<serial>\d{3})(?P<check>\d)"
    r"(?!\d)(?![-+]\d)"
)


def luhn_ok(digits: str) -> bool:
    """True when the last digit is the Luhn check digit of the others."""
    if not digits.isdigit() or not digits.isascii():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _id_kind(match: re.Match[str]) -> FlagKind | None:
    """PERSONAL_ID or COORDINATION_NUMBER when the match is a real date with a correct check digit."""
    century, sep = match["century"], match["sep"]
    if century and sep == "+":
        return None  # the "+" (aged 100 or more) only exists in the ten-digit form
    yy, month, day = int(match["yy"]), int(match["mm"]), int(match["dd"])
    kind = FlagKind.PERSONAL_ID
    if day > 60:
        kind, day = FlagKind.COORDINATION_NUMBER, day - 60
    # Without the century only the leap year matters, and it differs between centuries only for "00":
    # 2000 was a leap year, 1900 was not, and a ten-digit number from 1900 carries a "+".
    year = (int(century) * 100 if century else 1900 if sep == "+" else 2000) + yy
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    ten_digits = match["yy"] + match["mm"] + match["dd"] + match["serial"] + match["check"]
    return kind if luhn_ok(ten_digits) else None


def is_valid_personal_id(s: str) -> bool:
    """True when ``s`` is a personnummer or samordningsnummer in any written form, with a valid date and
    check digit."""
    match = _PERSONAL_ID_RE.fullmatch(s.strip())
    return match is not None and _id_kind(match) is not None


def _find_personal_ids(text: str) -> list[Flag]:
    flags = []
    for match in _PERSONAL_ID_RE.finditer(text):
        kind = _id_kind(match)
        if kind is not None:
            explanation = EXPLAIN_PERSONAL_ID if kind is FlagKind.PERSONAL_ID else EXPLAIN_COORDINATION_NUMBER
            flags.append(Flag(kind, None, match.group(), match.start(), match.end(), explanation))
    return flags


# --- Phone numbers --------------------------------------------------------------------------------------

_PHONE_RE = re.compile(
    r"(?<![\w+])(?<!\d[-/.])"
    r"(?P<number>"
    r"(?:(?P<intl>(?:\+|00)46[ -]?(?:\(0\)[ -]?)?)|(?=\(?0))"
    r"\(?\d{1,4}\)?(?:(?:\s?-\s?|\s)?\d{2,4}){1,4}"
    r")"
    r"(?![\w@])(?![-/.:,]\d)(?!\s*(?:kr|kronor|sek|:-)(?!\w))",
    re.IGNORECASE,
)
# Shapes that are made of digits and separators but are not phone numbers.
_NOT_PHONE_RE = re.compile(
    r"\d{6}[-+]\d{4}"  # personal id shape, even with a wrong check digit
    r"|\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4}"  # dates
    r"|[0-2]\d[0-5]\d-[0-2]\d[0-5]\d"  # opening hours such as 0830-1600
)


def _is_phone(number: str, international: bool) -> bool:
    if _NOT_PHONE_RE.fullmatch(number):
        return False
    digits = re.sub(r"\D", "", number)
    if international:
        national = digits[4:] if digits.startswith("0046") else digits[2:]
        if national.startswith("0") and "(0)" in number:
            national = national[1:]
    elif digits.startswith("0") and not digits.startswith("00"):
        national = digits[1:]
    else:
        return False
    # Swedish national significant numbers have 7 to 9 digits and never start with 0.
    return 7 <= len(national) <= 9 and not national.startswith("0")


# --- E-mail, addresses, links ---------------------------------------------------------------------------

_DIGIT_RE = re.compile(r"\d")
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w@])")

# Street names where the suffix is an unambiguous street word, in any case ("storgatan 3" in a comment).
_STREET_STRONG = r"[^\W\d_][\w-]+?(?:gatan|vägen|gränd|allén|stigen)"
# Suffixes that are also ordinary words ("detaljplan 2", "i backen") count only when capitalised.
_STREET_WEAK = (
    r"(?!\w*(?:detalj|översikts|handlings|budget|vård|genomförande|underhålls|verksamhets|åtgärds|tids)plan)"
    r"(?-i:[A-ZÅÄÖÉ])[\w-]*?(?-i:backen|torget|plan|leden)"
)
_STREET_PREFIX = r"(?:(?:östra|västra|norra|södra|stora|lilla|gamla|nya|övre|nedre)\s+)?"
_ADDRESS_RE = re.compile(
    r"(?<!\w)" + _STREET_PREFIX + rf"(?:{_STREET_STRONG}|{_STREET_WEAK})"
    r"\s+\d{1,4}(?!\d)(?:\s?-\s?\d{1,4}(?!\d))?(?:\s?[a-h](?!\w))?"
    r"(?!\s*(?:km|m|meter|kr|kronor|st|min|minuter|tim|timmar|gånger|dagar|år|procent|%)(?!\w))"
    r"(?:,?\s*(?:lgh|lägenhet)\.?\s*\d{4})?"
    r"(?:,?\s*[1-9]\d{2}\s?\d{2}(?:\s+(?-i:[A-ZÅÄÖ])[\w-]+)?)?"
    r"(?!\w)",
    re.IGNORECASE,
)

_LINK_RE = re.compile(r"(?<![\w@.])(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
_LINK_TRAILING = ".,;:!?)]}'\""


def find_personal_data(text: str) -> list[Flag]:
    """Personal identity and coordination numbers, phone numbers, e-mail and street addresses."""
    flags = [
        Flag(FlagKind.EMAIL, None, match.group(), match.start(), match.end(), EXPLAIN_EMAIL)
        for match in _EMAIL_RE.finditer(text)
    ]
    if not _DIGIT_RE.search(text):
        return flags  # most comments: no number, so no id, phone or address
    flags += _find_personal_ids(text)
    taken = [(flag.start, flag.end) for flag in flags if flag.kind != FlagKind.EMAIL]
    position = 0
    while match := _PHONE_RE.search(text, position):
        start, end = match.span()
        overlaps = any(start < t_end and t_start < end for t_start, t_end in taken)
        if overlaps or not _is_phone(match["number"], international=bool(match["intl"])):
            # A rejected candidate may have swallowed the start of a real number: look again just after it.
            position = start + 1
            continue
        flags.append(Flag(FlagKind.PHONE, None, match.group(), start, end, EXPLAIN_PHONE))
        position = end
    for match in _ADDRESS_RE.finditer(text):
        flags.append(Flag(FlagKind.ADDRESS, None, match.group(), match.start(), match.end(), EXPLAIN_ADDRESS))
    return sorted(flags, key=lambda flag: (flag.start, flag.end))


def find_links(text: str) -> list[Flag]:
    flags = []
    for match in _LINK_RE.finditer(text):
        url = match.group().rstrip(_LINK_TRAILING)
        if url.count("(") > url.count(")") and match.group()[len(url) :].startswith(")"):
            url += ")"  # keep the closing parenthesis of a Wikipedia-style link
        if url.lower() in ("www.", "http://", "https://"):
            continue
        flags.append(Flag(FlagKind.LINK, None, url, match.start(), match.start() + len(url), EXPLAIN_LINK))
    return flags


# --- Removal grounds ------------------------------------------------------------------------------------


def _phrase_pattern(phrase: str) -> str:
    parts = []
    for char in phrase.strip():
        if char.isspace():
            if parts and parts[-1] != _SPACE:
                parts.append(_SPACE)
        elif char == "*":
            parts.append(f"[{_WORD}]*")
        else:
            decomposed = unicodedata.normalize("NFD", char)
            if decomposed != char:
                # Text from some platforms arrives decomposed ("a" + combining ring for "å").
                parts.append(f"(?:{re2.escape(char)}|{re2.escape(decomposed)})")
            else:
                parts.append(re2.escape(char))
    return "".join(parts)


def _rule_body(rule: KeywordRule) -> str:
    return rule.phrase if rule.is_regex else _phrase_pattern(rule.phrase)


DEFAULT_RULES: tuple[KeywordRule, ...] = tuple(
    [KeywordRule(ground, phrase) for ground, phrases in DEFAULT_PHRASES.items() for phrase in phrases]
    + [
        KeywordRule(ground, pattern, is_regex=True)
        for ground, patterns in DEFAULT_PATTERNS.items()
        for pattern in patterns
    ]
)


@dataclass(frozen=True)
class _CompiledRules:
    pattern: re2._Regexp
    rule_of_group: dict[int, int]  # group number in the pattern -> index of its rule


@lru_cache(maxsize=32)
def _compile_rules(rules: tuple[KeywordRule, ...]) -> _CompiledRules | None:
    """One RE2 pattern for a whole rule set; each rule is a named group, so a match names its rule.

    A match is framed by one character that is not a word character on each side (the text is padded with
    a space), which is how "whole words" is said without look-arounds. Longer phrases come first, so at one
    position the most specific rule wins (RE2 prefers the first alternative, as Python does).
    """
    if not rules:
        return None
    ordered = sorted(enumerate(rules), key=lambda item: (item[1].is_regex, -len(item[1].phrase)))
    alternatives = [f"(?P<r{index}>{_rule_body(rule)})" for index, rule in ordered]
    pattern = _re2(f"[^{_WORD}](?:{'|'.join(alternatives)})[^{_WORD}]")
    rule_of_group = {group: int(name[1:]) for name, group in pattern.groupindex.items()}
    return _CompiledRules(pattern, rule_of_group)


# The rule set used last, compared by identity: hashing a large rule tuple for the lru_cache on every
# comment costs more than matching the comment.
_last_compiled: tuple[tuple[KeywordRule, ...], _CompiledRules | None] = ((), None)


def _pattern_for(rules: tuple[KeywordRule, ...]) -> _CompiledRules | None:
    global _last_compiled
    last_rules, last_compiled = _last_compiled
    if rules is last_rules:
        return last_compiled
    compiled = _compile_rules(rules)
    _last_compiled = (rules, compiled)
    return compiled


def find_grounds(text: str, rules: Iterable[KeywordRule]) -> list[Flag]:
    """Keyword matches that suggest a removal ground; one flag per match, not overlapping."""
    rule_tuple = rules if isinstance(rules, tuple) else tuple(rules)
    compiled = _pattern_for(rule_tuple)
    if compiled is None:
        return []
    padded = f" {text} "
    flags, position = [], 0
    while (match := compiled.pattern.search(padded, position)) is not None:
        group = next(g for g in compiled.rule_of_group if match.span(g)[0] != -1)
        start, end = match.span(group)
        ground = RemovalGround(rule_tuple[compiled.rule_of_group[group]].ground)
        explanation = GROUNDS[ground].explanation
        flags.append(Flag(FlagKind.GROUND, ground, padded[start:end], start - 1, end - 1, explanation))
        # The character after the match may be the one before the next.
        position = max(end, start + 1)
    return flags


def flag_text(
    text: str, *, rules: Iterable[KeywordRule] = DEFAULT_RULES, has_media: bool = False
) -> list[Flag]:
    """Every flag for one comment, in text order; an image flag first when media is attached."""
    flags = find_personal_data(text) + find_grounds(text, rules) + find_links(text)
    if has_media:
        flags.append(Flag(FlagKind.IMAGE, None, "", 0, 0, EXPLAIN_IMAGE))
    return sorted(flags, key=lambda flag: (flag.start, flag.end, flag.kind))
