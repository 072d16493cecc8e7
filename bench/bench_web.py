"""Pages under load: the moderation inbox at 10,000 open cases and the public listing `/konton/`.

Creates (and at the end drops) its own database `smgov_bench_web` (see bench/scratch.py).

Inbox: a communicator's inbox page (`/inkorg/`) in this process through Django's test client, each
sort timed at 100 open cases in the department (the baseline) and again at 10,000 (2,000 with
`--quick`), with the number of SQL statements one page takes. Target: p95 <= 150 ms and at most 15
statements at 10,000 open cases, for every sort.

`/konton/`: gunicorn (2 sync workers, as in docker-compose but one fewer) serves the bench database;
a bounded load loop on loopback (2 processes of 8 threads, each request on a new connection, as a
sync worker closes it) counts the responses in a fixed time, first for a static file from the same
server (WhiteNoise), then for `/konton/` without and with `If-None-Match`. Target: >= 0.5 of the
static file's requests per second.

    python -m bench web [--quick]
"""

import http.client
import multiprocessing
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

from bench import Result, scratch, servers

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "smgov_bench_web"
BASELINE_CASES = 100
CASES, QUICK_CASES = 10_000, 2_000
REQUESTS, QUICK_REQUESTS = 30, 12
LOAD_SECONDS, QUICK_LOAD_SECONDS = 8.0, 3.0
LOAD_PROCESSES, LOAD_THREADS = 2, 8
INBOX_TARGET_MS, INBOX_TARGET_QUERIES, KONTON_TARGET = 150, 15, 0.5
SORTS = ("deadline", "newest", "oldest", "account")


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def _django():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smgov.settings")
    os.environ.setdefault("DEBUG", "false")  # as in production: no query log kept in memory
    django.setup()
    from django.db import connections

    return connections


def _seed():
    """A department with three accounts and a communicator; a few more departments for /konton/."""
    from django.contrib.auth.models import Group

    from accounts.models import Department, ServiceAccount, User

    department = Department.objects.create(name="Samhällsbyggnadsförvaltningen", series_code="SBN")
    accounts = [
        ServiceAccount.objects.create(
            platform=platform, display_name=f"Exempelby {name}", handle=f"exempelby_{index}",
            department=department, purpose="Information till invånarna.", target_audience="Invånare.",
            response_time=timedelta(hours=24), state="active",
        )
        for index, (platform, name) in enumerate(
            [("facebook", "Samhällsbyggnad"), ("instagram", "Gator och parker"), ("mastodon", "Snöröjning")]
        )
    ]  # fmt: skip
    for code in ("KS", "BUN", "KFN", "SN", "TN"):
        other = Department.objects.create(name=f"Förvaltning {code}", series_code=code)
        for index in range(4):
            ServiceAccount.objects.create(
                platform=("youtube", "bluesky", "rss", "facebook")[index], display_name=f"Exempelby {code} {index}",
                handle=f"exempelby_{code.lower()}_{index}", department=other, purpose="Information.",
                target_audience="Invånare.", response_time=timedelta(hours=48), state="active",
            )  # fmt: skip
    user = User.objects.create(
        username="bench-communicator", first_name="Karin", last_name="Berg", department=department
    )
    user.groups.add(Group.objects.get(name="communicator"))
    return user, accounts


def _add_open_cases(accounts, start: int, count: int) -> None:
    """Comments with open cases (a few flagged, high priority or assigned), written in SQL."""
    from django.db import connection

    ids = [account.pk for account in accounts]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO archive_record (
                platform, platform_id, kind, is_own, parent_platform_id, thread_platform_id, author_name,
                author_handle, author_platform_id, text, text_format, media, permalink, published_at,
                first_seen_at, last_seen_at, removal_ground, removal_reason, legal_hold, raw_json,
                raw_canonical, raw_sha256, content_sha256, version_count, created_at, account_id,
                department_id, labels, escaped)
            SELECT a.platform, 'bench-' || n, 'comment', false, '', '', 'Invånare ' || (n %% 997),
                   'invanare' || (n %% 997), (n %% 997)::text,
                   'Fråga ' || n || ': när plogas gata ' || (n %% 211) || '? Bussen kom inte fram.', 'plain',
                   '[]', '', now() - (n %% 5000) * interval '1 minute', now(), now(), '', '', false, '{}',
                   '{}', repeat('0', 64), repeat('0', 64), 1, now(), a.id, a.department_id,
                   ARRAY['outcome:new']::varchar(60)[], false
              FROM generate_series(%s, %s) n
              JOIN accounts_serviceaccount a ON a.id = (%s::bigint[])[1 + n %% %s]
            """,
            [start, start + count - 1, ids, len(ids)],
        )
        cursor.execute(
            """
            INSERT INTO moderation_case (
                record_id, account_id, department_id, platform, state, deadline, priority,
                has_personal_data, has_ground, needs_manager, platform_action, platform_error,
                attention, opened_at, updated_at)
            SELECT r.id, r.account_id, r.department_id, r.platform, 'new',
                   r.published_at + interval '1 day', CASE WHEN r.id %% 20 = 0 THEN 1 ELSE 0 END,
                   r.id %% 50 = 0, false, false, '', '', false, r.published_at, r.published_at
              FROM archive_record r
             WHERE r.platform_id LIKE 'bench-%%' AND NOT EXISTS (
                   SELECT FROM moderation_case c WHERE c.record_id = r.id)
            """,
            [],
        )
        cursor.execute(
            """
            INSERT INTO moderation_caseflag (case_id, kind, ground, matched, start, "end", explanation)
            SELECT c.id, 'phone', '', '070-123 45 67', 0, 13, 'Phone number'
              FROM moderation_case c
             WHERE c.has_personal_data AND NOT EXISTS (SELECT FROM moderation_caseflag f WHERE f.case_id = c.id)
            """
        )
        cursor.execute("ANALYZE archive_record")
        cursor.execute("ANALYZE moderation_case")
        cursor.execute("ANALYZE moderation_caseflag")


def _inbox(client, requests: int) -> dict[str, tuple[float, int]]:
    """Each sort: (p95 in ms over ``requests`` pages, statements per page)."""
    from django.db import connection

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    measured = {}
    for sort in SORTS:
        url = f"/inkorg/?sort={sort}"
        for _ in range(2):  # warm-up
            assert client.get(url).status_code == 200
        statements.clear()
        with connection.execute_wrapper(count):
            client.get(url)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        measured[sort] = (_pct(timings, 0.95), len(statements))
    return measured


def _load_process(port: int, path: str, headers: dict, seconds: float, threads: int, out) -> None:
    count = [0] * threads
    errors = [0] * threads
    stop_at = time.monotonic() + seconds

    def loop(i: int) -> None:
        while time.monotonic() < stop_at:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status in (200, 304):
                    count[i] += 1
                else:
                    errors[i] += 1
            except OSError:
                errors[i] += 1
            finally:
                connection.close()

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((sum(count), sum(errors)))


def _requests_per_second(port: int, path: str, seconds: float, headers: dict | None = None) -> float:
    """Completed responses per second of LOAD_PROCESSES x LOAD_THREADS clients for ``seconds``."""
    queue = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=_load_process, args=(port, path, headers or {}, seconds, LOAD_THREADS, queue)
        )
        for _ in range(LOAD_PROCESSES)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    done = [queue.get(timeout=seconds + 60) for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.monotonic() - started
    if sum(errors for _count, errors in done):
        print(f"  {path}: {sum(e for _c, e in done)} failed requests", flush=True)
    return sum(count for count, _errors in done) / elapsed


def _konton(seconds: float) -> list[Result]:
    port = servers.free_port()
    server = servers.gunicorn(scratch.database_url(BENCH_DB), port)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/konton/")
        response = connection.getresponse()
        response.read()
        etag = response.getheader("ETag")
        for path in ("/static/favicon.svg", "/konton/"):  # each worker warmed
            for _ in range(6):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", path)
                c.getresponse().read()
        static = _requests_per_second(port, "/static/favicon.svg", seconds)
        page = _requests_per_second(port, "/konton/", seconds)
        conditional = _requests_per_second(port, "/konton/", seconds, {"If-None-Match": etag})
    finally:
        servers.stop(server)
    detail = {"clients": LOAD_PROCESSES * LOAD_THREADS, "seconds": seconds, "gunicorn_workers": 2}
    print(
        f"  /konton/ target >= {KONTON_TARGET} of the static file: {'met' if page >= KONTON_TARGET * static else 'NOT met'}",
        flush=True,
    )
    return [
        Result("/konton/ under load", page, "req/s", "static file, same server", static,
               {**detail, "target_ratio": KONTON_TARGET}),
        Result("/konton/ with If-None-Match (304)", conditional, "req/s", "static file, same server", static, detail),
    ]  # fmt: skip


def run(quick: bool = False) -> list[Result]:
    cases = QUICK_CASES if quick else CASES
    requests = QUICK_REQUESTS if quick else REQUESTS
    connections = _django()
    from django.test import Client

    default = connections["default"]
    default.close()
    default.settings_dict["NAME"] = BENCH_DB
    started = time.monotonic()
    scratch.create(BENCH_DB)
    print(f"  {BENCH_DB} ready in {time.monotonic() - started:.0f} s", flush=True)
    try:
        user, accounts = _seed()
        _add_open_cases(accounts, 0, BASELINE_CASES)
        client = Client()
        client.force_login(user)
        small = _inbox(client, requests)
        _add_open_cases(accounts, BASELINE_CASES, cases - BASELINE_CASES)
        large = _inbox(client, requests)
        results = []
        met = True
        for sort in SORTS:
            (p95, queries), (base_p95, base_queries) = large[sort], small[sort]
            met = met and p95 <= INBOX_TARGET_MS and queries <= INBOX_TARGET_QUERIES
            results.append(
                Result(f"inbox sort={sort} at {cases:,} open cases p95", p95, "ms",
                       f"inbox at {BASELINE_CASES} open cases p95", base_p95,
                       {"queries": queries, "baseline_queries": base_queries, "open_cases": cases,
                        "requests": requests, "target_ms": INBOX_TARGET_MS,
                        "target_queries": INBOX_TARGET_QUERIES})
            )  # fmt: skip
        print(
            "  inbox statements per page: "
            + ", ".join(f"{sort} {large[sort][1]} (at {BASELINE_CASES}: {small[sort][1]})" for sort in SORTS)
            + f"; target p95 <= {INBOX_TARGET_MS} ms and <= {INBOX_TARGET_QUERIES} statements: "
            + ("met" if met else "NOT met"),
            flush=True,
        )
        default.close()
        results += _konton(QUICK_LOAD_SECONDS if quick else LOAD_SECONDS)
        return results
    finally:
        default.close()
        scratch.drop(BENCH_DB)


if __name__ == "__main__":
    for result in run(quick="--quick" in sys.argv):
        print(result.line())
