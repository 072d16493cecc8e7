"""Swedish full-text search over the records.

PostgreSQL's built-in `swedish` configuration is a Snowball stemmer only: it stems "skola"
and "skolan" differently and never splits compounds. The records are therefore indexed with
`smgov_swedish`, which first asks an ispell dictionary built from Debian's hunspell-sv
(lemmas: skolan, skolor, skolans -> skola; compounds: snöröjningen -> snöröjning, snö,
röjning) and falls back to the Snowball stemmer for words the dictionary does not know.
Without the dictionary files the configuration uses the stemmer alone, and says so.
"""

import html
import logging
import re
from dataclasses import dataclass, field

import nh3
from django.contrib.postgres.search import SearchVector
from django.db.models import Value

from .storable import SEARCHABLE_CHARS

logger = logging.getLogger(__name__)

# The text-search configuration the records are indexed with.
SEARCH_CONFIG = "smgov_swedish"
ISPELL_DICTIONARY = "sv_ispell"
# Token types that are words; the rest (numbers, URLs, e-mail addresses) keep `swedish`'s mapping.
WORD_TOKENS = ("asciiword", "asciihword", "hword_asciipart", "word", "hword", "hword_part")


def install_search_configuration(
    cursor, *, config: str = SEARCH_CONFIG, dictionary: str = ISPELL_DICTIONARY, dict_file: str = "sv_se"
) -> bool:
    """Create (or repair) the Swedish configuration; idempotent. Returns whether ispell is used.

    The dictionary files are installed into PostgreSQL's tsearch_data by `pg_updatedicts`
    (package hunspell-sv); when they are missing, the stemmer alone is used and a warning logged.
    """
    names = {"config": config, "dictionary": dictionary, "dict_file": dict_file}
    for value in names.values():
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", value):
            raise ValueError(f"not a plain identifier: {value!r}")
    cursor.execute("SELECT 1 FROM pg_ts_dict WHERE dictname = %s", [dictionary])
    has_ispell = cursor.fetchone() is not None
    if not has_ispell:
        cursor.execute("SAVEPOINT smgov_ispell")
        try:
            cursor.execute(
                f"CREATE TEXT SEARCH DICTIONARY {dictionary} (TEMPLATE = ispell, "  # noqa: S608
                f"DictFile = {dict_file}, AffFile = {dict_file}, StopWords = swedish)"
            )
            # The files are read lazily: use the dictionary once so a broken file fails here.
            cursor.execute("SELECT ts_lexize(%s::regdictionary, 'skolan')", [dictionary])
            cursor.execute("RELEASE SAVEPOINT smgov_ispell")
            has_ispell = True
        except Exception as error:  # the files are missing or unreadable
            cursor.execute("ROLLBACK TO SAVEPOINT smgov_ispell")
            logger.warning(
                "Swedish ispell dictionary %r not available (%s); search uses the Snowball stemmer only. "
                "Install hunspell-sv and run pg_updatedicts, then migrate again or run "
                "`manage.py install_search_configuration`.",
                dict_file,
                str(error).strip().splitlines()[0] if str(error).strip() else error,
            )
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [config])
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = pg_catalog.swedish)")
    dictionaries = f"{dictionary}, swedish_stem" if has_ispell else "swedish_stem"
    cursor.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {config} ALTER MAPPING FOR {', '.join(WORD_TOKENS)} "
        f"WITH {dictionaries}"
    )
    return has_ispell


def reindex_records(cursor, *, config: str = SEARCH_CONFIG) -> None:
    """Recompute every record's search vector, e.g. after the dictionary was installed."""
    cursor.execute(
        "UPDATE archive_record SET search_vector = "
        "setweight(to_tsvector(%s::regconfig, text), 'A') || "
        "setweight(to_tsvector(%s::regconfig, author_name || ' ' || author_handle), 'B') "
        "WHERE text_format <> 'html' AND purged_at IS NULL",
        [config, config],
    )
    cursor.execute(
        "SELECT id, text, author_name, author_handle FROM archive_record "
        "WHERE text_format = 'html' AND purged_at IS NULL"
    )
    for pk, text, author_name, author_handle in cursor.fetchall():
        cursor.execute(
            "UPDATE archive_record SET search_vector = setweight(to_tsvector(%s::regconfig, %s), 'A') || "
            "setweight(to_tsvector(%s::regconfig, %s), 'B') WHERE id = %s",
            [config, searchable_text(text, "html"), config, f"{author_name} {author_handle}", pk],
        )


def searchable_text(text: str, text_format: str) -> str:
    """The words of a record: HTML from a platform reduced to its text."""
    if text_format == "html":
        return html.unescape(nh3.clean(text.replace("<br", " <br").replace("</p>", " </p>"), tags=set()))
    return text


def search_parts(*, text: str, text_format: str, author_name: str, author_handle: str) -> tuple[str, str]:
    """The words (weight A) and the names (weight B) a record is indexed by.

    The index is derived data and PostgreSQL's tsvector holds at most 1 MB: a longer text is kept
    whole in the record and indexed by its beginning."""
    words = searchable_text(text, text_format)[:SEARCHABLE_CHARS]
    names = f"{author_name[: SEARCHABLE_CHARS // 10]} {author_handle[: SEARCHABLE_CHARS // 10]}"
    return words, names


# The search vector of `search_parts` as SQL, for statements that write many records at once.
SEARCH_VECTOR_SQL = (
    f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, {{words}}), 'A') || "
    f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, {{names}}), 'B')"
)


def record_search_vector(*, text: str, text_format: str, author_name: str, author_handle: str):
    words, names = search_parts(
        text=text, text_format=text_format, author_name=author_name, author_handle=author_handle
    )
    return SearchVector(Value(words), weight="A", config=SEARCH_CONFIG) + SearchVector(
        Value(names), weight="B", config=SEARCH_CONFIG
    )


# The query language of the search box: words (all must match, inflections and compounds
# included), "a phrase", prefix*, -excluded and OR between alternatives.
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD_CHARS = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class QueryTerm:
    kind: str  # "word", "phrase" or "prefix"
    text: str
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    # A disjunction of conjunctions: [[term, term], [term]] means (a AND b) OR c.
    groups: list[list[QueryTerm]] = field(default_factory=list)

    def __bool__(self):
        return any(any(not term.negated for term in group) for group in self.groups)


def parse_query(text: str) -> ParsedQuery:
    groups: list[list[QueryTerm]] = [[]]
    for match in _TOKEN.finditer(text or ""):
        negated = bool(match.group(1))
        if match.group(2) is not None:
            phrase = " ".join(_WORD_CHARS.sub(" ", match.group(2)).split())
            if phrase:
                groups[-1].append(QueryTerm("phrase", phrase, negated))
            continue
        word_or_operator = match.group(3)
        if word_or_operator == "OR":
            if groups[-1]:
                groups.append([])
            continue
        token = word_or_operator
        if token.startswith("-") and len(token) > 1:
            negated, token = True, token[1:]
        prefix = token.endswith("*")
        words = _WORD_CHARS.sub(" ", token).split()
        for index, word in enumerate(words):
            is_prefix = prefix and index == len(words) - 1
            groups[-1].append(QueryTerm("prefix" if is_prefix else "word", word.lower(), negated))
    return ParsedQuery([group for group in groups if any(not term.negated for term in group)])


def tsquery_sql(query: ParsedQuery, *, config: str = SEARCH_CONFIG) -> tuple[str, list]:
    """The tsquery of a parsed query as SQL with parameters. Empty words (stop words) drop out."""
    params: list = []
    alternatives = []
    for group in query.groups:
        parts = []
        for term in group:
            if term.kind == "phrase":
                sql = "phraseto_tsquery(%s::regconfig, %s)"
                params += [config, term.text]
            elif term.kind == "prefix":
                # A prefix is matched against the stored lemmas and stems as typed, and as
                # the configuration normalises it ("skolan*" -> skola:*).
                sql = "(to_tsquery('simple', %s) || to_tsquery(%s::regconfig, %s))"
                literal = f"'{term.text}':*"
                params += [literal, config, literal]
            else:
                sql = "plainto_tsquery(%s::regconfig, %s)"
                params += [config, term.text]
            parts.append(f"!!{sql}" if term.negated else sql)
        alternatives.append("(" + " && ".join(parts) + ")")
    if not alternatives:
        return "NULL::tsquery", []
    return "(" + " || ".join(alternatives) + ")", params
