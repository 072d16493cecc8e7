"""Reads of the archive: the registrar's search, the record page, exports.

The search is written for a million records. The matching rows are found through the GIN
index of the search vectors; the facet counts (and the total) come from one grouped pass over
at most `FACET_LIMIT` of them; only a bounded number of matches is ranked — when a search matches more
than `RANK_LIMIT` records they are listed newest first instead, which the index of
`published_at` serves without touching every match.
"""

import difflib
import hashlib
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import Department, Platform, ServiceAccount

from .models import (
    AccessLog,
    ChainEntry,
    ChainHead,
    ChainTimestamp,
    DisclosureExport,
    Record,
    RecordKind,
    RecordVersion,
)
from .permissions import visible_department_ids, visible_exports, visible_records
from .search import SEARCH_CONFIG, STEM_SUFFIX, exact_prefixes, parse_query, searchable_text, tsquery_sql

RANK_LIMIT = 2000
FACET_LIMIT = 2000
FACET_CACHE_SECONDS = 300
PER_PAGE = 20
MAX_PAGE = 500
AUTHOR_SIMILARITY = 0.4
HEADLINE_OPTIONS = (
    # ShortWord=0: a fragment keeps its short first word ("Vi kör snöröjningen ...").
    "StartSel=\x02, StopSel=\x03, MaxWords=30, MinWords=12, ShortWord=0, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)
SORTS = ("relevance", "newest", "oldest")
RESULT_FIELDS = (
    "kind", "platform", "author_name", "author_handle", "text", "text_format", "published_at",
    "removed_at", "deleted_on_platform_at", "purged_at", "version_count",
    "account__display_name", "account__platform", "department__name",
)  # fmt: skip


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    author: str = ""
    department: int | None = None
    account: int | None = None
    platform: str = ""
    kind: str = ""
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    removed: bool | None = None
    deleted: bool | None = None
    # Records chosen by another app's selector.
    record_ids: tuple[int, ...] | None = None
    # Values of the filters other apps add to the search, as (name, value) pairs.
    extra: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"


@dataclass(frozen=True)
class SearchFilterExtension:
    """A filter another app adds to the search without the archive knowing its tables.

    The app keeps labels on the records (`Record.labels`); `labels(value)` names the labels
    that mean the chosen value (a record with any of them matches). An app that handles records
    (moderation) registers its filters when it is loaded; they get facet counts like the others.

    Or, instead of labels, `condition(value)` gives an SQL condition on the record `r` and its
    parameters (the registry's "registered in the diary" asks its own table); such a filter
    gets no facet counts.
    """

    name: str
    label: str
    choices: Callable[[], list[tuple[str, str]]]
    labels: Callable[[str], list[str]] | None = None
    condition: Callable[[str], tuple[str, list]] | None = None


SEARCH_FILTER_EXTENSIONS: dict[str, SearchFilterExtension] = {}


def register_search_filter(extension: SearchFilterExtension) -> None:
    SEARCH_FILTER_EXTENSIONS[extension.name] = extension


# The words for the legal grounds a record was removed on. The archive stores the ground's code; the app
# that knows the grounds (moderation) registers their labels when it is loaded.
REMOVAL_GROUND_LABELS: dict[str, str] = {}


def register_removal_grounds(labels: dict[str, str]) -> None:
    REMOVAL_GROUND_LABELS.update(labels)


def removal_ground_label(code: str) -> str:
    """The ground in words, in the active language; a code nobody registered is shown as it is."""
    return str(REMOVAL_GROUND_LABELS.get(code, code))


@dataclass(frozen=True)
class MaskSuggestion:
    """A passage the secrecy review is offered to mask with one click, and the provision it would cite."""

    passage: str
    label: str
    provision: str


# Who can find passages worth masking in a text (moderation's personal-data detector registers itself).
MASK_SUGGESTERS: list = []


def register_mask_suggester(suggester) -> None:
    """``suggester(text) -> list[MaskSuggestion]``."""
    MASK_SUGGESTERS.append(suggester)


def mask_suggestions(text: str, *, masked: set[str] = frozenset()) -> list[MaskSuggestion]:
    """What the registered detectors found in the text, each passage once, leaving out what is masked."""
    found: dict[str, MaskSuggestion] = {}
    for suggester in MASK_SUGGESTERS:
        for suggestion in suggester(text):
            if suggestion.passage not in masked:
                found.setdefault(suggestion.passage, suggestion)
    return list(found.values())


def _labelled_extensions() -> dict[str, SearchFilterExtension]:
    """The extensions that filter by labels, and so are counted in the facets."""
    return {name: extension for name, extension in SEARCH_FILTER_EXTENSIONS.items() if extension.labels}


@dataclass
class FacetValue:
    value: object
    label: str
    count: int


@dataclass
class SearchPage:
    """What the pagination include needs, without counting twice."""

    number: int
    per_page: int
    count: int

    @property
    def num_pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.count // self.per_page)))

    @property
    def paginator(self):
        return self

    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


@dataclass
class SearchResult:
    records: list[Record]
    total: int
    page: SearchPage
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    ranked: bool = False
    # More matches than were counted: `total` and the facets are lower bounds.
    capped: bool = False
    snippets: dict[int, str] = field(default_factory=dict)


def _local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def search_where(*, user, filters: SearchFilters) -> tuple[list[str], list, str | None, list]:
    """The WHERE conditions of a search (with parameters), and its tsquery SQL if it has words."""
    where: list[str] = []
    params: list = []
    departments = visible_department_ids(user)
    if departments is not None:
        # bigint[], the column's type, so that the search indexes can answer it (see Record).
        where.append("r.department_id = ANY(%s::bigint[])")
        params.append(departments)
    tsquery, tsparams = None, []
    parsed = parse_query(filters.q)
    if parsed:
        tsquery, tsparams = tsquery_sql(parsed)
        # Built once, as a constant: the words' lemmas, stems and compound parts would otherwise
        # be looked up again for every match that is rechecked, ranked or highlighted.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ({tsquery})::text", tsparams)  # noqa: S608 - built from constants
            compact = cursor.fetchone()[0] or ""
            # Matched with its prefixes as the word forms they stand for (the index's work), ranked
            # and highlighted with the prefixes (each record's work: every form is one more term
            # to look up in each record ranked).
            matched = exact_prefixes(cursor, compact)
        tsquery, tsparams = "%s::tsquery", [compact]
        where.append("r.search_vector @@ %s::tsquery")
        params.append(matched)
    if filters.author.strip():
        where.append("(r.author_name %%> %s OR r.author_handle %%> %s)")
        params += [filters.author.strip(), filters.author.strip().lstrip("@")]
    for column, value in (
        ("department_id", filters.department),
        ("account_id", filters.account),
        ("platform", filters.platform),
        ("kind", filters.kind),
    ):
        if value:
            where.append(f"r.{column} = %s" + ("::bigint" if column.endswith("_id") else ""))
            params.append(value)
    if filters.year:
        filters = SearchFilters(
            **{
                **filters.__dict__,
                "date_from": max(filters.date_from or date.min, date(filters.year, 1, 1)),
                "date_to": min(filters.date_to or date.max, date(filters.year, 12, 31)),
            }
        )
    if filters.date_from:
        where.append("r.published_at >= %s")
        params.append(_local_day_start(filters.date_from))
    if filters.date_to:
        where.append("r.published_at < %s")
        params.append(_local_day_start(filters.date_to + timedelta(days=1)))
    for column, value in (("removed_at", filters.removed), ("deleted_on_platform_at", filters.deleted)):
        if value is not None:
            where.append(f"r.{column} IS {'NOT ' if value else ''}NULL")
    if filters.record_ids is not None:
        where.append("r.id = ANY(%s)")
        params.append(list(filters.record_ids))
    for name, value in filters.extra:
        extension = SEARCH_FILTER_EXTENSIONS.get(name)
        if extension is None or not value:
            continue
        if extension.condition is not None:
            condition, condition_params = extension.condition(value)
            where.append(condition)
            params += condition_params
            continue
        where.append("r.labels && %s::varchar[]")
        params.append(list(extension.labels(value)))
    return where, params, tsquery, tsparams


def _facets(cursor, where_sql: str, params: list, *, by_words: bool) -> tuple[int, dict[str, dict]]:
    """Counts per platform, kind, department, year and the other apps' filters over at most
    FACET_LIMIT + 1 matches.

    Grouping by all of them at once (a few hundred groups at most) and summing here is one pass.
    With words to match, the matches are read through the search index (with the other filters'
    indexes beside it), not by walking a date or department index and matching each record it
    passes: the planner cannot tell how many records it would have to pass (a year of records
    for a word in one of forty of them), and matching a record costs more than it assumes.
    """
    if by_words:
        cursor.execute("SET LOCAL enable_indexscan = off")
    cursor.execute(
        f"""
        SELECT platform, kind, department_id, extract(year FROM published_at AT TIME ZONE %s)::int, labels,
               count(*)
        FROM (
            SELECT r.platform, r.kind, r.department_id, r.published_at, r.labels
            FROM archive_record r WHERE {where_sql} LIMIT %s
        ) matches
        GROUP BY 1, 2, 3, 4, 5
        """,  # noqa: S608 - conditions are built from constants; values are parameters
        [timezone.get_default_timezone_name(), *params, FACET_LIMIT + 1],
    )
    rows = [list(row) for row in cursor.fetchall()]
    if by_words:
        cursor.execute("SET LOCAL enable_indexscan = on")
    # Which (filter, value) pairs each label counts for.
    meanings: dict[str, list[tuple[str, str]]] = {}
    for name, extension in _labelled_extensions().items():
        for value, _label in extension.choices():
            for label in extension.labels(value):
                meanings.setdefault(label, []).append((name, value))
    facets: dict[str, dict] = {"platform": {}, "kind": {}, "department": {}, "year": {}}
    facets |= {name: {} for name in _labelled_extensions()}
    # The total says FACET_LIMIT + 1 when there are more matches (the caller shows "more than
    # FACET_LIMIT"); the facets count FACET_LIMIT of them, so that no count exceeds the total
    # shown (which match is left out does not matter: the counted ones are an arbitrary part).
    total = sum(row[-1] for row in rows)
    if total > FACET_LIMIT:
        rows[-1][-1] -= 1
    for platform, kind, department_id, year, labels, count in rows:
        if not count:
            continue
        for name, value in (
            ("platform", platform),
            ("kind", kind),
            ("department", department_id),
            ("year", year),
        ):
            facets[name][value] = facets[name].get(value, 0) + count
        # A record counts once for each value one of its labels means.
        for name, value in {pair for label in labels or () for pair in meanings.get(label, ())}:
            facets[name][value] = facets[name].get(value, 0) + count
    return total, facets


def _facets_key(where_sql: str, params: list) -> str:
    return (
        "archive:facets:"
        + hashlib.sha256(json.dumps([where_sql, params, FACET_LIMIT], default=str).encode()).hexdigest()
    )


def _cached_facets(
    cursor, where_sql: str, params: list, *, use_cache: bool, by_words: bool
) -> tuple[int, dict[str, dict]]:
    if not use_cache:
        return _facets(cursor, where_sql, params, by_words=by_words)
    cached = cache.get(_facets_key(where_sql, params))
    if cached is None:
        cached = _facets(cursor, where_sql, params, by_words=by_words)
        cache.set(_facets_key(where_sql, params), cached, FACET_CACHE_SECONDS)
    return cached


def _agrees_with_page(total: int, *, offset: int, shown: int, more: bool) -> bool:
    """Whether counts (not capped) can be those of the page just read: the last page ends at the
    total, any other page lies before it."""
    return total > offset + shown if more else total == offset + shown or (shown == 0 and total <= offset)


def _labelled_facets(raw: dict[str, dict]) -> dict[str, list[FacetValue]]:
    platforms = dict(Platform.choices)
    kinds = dict(RecordKind.choices)
    departments = dict(Department.objects.filter(pk__in=list(raw["department"])).values_list("pk", "name"))
    return {
        "platform": sorted(
            (FacetValue(k, str(platforms.get(k, k)), n) for k, n in raw["platform"].items()),
            key=lambda f: (-f.count, f.label),
        ),
        "kind": sorted(
            (FacetValue(k, str(kinds.get(k, k)), n) for k, n in raw["kind"].items()),
            key=lambda f: (-f.count, f.label),
        ),
        "department": sorted(
            (FacetValue(k, departments.get(k, str(k)), n) for k, n in raw["department"].items()),
            key=lambda f: (-f.count, f.label),
        ),
        "year": sorted((FacetValue(k, str(k), n) for k, n in raw["year"].items()), key=lambda f: -f.value),
    } | {
        name: sorted(
            (FacetValue(k, str(labels.get(k, k)), n) for k, n in raw.get(name, {}).items()),
            key=lambda f: (-f.count, f.label),
        )
        for name, labels in ((name, dict(ext.choices())) for name, ext in _labelled_extensions().items())
    }


def record_search(
    *,
    user,
    filters: SearchFilters,
    page: int = 1,
    per_page: int = PER_PAGE,
    snippets: bool = True,
    use_cache: bool = True,
) -> SearchResult:
    """One page of the records the person may see that match, with facet counts beside it.

    Ordering is stable: every ordering ends with the record id.
    """
    where, params, tsquery, tsparams = search_where(user=user, filters=filters)
    where_sql = " AND ".join(where) or "TRUE"
    page = max(1, min(page, MAX_PAGE))
    with transaction.atomic(), connection.cursor() as cursor:
        # Compiling these short queries costs more than it saves, and a bitmap of 100,000
        # matches must fit in memory to stay exact (a lossy one rechecks every row).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '32MB'")
        if filters.author.strip():
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(AUTHOR_SIMILARITY)]
            )
        total, raw_facets = _cached_facets(
            cursor, where_sql, params, use_cache=use_cache, by_words=bool(tsquery)
        )
        ranked = bool(tsquery) and filters.sort == "relevance" and total <= min(FACET_LIMIT, RANK_LIMIT)
        if ranked:
            order = f"ts_rank_cd(r.search_vector, {tsquery}) DESC, r.published_at DESC, r.id DESC"
            order_params = tsparams
        elif filters.sort == "oldest":
            order, order_params = "r.published_at ASC, r.id ASC", []
        else:
            order, order_params = "r.published_at DESC, r.id DESC", []
        offset = (page - 1) * per_page
        # One more than the page, to tell whether the counts (if cached) still agree with it.
        cursor.execute(
            f"SELECT r.id FROM archive_record r WHERE {where_sql} ORDER BY {order} LIMIT %s OFFSET %s",  # noqa: S608
            [*params, *order_params, per_page + 1, offset],
        )
        ids = [row[0] for row in cursor.fetchall()]
        more, ids = len(ids) > per_page, ids[:per_page]
        if (
            use_cache
            and total <= FACET_LIMIT
            and not _agrees_with_page(total, offset=offset, shown=len(ids), more=more)
        ):
            # The records changed since the counts were cached: count again, so that the total
            # and the facets describe the hits on the page.
            cache.delete(_facets_key(where_sql, params))
            total, raw_facets = _cached_facets(
                cursor, where_sql, params, use_cache=True, by_words=bool(tsquery)
            )
        capped = total > FACET_LIMIT
        total = min(total, FACET_LIMIT)
    by_id = (
        Record.objects.select_related("account", "department")
        .only(*RESULT_FIELDS)  # what a result shows: building whole records costs more than the query
        .in_bulk(ids)
    )
    records = [by_id[pk] for pk in ids if pk in by_id]
    result = SearchResult(
        records=records,
        total=total,
        page=SearchPage(page, per_page, total),
        facets=_labelled_facets(raw_facets),
        ranked=ranked,
        capped=capped,
    )
    if snippets and tsquery and records:
        result.snippets = highlight(records=records, tsquery=tsquery, tsparams=tsparams)
    return result


def highlight(*, records: list[Record], tsquery: str, tsparams: list) -> dict[int, str]:
    """Snippets with the matching words marked, safe to put in a page as HTML.

    The record's text is HTML-escaped first (after removing two control characters), then
    PostgreSQL picks the fragments and marks the words with those control characters, which
    are finally turned into <mark> elements — so nothing from the record can become markup.
    """
    texts = [
        html.escape(searchable_text(record.text, record.text_format).replace("\x02", "").replace("\x03", ""))
        for record in records
    ]
    with connection.cursor() as cursor:
        # A record found through a word's stem rather than its lemma ("avgifter" for "avgift")
        # gets its words marked through the stemmer.
        cursor.execute(
            "SELECT CASE WHEN strpos(h, E'\\x02') > 0 THEN h ELSE ts_headline(%s::regconfig, t, q, %s) END "  # noqa: S608
            "FROM (SELECT n, t, q, ts_headline(%s::regconfig, t, q, %s) AS h "
            f"FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n), (SELECT {tsquery} AS q) query) marked "
            "ORDER BY n",
            [
                f"{SEARCH_CONFIG}{STEM_SUFFIX}",
                HEADLINE_OPTIONS,
                SEARCH_CONFIG,
                HEADLINE_OPTIONS,
                texts,
                *tsparams,
            ],
        )
        headlines = [row[0] for row in cursor.fetchall()]
    return {
        record.pk: headline.replace("\x02", "<mark>").replace("\x03", "</mark>")
        for record, headline in zip(records, headlines, strict=True)
    }


def search_record_ids(*, user, filters: SearchFilters, limit: int) -> list[int]:
    """Ids of all matches (newest first, at most `limit`), for "export all results"."""
    where, params, _tsquery, _ = search_where(user=user, filters=filters)
    with transaction.atomic(), connection.cursor() as cursor:
        if filters.author.strip():
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(AUTHOR_SIMILARITY)]
            )
        cursor.execute(
            f"SELECT r.id FROM archive_record r WHERE {' AND '.join(where) or 'TRUE'} "  # noqa: S608
            "ORDER BY r.published_at DESC, r.id DESC LIMIT %s",
            [*params, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def search_filter_choices(*, user) -> dict:
    """The departments and accounts a person can filter by."""
    departments = visible_department_ids(user)
    department_qs = Department.objects.order_by("name")
    account_qs = ServiceAccount.objects.order_by("display_name")
    if departments is not None:
        department_qs = department_qs.filter(pk__in=departments)
        account_qs = account_qs.filter(department_id__in=departments)
    return {"departments": list(department_qs), "accounts": list(account_qs)}


# The record page.


@dataclass
class DiffLine:
    tag: str  # "equal", "delete", "insert" or "replace"
    old: str
    new: str


@dataclass
class VersionPair:
    old: RecordVersion | None
    new: RecordVersion
    lines: list[DiffLine]


def version_pairs(versions: list[RecordVersion]) -> list[VersionPair]:
    """Each version beside the one before it, line by line."""
    pairs = []
    previous = None
    for version in versions:
        old_lines = previous.text.splitlines() if previous else []
        new_lines = version.text.splitlines()
        lines: list[DiffLine] = []
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            old_part, new_part = old_lines[i1:i2], new_lines[j1:j2]
            for index in range(max(len(old_part), len(new_part))):
                lines.append(
                    DiffLine(
                        tag,
                        old_part[index] if index < len(old_part) else "",
                        new_part[index] if index < len(new_part) else "",
                    )
                )
        pairs.append(VersionPair(previous, version, lines))
        previous = version
    return pairs


def record_for_page(*, user, pk: int) -> Record:
    return (
        visible_records(user)
        .select_related("account", "department", "source", "removed_by", "parent", "thread")
        .get(pk=pk)
    )


def record_thread(*, user, record: Record) -> list[Record]:
    """The post and the comments around it, oldest first, as far as the person may see."""
    root_id = record.thread_id or record.pk
    items = list(
        visible_records(user)
        .filter(pk=root_id)
        .union(visible_records(user).filter(thread_id=root_id))
        .order_by("published_at", "id")[:500]
    )
    for item in items:
        item.plain_text = searchable_text(item.text, item.text_format)
    return items


def record_versions(*, record: Record) -> list[RecordVersion]:
    return list(record.versions.select_related("source").order_by("number"))


def record_chain(*, record: Record) -> QuerySet[ChainEntry]:
    return ChainEntry.objects.filter(
        account_id=record.account_id, platform=record.platform, platform_id=record.platform_id
    ).order_by("seq")


def record_access_log(*, record: Record, limit: int = 50) -> list[AccessLog]:
    return list(AccessLog.objects.filter(record=record).select_related("user").order_by("-at", "-pk")[:limit])


def recently_archived(*, user, limit: int = 10) -> list[Record]:
    """The newest records the person may see, for the archive's start page."""
    return list(
        visible_records(user)
        .filter(purged_at__isnull=True)
        .select_related("account", "department")
        .order_by("-published_at", "-pk")[:limit]
    )


def exports_in_progress(*, user, limit: int = 10) -> list[DisclosureExport]:
    """The person's disclosures that are not yet taken out: drafts waiting for their secrecy review,
    PDFs being produced or ready."""
    return list(
        visible_exports(user)
        .filter(created_by=user)
        .exclude(access_log__action=AccessLog.Action.EXPORT)
        .order_by("-created_at")[:limit]
    )


def export_list(*, user) -> QuerySet[DisclosureExport]:
    return visible_exports(user).select_related("created_by")


def export_items(*, export: DisclosureExport):
    return list(export.items.select_related("record", "record__account", "record__department"))


# --- trusted timestamps of the hash chain -------------------------------------------------------


def chain_heads_without_timestamp() -> QuerySet[ChainHead]:
    """Chain heads past the first link whose current link has no token yet."""
    stamped = ChainTimestamp.objects.filter(
        account_id=OuterRef("account_id"), seq=OuterRef("seq"), token__isnull=False
    )
    return ChainHead.objects.filter(seq__gt=0).exclude(Exists(stamped)).order_by("account_id")


@dataclass(frozen=True)
class TimestampStatus:
    """What a person is told about an account's timestamps: the last token, and a failure since."""

    account: ServiceAccount
    head_seq: int
    last: ChainTimestamp | None
    failing: ChainTimestamp | None

    @property
    def current(self) -> bool:
        return self.last is not None and self.last.seq == self.head_seq


def chain_timestamp_status(*, accounts: QuerySet[ServiceAccount]) -> list[TimestampStatus]:
    """Per account with a chain: its newest token and the newest attempt that failed after it."""
    heads = dict(ChainHead.objects.filter(account__in=accounts, seq__gt=0).values_list("account_id", "seq"))
    last, failing = {}, {}
    for stamp in ChainTimestamp.objects.filter(account_id__in=heads).defer("token").order_by("seq"):
        if stamp.gen_time is not None:
            last[stamp.account_id] = stamp
            failing.pop(stamp.account_id, None)
        elif stamp.error:
            failing[stamp.account_id] = stamp
    return [
        TimestampStatus(account, heads[account.pk], last.get(account.pk), failing.get(account.pk))
        for account in accounts.filter(pk__in=heads).select_related("department").order_by("display_name")
    ]


def chain_timestamp_failures(*, accounts: QuerySet[ServiceAccount]) -> QuerySet[ChainTimestamp]:
    """The accounts whose newest timestamp attempt failed (the problem list)."""
    newer_token = ChainTimestamp.objects.filter(
        account_id=OuterRef("account_id"), seq__gt=OuterRef("seq"), token__isnull=False
    )
    return (
        ChainTimestamp.objects.filter(account__in=accounts, token__isnull=True)
        .exclude(error="")
        .exclude(Exists(newer_token))
        .select_related("account__department")
        .defer("token")
        .order_by("-last_attempt_at")
    )
