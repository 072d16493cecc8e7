"""Relevance of the Swedish search, and the first search on a new database connection.

Creates (and drops) its own database `smgov_bench_relevance`, archives the comments of
bench/relevance_sv.py and runs its queries through `archive.selectors.record_search`, against
PostgreSQL's built-in `swedish` configuration (Snowball alone) as the baseline. Then times the
first search on a new connection without loading the dictionary as the connection opens (the
baseline) and with it. Each line reads `<name>: <value> | baseline <name>: <value> | ratio <r>`.
"""

import os
import time

from bench import scratch

BENCH_DB = os.environ.get("SMGOV_BENCH_RELEVANCE_DB", "smgov_bench_relevance")


def _admin(settings_dict):
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


def _recreate(settings_dict, *, create: bool) -> None:
    admin = _admin(settings_dict)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            if create:
                cursor.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        admin.close()


def _archive_comments() -> tuple[object, dict[int, str]]:
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth.models import Group

    from accounts.models import Department, ServiceAccount, User
    from archive.models import RecordKind
    from archive.services import IncomingItem, record_ingest
    from bench.relevance_sv import COMMENTS

    department = Department.objects.create(name="Kommunstyrelseförvaltningen", series_code="KS")
    account = ServiceAccount.objects.create(
        platform="mastodon",
        display_name="Exempelby kommun",
        handle="exempelby",
        department=department,
        purpose="Information.",
        target_audience="Invånare.",
        response_time=timedelta(hours=24),
        state="active",
    )
    registrar = User.objects.create(username="relevance-registrar", department=department)
    registrar.groups.add(Group.objects.get(name="registrar"))
    keys = {}
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for number, (key, (text, author)) in enumerate(COMMENTS.items()):
        item = IncomingItem(
            platform_id=f"c{number}",
            kind=RecordKind.COMMENT,
            is_own=False,
            published_at=start + timedelta(minutes=number),
            text=text,
            author_name=author,
            raw={"id": f"c{number}", "text": text},
        )
        keys[record_ingest(account=account, item=item).record.pk] = key
    return registrar, keys


def _line(name: str, value: float, baseline: float, unit: str = "") -> str:
    ratio = value / baseline if baseline else float("inf")
    return f"{name}{unit}: {value:.2f} | baseline {name}{unit}: {baseline:.2f} | ratio {ratio:.2f}"


def _relevance(registrar, keys) -> None:
    from django.db import connection

    from archive.selectors import SearchFilters, record_search
    from bench.relevance_sv import KINDS, QUERIES, score

    def ours(query: str) -> set[str]:
        result = record_search(user=registrar, filters=SearchFilters(q=query), per_page=100, snippets=False)
        return {keys[record.pk] for record in result.records}

    def builtin(query: str) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM archive_record WHERE to_tsvector('swedish', text || ' ' || author_name) "
                "@@ plainto_tsquery('swedish', %s)",
                [query],
            )
            return {keys[row[0]] for row in cursor.fetchall()}

    mine, baseline = score(ours), score(builtin)
    print(f"relevance set: {len(keys)} comments, {len(QUERIES)} queries", flush=True)
    for kind in (*KINDS, "all"):
        print(_line(f"recall {kind}", mine[kind].recall, baseline[kind].recall))
        print(_line(f"precision {kind}", mine[kind].precision, baseline[kind].precision))
    for text, missed, extra in mine["all"].misses:
        print(f"  {text!r}: missed {missed or '-'}, not relevant {extra or '-'}")


def _cold_first_search(registrar, rounds: int = 3) -> None:
    """A new connection, then one search; with and without loading the dictionary as it opens."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    from archive.search import warm_search_dictionary
    from archive.selectors import SearchFilters, record_search

    def first_search() -> tuple[float, float]:
        connection.close()
        started = time.perf_counter()
        connection.ensure_connection()
        opened = time.perf_counter()
        record_search(user=registrar, filters=SearchFilters(q="skolan"), use_cache=False)
        return (opened - started) * 1000, (time.perf_counter() - opened) * 1000

    cold, warm = [], []
    for _ in range(rounds):
        connection_created.disconnect(dispatch_uid="archive.warm_search_dictionary")
        try:
            cold.append(first_search())
        finally:
            connection_created.connect(warm_search_dictionary, dispatch_uid="archive.warm_search_dictionary")
        warm.append(first_search())
    median = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    print(
        _line(
            "first search on a new connection",
            median([w[1] for w in warm]),
            median([c[1] for c in cold]),
            " ms",
        )
    )
    print(_line("opening a connection", median([w[0] for w in warm]), median([c[0] for c in cold]), " ms"))
    print(
        _line(
            "opening a connection and the first search",
            median([sum(w) for w in warm]),
            median([sum(c) for c in cold]),
            " ms",
        ),
        flush=True,
    )


def run(quick: bool = False) -> list:
    """Prints its scores and timings; the relevance set is small, so ``quick`` changes nothing."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smgov.settings")
    os.environ.setdefault("DEBUG", "false")
    django.setup()
    from django.conf import settings
    from django.db import connections

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    default = connections["default"]
    default.close()
    default.settings_dict["NAME"] = BENCH_DB
    scratch.create(BENCH_DB)
    try:
        registrar, keys = _archive_comments()
        _relevance(registrar, keys)
        _cold_first_search(registrar)
        return []
    finally:
        default.close()
        _recreate(default.settings_dict, create=False)


if __name__ == "__main__":
    run()
