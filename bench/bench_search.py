"""Search benchmark: a million Swedish records, one results page with its facet counts.

Creates (and at the end drops) its own database `smgov_bench`, fills it with
`SMGOV_BENCH_RECORDS` records (default 1,000,000; 10,000 with `--quick`) through COPY, and times
each query two ways in the same run: through `archive.selectors.record_search` (the page, its facets, the
records and their highlighted snippets, as the search page does it) and as the same query
written by hand in plain SQL. `SMGOV_BENCH_KEEP=1` keeps the database for another run
(`SMGOV_BENCH_REUSE=1` then skips the fill). Each query is one result line, its p50 through the
selector beside its p50 in plain SQL; then the p95 over all runs, with facets counted and cached.
"""

import io
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench import Result, scratch

BENCH_DB = os.environ.get("SMGOV_BENCH_DB", "smgov_bench")
RECORDS = int(os.environ.get("SMGOV_BENCH_RECORDS", "1000000"))
ROUNDS = int(os.environ.get("SMGOV_BENCH_ROUNDS", "5"))
# `make bench QUICK=1`: a small archive, two rounds.
QUICK_RECORDS, QUICK_ROUNDS = 10_000, 2
SEED = 20261102
# Targets: a results page with its facet counts, and the first query on a new connection.
TARGET_MS, COLD_TARGET_MS = 60, 200
COLD_QUERIES = 8

DEPARTMENTS = [
    ("Kommunstyrelseförvaltningen", "KS"),
    ("Barn- och utbildningsförvaltningen", "BUN"),
    ("Samhällsbyggnadsförvaltningen", "SBN"),
    ("Socialförvaltningen", "SN"),
    ("Kultur- och fritidsförvaltningen", "KFN"),
    ("Tekniska förvaltningen", "TN"),
]


def _words(text: str) -> list[str]:
    return text.split()


PLATFORMS = ["facebook", "instagram", "youtube", "mastodon", "bluesky", "rss"]
FIRST = _words(
    "Anna Eva Maria Karin Sara Lena Emma Kerstin Ingrid Johanna Lars Erik Karl Anders Johan Per Nils "
    "Mikael Jan Hans Peter Olof Sven Fredrik Gunilla Birgitta Ulla Åsa Örjan Björn Märta Göran"
)
LAST = _words(
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson "
    "Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Lindström Lindqvist Lindgren "
    "Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist Mattsson Berglund Fredriksson Sandberg "
    "Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson Håkansson Lundin Björk Bergman "
    "Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist Nyström Holmberg Arvidsson Löfgren "
    "Söderberg Nyberg Blomqvist Claesson Nordström Mårtensson Lundström Viklund Björklund Eliasson"
)
STREETS = _words(
    "Storgatan Kyrkogatan Skolgatan Järnvägsgatan Drottninggatan Parkvägen Björkvägen Ringvägen "
    "Industrigatan Åsgatan Sjövägen Älvgatan Norra Allén Södra Vägen Trädgårdsgatan Tallvägen"
)
PLACES = _words(
    "centrum Norrby Söderby Västra hamnen Östermalm Skogsbacken Ängsvik Bergsjön Lillån Kvarnbacken "
    "Tallåsen Ekbacken Strandängen Hagalund Mossen Kyrkbyn"
)
FACILITIES = [
    "biblioteket", "simhallen", "ishallen", "återvinningscentralen", "idrottshallen", "fritidsgården",
    "kommunhuset", "badplatsen", "motionsspåret", "lekplatsen", "förskolan", "skolan", "äldreboendet",
    "medborgarkontoret", "kulturhuset", "konsthallen", "gymnastiksalen", "skolbiblioteket",
]  # fmt: skip
TOPIC_TEMPLATES = [
    "Snöröjningen på {street} {when}.",
    "Plogningen i {place} börjar {time}, sandningen av gångbanorna följer efter.",
    "Varför har ingen plogat {street} ännu? Bussen kommer inte fram och barnen halkar på väg till skolan.",
    "När öppnar {facility} igen efter renoveringen?",
    "{Facility} har nya öppettider från och med {date}.",
    "Vattenledningen på {street} läcker, vattnet stängs av {time} i {place}.",
    "Kokningsrekommendation för dricksvattnet i {place} tills vidare.",
    "Matsedeln i skolorna för vecka {week}: fiskgratäng, köttbullar och vegetarisk lasagne.",
    "Skolans matsal är stängd på grund av vattenskada, eleverna äter i gymnastiksalen.",
    "Förskoleklassen på {place}skolan gör studiebesök på {facility}.",
    "Ansökan till förskola och fritidshem öppnar {date}.",
    "Bygglov för nya bostäder i {place} har beviljats av samhällsbyggnadsnämnden.",
    "Detaljplanen för {place} är ute på samråd, lämna dina synpunkter senast {date}.",
    "Gatubelysningen på {street} är trasig sedan flera veckor.",
    "Sophämtningen i {place} är försenad på grund av helgdagen.",
    "Kommunfullmäktige sammanträder {date}, mötet sänds direkt på webben.",
    "Budgeten för nästa år: mer pengar till äldreomsorgen och skolan.",
    "Hemtjänsten söker sommarvikarier, ansök senast {date}.",
    "Tack till alla som deltog i städdagen i {place}!",
    "Ny cykelväg mellan {place} och centrum invigs {date}.",
    "Trafikomläggning på {street} under vägarbetet, räkna med förseningar.",
    "Ishallens konstfrusna bana är öppen för allmänhetens åkning {time}.",
    "Simskolan för barn startar {date}, anmälan via e-tjänsten.",
    "Parkeringen vid {facility} stängs för asfaltering {time}.",
    "Brandövning vid {facility} {time}, ingen fara.",
    "Biblioteksbussen kommer till {place} varannan tisdag.",
    "Hur ansöker man om bostadsanpassning?",
    "Felanmälan om potthål på {street}, det är farligt för cyklister.",
    "Lekplatsen i {place} har fått nya gungor och en klätterställning.",
    "Kulturskolans konsert i kulturhuset {date}, fri entré.",
    "Valet närmar sig: här kan du förtidsrösta i kommunen.",
    "Krisberedskapsveckan: har du vatten, värme och mat för en vecka?",
    "Tyck till om kollektivtrafiken i {place}!",
    "Äldreboendet {place}gården får besök av skolklasser inför jul.",
    "Snöskottning av taken på kommunens fastigheter pågår, gå inte under takfoten.",
]
COMMENTS = [
    "Bra initiativ!", "Varför tar det så lång tid?", "Tack för informationen.", "Äntligen!",
    "Det här är ett slöseri med skattepengar.", "Gäller det även {place}?", "Hur gör jag för att anmäla mig?",
    "Min granne har klagat på det här i månader.", "Kan ni svara på mejl också?", "Vilken tid börjar det?",
    "Skandal att ingen har plogat {street}.", "Barnen älskar {facility}.", "Vem ansvarar för detta?",
    "Jag ringde kundtjänst men fick inget svar.", "Snälla, laga gatubelysningen på {street}.",
]  # fmt: skip
WHEN = ["börjar i natt", "pågår hela dagen", "är klar", "börjar i morgon bitti", "fortsätter i helgen"]
TIMES = ["i natt", "i morgon", "på måndag", "under förmiddagen", "i eftermiddag", "nästa vecka"]
START = datetime(2019, 1, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)

# The queries a registrar runs: (label, filters as keyword arguments, as which user)
QUERIES = [
    ("skolan", {"q": "skolan"}, "registrar"),
    ("skolor (all depts)", {"q": "skolor"}, "web"),
    ("snöröjning", {"q": "snöröjning"}, "web"),
    ("snö (compound part)", {"q": "snö"}, "web"),
    ("plogat gatan", {"q": "plogat storgatan"}, "web"),
    ('"snöröjningen på"', {"q": '"snöröjningen på storgatan"'}, "web"),
    ("bibliot*", {"q": "bibliot*"}, "web"),
    ("vatten + platform", {"q": "vattnet", "platform": "facebook"}, "web"),
    ("detaljplan + year", {"q": "detaljplanen", "year": 2024}, "web"),
    ("bygglov, dept", {"q": "bygglov"}, "registrar"),
    ("rare: kokningsrekommendation", {"q": "kokningsrekommendation"}, "web"),
    ("rare + date", {"q": "brandövning", "date_from": "2025-01-01", "date_to": "2025-06-30"}, "web"),
    ("OR query", {"q": "simhallen OR ishallen"}, "web"),
    ("no words, dept filter", {"department": "BUN"}, "web"),
    ("author trigram", {"author": "Lindqvst"}, "registrar"),
    ("removed only", {"removed": True}, "web"),
    ("phone numbers (flag)", {"extra": (("flag", "phone"),)}, "registrar"),
    ("skolan + personal data", {"q": "skolan", "extra": (("flag", "personal_data"),)}, "web"),
    ("plogat + not handled", {"q": "plogat", "extra": (("outcome", "open"),)}, "web"),
]


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smgov.settings")
    os.environ.setdefault("DEBUG", "false")  # as in production: no query log kept in memory
    django.setup()
    from django.conf import settings

    # The facet counts it caches stay in this process.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.db import connections

    return connections


def _admin_connection(settings_dict):
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres",
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        password=settings_dict.get("PASSWORD") or None,
    )
    connection.autocommit = True
    return connection


def _switch_to_bench(connections) -> dict:
    default = connections["default"]
    default.close()
    default.settings_dict["NAME"] = BENCH_DB
    return default.settings_dict


def _drop_database(settings_dict) -> None:
    admin = _admin_connection(settings_dict)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    finally:
        admin.close()


def _people_and_accounts():
    from django.contrib.auth.models import Group

    from accounts.models import Department, ServiceAccount, User

    departments = {}
    for name, code in DEPARTMENTS:
        departments[code] = Department.objects.create(name=name, series_code=code)
    accounts = []
    for code, department in departments.items():
        for index in range(4):
            platform = PLATFORMS[(len(accounts) + index) % len(PLATFORMS)]
            accounts.append(
                ServiceAccount.objects.create(
                    platform=platform,
                    display_name=f"Exempelby kommun – {code} {index + 1}",
                    handle=f"exempelby_{code.lower()}_{index + 1}",
                    department=department,
                    purpose="Information.",
                    target_audience="Invånare.",
                    response_time=timedelta(hours=24),
                    state="active",
                )
            )
    registrar = User.objects.create(username="bench-registrar", department=departments["BUN"])
    registrar.groups.add(Group.objects.get(name="registrar"))
    web = User.objects.create(username="bench-web", department=departments["KS"])
    web.groups.add(Group.objects.get(name="web_communicator"))
    return departments, accounts, {"registrar": registrar, "web": web}


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        street=rng.choice(STREETS),
        place=rng.choice(PLACES),
        facility=rng.choice(FACILITIES),
        Facility=rng.choice(FACILITIES).capitalize(),
        when=rng.choice(WHEN),
        time=rng.choice(TIMES),
        date=f"{rng.randint(1, 28)} {rng.choice(['januari', 'mars', 'maj', 'augusti', 'oktober', 'december'])}",
        week=rng.randint(1, 52),
    )


def _copy_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _generate_chunk(task) -> str:
    """COPY rows for records number `start` to `end` (one worker process's share)."""
    from archive.hashing import canonical_json, sha256_hex, version_hash

    accounts, start, end, count = task
    rng = random.Random(SEED * 1_000_003 + start)
    span = (END - START).total_seconds()
    # Comments answer one of the account's recent posts in the same chunk.
    posts_by_account: dict[int, list[int]] = {account[0]: [] for account in accounts}
    lines = []
    for number in range(start, end):
        account_id, platform, department_id, display_name, account_handle = accounts[
            rng.randrange(len(accounts))
        ]
        published = START + timedelta(seconds=span * (number / count) + rng.random() * 3600)
        posts = posts_by_account[account_id]
        is_post = not posts or rng.random() < 0.25
        platform_id = f"{platform[:2]}{number}"
        if is_post:
            kind, is_own, thread_id = "post", True, number
            text = " ".join(_fill(rng.choice(TOPIC_TEMPLATES), rng) for _ in range(rng.randint(1, 3)))
            author, handle = display_name, account_handle
            posts.append(number)
            if len(posts) > 50:
                posts.pop(0)
        else:
            kind, is_own, thread_id = "comment", False, rng.choice(posts)
            parts = [_fill(rng.choice(COMMENTS), rng)]
            if rng.random() < 0.4:
                parts.append(_fill(rng.choice(TOPIC_TEMPLATES), rng))
            text = " ".join(parts)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            author, handle = f"{first} {last}", f"{first.lower()}{last.lower()}{rng.randint(1, 99)}"
        raw = {
            "id": platform_id,
            "created_time": published.isoformat(),
            "message": text,
            "from": {"name": author, "id": f"u{rng.randint(1, 10**9)}"},
            "permalink_url": f"https://example.invalid/{account_handle}/{platform_id}",
            "reactions": {"summary": {"total_count": rng.randint(0, 500)}},
            "comments": {"summary": {"total_count": rng.randint(0, 80)}},
        }
        canonical = canonical_json(raw)
        raw_sha = sha256_hex(canonical)
        content_sha = version_hash(
            platform=platform, platform_id=platform_id, number=1, text=text, raw_sha256=raw_sha
        )
        removed = rng.random() < 0.005
        deleted = rng.random() < 0.02
        fields = [
            str(number), str(account_id), str(department_id), platform, platform_id, kind,
            "t" if is_own else "f", str(thread_id), author, handle, text, canonical,
            canonical, raw_sha, content_sha, published.isoformat(),
            (published + timedelta(days=2)).isoformat() if removed else "\\N",
            "unlawful_threat" if removed else "",
            (published + timedelta(days=5)).isoformat() if deleted else "\\N",
        ]  # fmt: skip
        lines.append("\t".join(f if f == "\\N" else _copy_escape(f) for f in fields))
    return "\n".join(lines) + "\n"


def _generate(accounts, count: int, chunk: int = 50_000):
    """COPY buffers of generated rows, made by as many processes as there are cores."""
    import multiprocessing

    plain = [(a.pk, a.platform, a.department_id, a.display_name, a.handle) for a in accounts]
    tasks = [(plain, start, min(start + chunk, count + 1), count) for start in range(1, count + 1, chunk)]
    context = multiprocessing.get_context("fork")
    with context.Pool(os.cpu_count() or 2) as pool:
        for text in pool.imap(_generate_chunk, tasks):
            yield io.StringIO(text)


STAGING_COLUMNS = (
    "id bigint, account_id bigint, department_id bigint, platform text, platform_id text, kind text, "
    "is_own boolean, thread_id bigint, author_name text, author_handle text, text text, raw_json jsonb, "
    "raw_canonical text, raw_sha256 text, content_sha256 text, published_at timestamptz, "
    "removed_at timestamptz, removal_ground text, deleted_on_platform_at timestamptz"
)
SEARCH_INDEXES = ("record_search_gin", "record_author_name_trgm", "record_author_handle_trgm")


def _load(connections, accounts, count: int) -> None:
    from django.db import connection

    from archive.search import search_lexemes_fill

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE bench_staging ({STAGING_COLUMNS})")
        raw = cursor.connection
        with raw.cursor() as copy_cursor:
            for buffer in _generate(accounts, count):
                buffer.seek(0)
                copy_cursor.copy_expert("COPY bench_staging FROM STDIN", buffer)
    print(f"  generated and copied {count:,} rows in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    index_definitions = {}
    with connection.cursor() as cursor:
        for name in SEARCH_INDEXES:
            cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [name])
            index_definitions[name] = cursor.fetchone()[0]
            cursor.execute(f"DROP INDEX {name}")
        # The generator links every comment to an existing post; checking each foreign key
        # (and across the two loading sessions) would only slow the fill down.
        cursor.execute("ALTER TABLE archive_record DISABLE TRIGGER ALL")
    # Two sessions compute the search vectors (lemmas, stems, compound parts) in parallel.
    import threading

    def insert(part: int) -> None:
        import psycopg2

        settings = connection.settings_dict
        session = psycopg2.connect(
            dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
        )
        with session, session.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO archive_record (
                    id, account_id, department_id, platform, platform_id, kind, is_own, thread_id,
                    parent_id, parent_platform_id, thread_platform_id, author_name, author_handle,
                    author_platform_id, text, text_format, escaped, media, permalink, published_at, first_seen_at,
                    last_seen_at, removed_at, removal_ground, removal_reason, deleted_on_platform_at,
                    legal_hold, raw_json, raw_canonical, raw_sha256, content_sha256, version_count,
                    search_vector, labels, created_at)
                SELECT id, account_id, department_id, platform, platform_id, kind, is_own, thread_id,
                    NULL, '', '', author_name, author_handle, '', text, 'plain', false, '[]', '', published_at,
                    published_at, published_at, removed_at, removal_ground, '', deleted_on_platform_at,
                    false, raw_json, raw_canonical, raw_sha256, content_sha256, 1,
                    smgov_swedish_vector(text, author_name || ' ' || author_handle),
                    CASE WHEN kind = 'comment' THEN
                        ARRAY['outcome:' || {CASE_STATE.replace("%", "%%")}]
                        || CASE WHEN {CASE_PHONE.replace("%", "%%")} THEN ARRAY['flag:personal_data', 'flag:phone'] ELSE '{{}}' END
                    ELSE '{{}}' END::varchar[],
                    published_at
                FROM bench_staging WHERE id %% 2 = %s
                """,  # noqa: S608 - constants only
                [part],
            )
        session.close()

    failures = []

    def insert_or_fail(part: int) -> None:
        try:
            insert(part)
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=insert_or_fail, args=(part,)) for part in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE archive_record ENABLE TRIGGER ALL")
        search_lexemes_fill(cursor)  # what the records' triggers, off for the fill, would have noted
        cursor.execute("DROP TABLE bench_staging")
        cursor.execute("SELECT setval(pg_get_serial_sequence('archive_record', 'id'), %s)", [count])
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in index_definitions.values():
            cursor.execute(definition)
    print(f"  search vectors and indexes in {time.monotonic() - started:.0f} s", flush=True)
    started = time.monotonic()
    connection.close()
    import psycopg2

    settings = connection.settings_dict
    session = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    )
    session.autocommit = True
    with session.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) archive_record")
    session.close()
    print(f"  vacuum and analyze in {time.monotonic() - started:.0f} s", flush=True)


# The moderation cases of the generated comments: their state and phone-number flag, the same in
# the records' labels (set as they are loaded) and in the cases.
CASE_STATE = "(ARRAY['answered', 'no_action', 'answered', 'no_action', 'new', 'removed'])[1 + id % 6]"
CASE_PHONE = "id % 50 = 0"


def _fill_cases() -> None:
    """A moderation case for every comment (most handled, some open), a phone-number flag on one in
    fifty: what the moderation filters of the search ask about."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        # The labels are in the records already; the triggers that keep them would only slow this.
        cursor.execute("ALTER TABLE moderation_case DISABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE moderation_caseflag DISABLE TRIGGER ALL")
        cursor.execute(
            f"""
            INSERT INTO moderation_case (
                record_id, account_id, department_id, platform, state, deadline, priority,
                has_personal_data, has_ground, needs_manager, platform_action, platform_error,
                attention, opened_at, updated_at, closed_at)
            SELECT id, account_id, department_id, platform, {CASE_STATE},
                published_at + interval '1 day', 0, {CASE_PHONE}, false, false, '', '', false,
                published_at, published_at, CASE WHEN {CASE_STATE} = 'new' THEN NULL ELSE published_at END
            FROM archive_record WHERE kind = 'comment'
            """  # noqa: S608 - constants only
        )
        cursor.execute(
            """
            INSERT INTO moderation_caseflag (case_id, kind, ground, matched, start, "end", explanation)
            SELECT id, 'phone', '', '070-123 45 67', 0, 13, 'Phone number'
            FROM moderation_case WHERE has_personal_data
            """
        )
        cursor.execute("ALTER TABLE moderation_case ENABLE TRIGGER ALL")
        cursor.execute("ALTER TABLE moderation_caseflag ENABLE TRIGGER ALL")
        cursor.execute("ANALYZE moderation_case")
        cursor.execute("ANALYZE moderation_caseflag")
    print(f"  moderation cases in {time.monotonic() - started:.0f} s", flush=True)


def _filters(spec: dict, departments):
    from datetime import date

    from archive.selectors import SearchFilters

    values = dict(spec)
    if "department" in values:
        values["department"] = departments[values["department"]].pk
    for key in ("date_from", "date_to"):
        if key in values:
            values[key] = date.fromisoformat(values[key])
    return SearchFilters(**values)


def _plain_sql(cursor, *, filters, user, per_page: int = 20) -> None:
    """The same page and facets as the selector, written by hand."""
    from archive.selectors import FACET_LIMIT, RANK_LIMIT, search_where

    where, params, tsquery, tsparams = search_where(user=user, filters=filters)
    where_sql = " AND ".join(where) or "TRUE"
    if tsquery:  # as the selector counts matches of words: through the search index
        cursor.execute("SET enable_indexscan = off")
    cursor.execute(
        f"""SELECT platform, kind, department_id,
                   extract(year FROM published_at AT TIME ZONE 'Europe/Stockholm')::int, count(*)
            FROM (SELECT platform, kind, department_id, published_at FROM archive_record r
                  WHERE {where_sql} LIMIT %s) m
            GROUP BY 1, 2, 3, 4""",  # noqa: S608
        [*params, FACET_LIMIT + 1],
    )
    total = sum(row[4] for row in cursor.fetchall())
    cursor.execute("SET enable_indexscan = on")
    if tsquery and total <= RANK_LIMIT:
        order, order_params = (
            f"ts_rank_cd(r.search_vector, {tsquery}) DESC, published_at DESC, id DESC",
            tsparams,
        )
    else:
        order, order_params = "published_at DESC, id DESC", []
    cursor.execute(
        f"""SELECT r.id, r.text, r.author_name, r.published_at, a.display_name, d.name
            FROM archive_record r JOIN accounts_serviceaccount a ON a.id = r.account_id
            JOIN accounts_department d ON d.id = r.department_id
            WHERE {where_sql} ORDER BY {order} LIMIT %s""",  # noqa: S608
        [*params, *order_params, per_page],
    )
    rows = cursor.fetchall()
    if tsquery and rows:
        cursor.execute(
            f"SELECT ts_headline('smgov_swedish', t, {tsquery}) FROM unnest(%s::text[]) t",  # noqa: S608
            [*tsparams, [row[1] for row in rows]],
        )
        cursor.fetchall()


def _naive_rank_all(cursor, *, filters, user) -> None:
    """For reference: ranking every match, as a first attempt would."""
    from archive.selectors import search_where

    where, params, tsquery, tsparams = search_where(user=user, filters=filters)
    if not tsquery:
        return
    cursor.execute(
        f"SELECT id FROM archive_record r WHERE {' AND '.join(where)} "  # noqa: S608
        f"ORDER BY ts_rank_cd(r.search_vector, {tsquery}) DESC, id DESC LIMIT 20",
        [*params, *tsparams],
    )
    cursor.fetchall()


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[index]


def _measure(departments, users, *, rounds: int, records: int) -> list[Result]:
    from django.db import connection

    from archive.selectors import AUTHOR_SIMILARITY, record_search

    timings = {label: {"selector": [], "sql": [], "naive": [], "warm": []} for label, _spec, _who in QUERIES}
    totals = {}
    with connection.cursor() as cursor:
        # The plain SQL runs with the settings the selector sets for its own transaction.
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(AUTHOR_SIMILARITY)]
        )
        cursor.execute("SET jit = off")
        cursor.execute("SET work_mem = '32MB'")
    for round_number in range(rounds + 1):
        for label, spec, who in QUERIES:
            filters = _filters(spec, departments)
            user = users[who]
            started = time.perf_counter()
            result = record_search(user=user, filters=filters, use_cache=False)
            selector_ms = (time.perf_counter() - started) * 1000
            # The same search again with its facet counts cached, as when paging through it.
            record_search(user=user, filters=filters, page=2)
            started = time.perf_counter()
            record_search(user=user, filters=filters)
            warm_ms = (time.perf_counter() - started) * 1000
            with connection.cursor() as cursor:
                started = time.perf_counter()
                _plain_sql(cursor, filters=filters, user=user)
                sql_ms = (time.perf_counter() - started) * 1000
                naive_ms = None
                if round_number < 2:
                    started = time.perf_counter()
                    _naive_rank_all(cursor, filters=filters, user=user)
                    naive_ms = (time.perf_counter() - started) * 1000
            if round_number == 0:  # warm-up: dictionaries loaded, caches filled
                totals[label] = f"{'>' if result.capped else ''}{result.total:,}"
                continue
            timings[label]["warm"].append(warm_ms)
            timings[label]["selector"].append(selector_ms)
            timings[label]["sql"].append(sql_ms)
            if naive_ms is not None:
                timings[label]["naive"].append(naive_ms)
    # The first query on a new connection (a web worker's connection is closed after each request
    # unless CONN_MAX_AGE keeps it): connecting, the session set-up and the query, both ways.
    cold, cold_sql = [], []
    for _label, spec, who in QUERIES[:COLD_QUERIES]:
        filters = _filters(spec, departments)
        connection.close()
        started = time.perf_counter()
        record_search(user=users[who], filters=filters, use_cache=False)
        cold.append((time.perf_counter() - started) * 1000)
        connection.close()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(AUTHOR_SIMILARITY)]
            )
            _plain_sql(cursor, filters=filters, user=users[who])
        cold_sql.append((time.perf_counter() - started) * 1000)
    results = []
    all_selector, all_sql, all_warm = [], [], []
    for label, values in timings.items():
        selector, sql, warm = values["selector"], values["sql"], values["warm"]
        all_selector += selector
        all_sql += sql
        all_warm += warm
        detail = {
            "matches": totals[label],
            "selector_p95_ms": round(_pct(selector, 0.95), 2),
            "sql_p95_ms": round(_pct(sql, 0.95), 2),
            "cached_p50_ms": round(_pct(warm, 0.5), 2),
        }
        if values["naive"]:
            detail["rank_all_p50_ms"] = round(statistics.median(values["naive"]), 2)
        results.append(
            Result(f"search {label} ({totals[label]} matches) p50", _pct(selector, 0.5), "ms",
                   "plain SQL p50", _pct(sql, 0.5), detail)
        )  # fmt: skip
    size = {"records": records, "runs": len(all_selector)}
    results.append(
        Result(f"search all queries at {records:,} records p95", _pct(all_selector, 0.95), "ms",
               "plain SQL p95", _pct(all_sql, 0.95), {**size, "target_ms": TARGET_MS})
    )  # fmt: skip
    results.append(
        Result("search all queries, facets cached, p95", _pct(all_warm, 0.95), "ms",
               "plain SQL p95", _pct(all_sql, 0.95), size)
    )  # fmt: skip
    results.append(
        Result("search, first query on a new connection, p95", _pct(cold, 0.95), "ms",
               "plain SQL on a new connection p95", _pct(cold_sql, 0.95),
               {"queries": len(cold), "target_ms": COLD_TARGET_MS})
    )  # fmt: skip
    target = "met" if _pct(all_selector, 0.95) <= TARGET_MS else "NOT met"
    cold_target = "met" if _pct(cold, 0.95) <= COLD_TARGET_MS else "NOT met"
    print(
        f"  target p95 <= {TARGET_MS} ms for a results page with its facet counts: {target}; "
        f"first query on a new connection p95 <= {COLD_TARGET_MS} ms: {cold_target}",
        flush=True,
    )
    return results


def run(quick: bool = False) -> list[Result]:
    records = QUICK_RECORDS if quick and "SMGOV_BENCH_RECORDS" not in os.environ else RECORDS
    rounds = QUICK_ROUNDS if quick and "SMGOV_BENCH_ROUNDS" not in os.environ else ROUNDS
    connections = _django()
    settings_dict = _switch_to_bench(connections)
    reuse = os.environ.get("SMGOV_BENCH_REUSE") == "1"
    if not reuse:
        started = time.monotonic()
        scratch.create(BENCH_DB)
        print(f"  {BENCH_DB} ready in {time.monotonic() - started:.0f} s", flush=True)
    try:
        if not reuse:
            departments, accounts, users = _people_and_accounts()
            _load(connections, accounts, records)
            _fill_cases()
        else:
            from accounts.models import Department, User

            departments = {d.series_code: d for d in Department.objects.all()}
            users = {
                "registrar": User.objects.get(username="bench-registrar"),
                "web": User.objects.get(username="bench-web"),
            }
        return _measure(departments, users, rounds=rounds, records=records)
    finally:
        connections["default"].close()
        if os.environ.get("SMGOV_BENCH_KEEP") != "1":
            _drop_database(settings_dict)
