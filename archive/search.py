"""Swedish full-text search over the records.

PostgreSQL's built-in `swedish` configuration is a Snowball stemmer only: it stems "skola"
and "skolan" differently and never splits compounds. The records are therefore indexed with
`smgov_swedish`, which first asks an ispell dictionary built from Debian's hunspell-sv
(lemmas: skolan, skolor, skolans -> skola; compounds: snöröjningen -> snöröjning, snö,
röjning) and falls back to the Snowball stemmer for words the dictionary does not know.
Without the dictionary files the configuration uses the stemmer alone, and says so.

PostgreSQL maps a word through the first dictionary that knows it, and the two disagree
(hunspell-sv: plogas -> ploga but plogar -> plog; avgifter -> avgifta), so each record is
indexed three ways by the function `<config>_vector` (see `install_search_configuration`):
the lemmas (with positions, for phrases and ranking), the Snowball stems, and every long stem
reversed and marked with "<" — a query word then matches its inflected forms through either
the lemma or the stem, and the last part of a compound the dictionary does not split
("ansökan" in "bygglovsansökan", "böter" in "parkeringsböter") as a prefix of the reversed
stems. `<config>_word` builds that query for one word. "<" and ">" never reach the parser,
which would otherwise take a word between them in a plain-text comment for an HTML tag.
"""

import html
import logging
import re
from dataclasses import dataclass, field

import nh3
from django.contrib.postgres.search import SearchVectorField
from django.db.models import Func, Value

from .storable import SEARCHABLE_CHARS

logger = logging.getLogger(__name__)

# The text-search configuration the records are indexed with.
SEARCH_CONFIG = "smgov_swedish"
# The same words through the Snowball stemmer alone.
STEM_SUFFIX = "_stem"
# A stem this long is also indexed reversed, so that a compound is found by its last part ...
COMPOUND_MIN_CHARS = 6
# ... by a query word whose stem has at least this many characters ...
COMPOUND_PART_MIN_CHARS = 3
# ... and by its first part, a query word whose lemma or stem is this long (and most of the word).
COMPOUND_PREFIX_MIN_CHARS = 4
# The last part of a compound is compared without the definite endings the stemmer keeps
# (stadsbiblioteket ends in "bibliotek", förskolan in "skol" as skola does).
_COMPOUND_END = "regexp_replace({}, '(et|en|an)s?$', '')"
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
    stem = f"{config}{STEM_SUFFIX}"
    cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [stem])
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {stem} (COPY = pg_catalog.swedish)")
    cursor.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {stem} ALTER MAPPING FOR {', '.join(WORD_TOKENS)} WITH swedish_stem"
    )
    # The record's words (weight A) and names (B) as lemmas with positions, then the stems and
    # the reversed long stems without positions (they only decide whether a record matches).
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {config}_vector(words text, names text) RETURNS tsvector
        LANGUAGE sql STABLE PARALLEL SAFE AS $body$
          SELECT setweight(to_tsvector('{config}', w), 'A')
              || setweight(to_tsvector('{config}', translate(coalesce(names, ''), '<>', '  ')), 'B')
              || strip(s)
              || array_to_tsvector(ARRAY(
                   SELECT '<' || reverse({_COMPOUND_END.format("l")}) FROM unnest(tsvector_to_array(s)) l
                   WHERE char_length(l) >= {COMPOUND_MIN_CHARS:d}))
          FROM (SELECT w, to_tsvector('{stem}', w) AS s
                FROM (SELECT translate(coalesce(words, ''), '<>', '  ') AS w) t) u
        $body$
        """  # noqa: S608 - identifiers checked above, numbers are constants
    )
    # One query word: its lemmas or stem, as they are or as the start of a longer word (the
    # first part of a compound: "bygglov" in "bygglovsansökan"), or its stem as the end of one.
    # An alternative another one already covers is left out ("skola" and "skolan:*" beside
    # "skola:*", "snö & röjning" beside "röjning:*"): the same records match, and the index
    # merges every prefix's posting lists, which for a common word is most of a search's time.
    # A query with parentheses (a hyphenated word with several readings) keeps all of them.
    end = _COMPOUND_END.format("l")
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {config}_word(word text) RETURNS tsquery
        LANGUAGE sql STABLE PARALLEL SAFE AS $body$
          WITH given AS (
            SELECT w, plainto_tsquery('{config}', w) || plainto_tsquery('{stem}', w) AS q,
                   tsvector_to_array(to_tsvector('{config}', w)) AS lemmas,
                   tsvector_to_array(to_tsvector('{stem}', w)) AS stems
            FROM (SELECT translate(word, '<>', '  ') AS w) t
          ), prefixes AS (
            SELECT l AS prefix FROM given, unnest(lemmas || stems) l
             WHERE char_length(l) >= {COMPOUND_PREFIX_MIN_CHARS:d} AND char_length(l) >= char_length(w) - 3
            UNION
            SELECT '<' || reverse({end}) FROM given, unnest(stems) l
             WHERE char_length({end}) >= {COMPOUND_PART_MIN_CHARS:d}
          ), kept AS (
            SELECT prefix FROM prefixes p
             WHERE NOT EXISTS (SELECT FROM prefixes shorter
                                WHERE shorter.prefix <> p.prefix AND starts_with(p.prefix, shorter.prefix))
          ), alternatives AS (
            SELECT DISTINCT alternative FROM given, regexp_split_to_table(q::text, ' [|] ') alternative
             WHERE q::text <> ''
               AND NOT EXISTS (SELECT FROM regexp_matches(alternative, $re$'((?:[^']|'')*)'$re$, 'g') m, kept
                                WHERE starts_with(replace(m[1], '''''', ''''), kept.prefix))
          )
          SELECT CASE
                   WHEN strpos(q::text, '(') > 0 THEN
                     q || coalesce((SELECT string_agg(quote_literal(prefix) || ':*', ' | ') FROM kept), '')::tsquery
                   ELSE coalesce((SELECT string_agg(part, ' | ' ORDER BY part) FROM (
                                    SELECT alternative AS part FROM alternatives
                                    UNION ALL SELECT quote_literal(prefix) || ':*' FROM kept) parts), '')::tsquery
                 END
          FROM given
        $body$
        """  # noqa: S608 - identifiers checked above, numbers are constants
    )
    return has_ispell


def warm_search_dictionary(sender, connection, **kwargs) -> None:
    """Load the Swedish dictionary into a new database connection's server process.

    PostgreSQL reads the ispell files the first time a connection uses them (about two seconds
    for hunspell-sv); done as the connection opens — at a web worker's start, see smgov/wsgi.py —
    the first search on it is as fast as any other.
    """
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT ts_lexize(dictname::regdictionary, 'skolan') FROM pg_ts_dict WHERE dictname = %s",
                [ISPELL_DICTIONARY],
            )
    except Exception:  # the search still works, only its first use on this connection is slower
        logger.warning("Could not load the Swedish search dictionary into a new connection", exc_info=True)


def search_lexemes_fill(cursor) -> None:
    """Note every word form of the records' search vectors in `SearchLexeme`, as the records'
    triggers do for each vector written: for records written with the triggers off (or before
    they existed)."""
    cursor.execute(
        "INSERT INTO archive_searchlexeme (lexeme) SELECT word FROM ts_stat('SELECT search_vector "
        "FROM archive_record WHERE search_vector IS NOT NULL') ON CONFLICT DO NOTHING"
    )


def reindex_records(cursor, *, config: str = SEARCH_CONFIG) -> None:
    """Recompute every record's search vector, e.g. after the dictionary was installed."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", config):
        raise ValueError(f"not a plain identifier: {config!r}")
    cursor.execute(
        f"UPDATE archive_record SET search_vector = {config}_vector("  # noqa: S608 - an identifier
        f"left(text, {SEARCHABLE_CHARS:d}), author_name || ' ' || author_handle) "
        "WHERE text_format <> 'html' AND purged_at IS NULL"
    )
    cursor.execute(
        "SELECT id, text, author_name, author_handle FROM archive_record "
        "WHERE text_format = 'html' AND purged_at IS NULL"
    )
    for pk, text, author_name, author_handle in cursor.fetchall():
        cursor.execute(
            f"UPDATE archive_record SET search_vector = {config}_vector(%s, %s) WHERE id = %s",  # noqa: S608
            [searchable_text(text, "html")[:SEARCHABLE_CHARS], f"{author_name} {author_handle}", pk],
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


# The search vector of `search_parts` as SQL, for statements that write many records at once: the
# same function (migration 0016) that indexes each word by its lemma, its stem and compound parts.
SEARCH_VECTOR_SQL = f"{SEARCH_CONFIG}_vector({{words}}, {{names}})"


def record_search_vector(*, text: str, text_format: str, author_name: str, author_handle: str):
    words, names = search_parts(
        text=text, text_format=text_format, author_name=author_name, author_handle=author_handle
    )
    return Func(
        Value(words), Value(names), function=f"{SEARCH_CONFIG}_vector", output_field=SearchVectorField()
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
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", config):
        raise ValueError(f"not a plain identifier: {config!r}")
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
                # The word's lemmas, its stem, or the last part of a compound (see the module).
                sql = f"{config}_word(%s)"
                params += [term.text]
            parts.append(f"!!{sql}" if term.negated else sql)
        alternatives.append("(" + " && ".join(parts) + ")")
    if not alternatives:
        return "NULL::tsquery", []
    return "(" + " || ".join(alternatives) + ")", params


# A prefix term of a tsquery as PostgreSQL writes it: the word form quoted ('' for a quote, \\ for
# a backslash) and ":*" with no weights after it.
_PREFIX_TERM = re.compile(r"'((?:[^'\\]|''|\\.)*)':\*(?![A-D])")
_QUOTED = re.compile(r"''|\\(.)")
# A prefix standing for more word forms than this stays a prefix.
PREFIX_FORMS_LIMIT = 64


def _tsquery_quoted(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def exact_prefixes(cursor, query: str) -> str:
    """The tsquery text with each prefix replaced by the word forms of the archive it stands for
    (`SearchLexeme`, kept by the records' triggers), so that the same records match: an index scan
    for exact forms skips through their posting lists beside the other conditions, one for a prefix
    reads every list in full. One statement for all the prefixes of the query."""
    prefixes = {
        _QUOTED.sub(lambda m: m.group(1) or "'", match.group(1)): match.group(0)
        for match in _PREFIX_TERM.finditer(query)
    }
    if not prefixes:
        return query
    cursor.execute(
        "SELECT p, ARRAY(SELECT lexeme FROM archive_searchlexeme WHERE lexeme >= p AND lexeme < p || chr(1114111)"
        "                ORDER BY lexeme LIMIT %s) FROM unnest(%s::text[]) p",
        [PREFIX_FORMS_LIMIT + 1, list(prefixes)],
    )
    replacements = {}
    for prefix, forms in cursor.fetchall():
        if forms and len(forms) <= PREFIX_FORMS_LIMIT:
            replacements[prefixes[prefix]] = "( " + " | ".join(_tsquery_quoted(form) for form in forms) + " )"
    return _PREFIX_TERM.sub(lambda match: replacements.get(match.group(0), match.group(0)), query)
