"""Ingest throughput of one process on recorded pages, beside a raw COPY of the same rows.

The pipeline path is what a worker does per page: parse the recorded bytes with the Mastodon
connector, then in one transaction store the response, upsert every item (record, version, hashes,
search vector) and hand each new comment to moderation, which flags it and opens a case. The COPY
path writes the very rows that produced (records and versions) straight into the same tables: the
floor no ORM code can beat. Runs in its own database, created and dropped here.

    python -m bench.bench_ingest [--pages 20] [--per-page 100]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "smgov_bench_ingest"


def _admin_dsn() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL") or (
        f"postgres://smgov@127.0.0.1:{os.environ.get('SMGOV_PG_PORT', '25432')}/smgov"
    )
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), urlunsplit(parts._replace(path=f"/{DB_NAME}"))


def _database(action: str) -> None:
    import psycopg2

    admin, _ = _admin_dsn()
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        if action == "create":
            cursor.execute(f"CREATE DATABASE {DB_NAME}")
    connection.close()


def run(pages: int = 20, per_page: int = 100) -> dict:
    """Create the bench database, measure in a fresh process, drop the database; print and return."""
    _database("create")
    try:
        env = dict(
            os.environ,
            DATABASE_URL=_admin_dsn()[1],
            DJANGO_SETTINGS_MODULE="smgov.settings",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            HARVEST_DOWNLOAD_MEDIA="false",
            DEBUG="false",  # as in production: no query log kept in memory
            PYTHONPATH=str(ROOT),
        )
        out = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.bench_ingest", "--inner", f"--pages={pages}", f"--per-page={per_page}"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    finally:
        _database("drop")
    result = json.loads(out.strip().splitlines()[-1])
    print(
        f"ingest: {result['items']} items in {result['pages']} pages\n"
        f"  pipeline (parse + upsert + version + search vector + moderation): "
        f"{result['pipeline_items_per_s']:.0f} items/s\n"
        f"  raw COPY of the same rows:                                       "
        f"{result['copy_items_per_s']:.0f} items/s\n"
        f"  ratio COPY / pipeline: {result['ratio']:.1f}x"
    )
    return result


def _recorded_pages(pages: int, per_page: int):
    """Mastodon context pages built from the recorded comment, each with its own ids and text."""
    template = json.loads((ROOT / "tests/fixtures/mastodon/context.json").read_text("utf-8"))["descendants"][
        0
    ]
    post_id = template["in_reply_to_id"]
    bodies = []
    for p in range(pages):
        descendants = []
        for i in range(per_page):
            n = p * per_page + i
            status = json.loads(json.dumps(template))
            status["id"] = str(200_000_000_000_000_000 + n)
            status["content"] = f"<p>Fråga {n}: när plogas gata {n % 211}? Bussen kom inte fram i morse.</p>"
            status["account"]["id"] = str(300_000 + n % 997)
            descendants.append(status)
        bodies.append(json.dumps({"ancestors": [], "descendants": descendants}).encode())
    return post_id, bodies


def _inner(pages: int, per_page: int) -> None:
    import hashlib
    import io
    from datetime import UTC, datetime

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from accounts.models import Department, ServiceAccount
    from harvest.models import HarvestRun, HarvestState
    from harvest.services import _Run
    from platforms.base import Page, Response
    from platforms.mastodon import MastodonConnector

    department = Department.objects.create(name="Bench", series_code="BENCH")
    account = ServiceAccount.objects.create(
        platform="mastodon", display_name="Bench", department=department, purpose="-", target_audience="-",
        state="active", platform_id="109318473626781234",
    )  # fmt: skip
    state = HarvestState.objects.create(account=account)
    run_row = HarvestRun.objects.create(account=account, started_at=datetime.now(UTC))
    connector = MastodonConnector(base_url="http://bench.invalid", platform_id=account.platform_id)
    pipeline = _Run(account=account, state=state, run=run_row, connector=connector, full=False)
    post_id, bodies = _recorded_pages(pages, per_page)

    started = time.perf_counter()
    for body in bodies:
        response = Response(
            url=f"http://bench.invalid/api/v1/statuses/{post_id}/context", method="GET", status=200,
            headers={"Content-Type": "application/json"}, body=body, fetched_at=datetime.now(UTC),
            sha256=hashlib.sha256(body).hexdigest(),
        )  # fmt: skip
        context = response.json()
        items = connector.parsed(
            response, lambda c=context: [connector._item(s, post_id) for s in c["descendants"]]
        )
        pipeline.store_page(Page(response, items, None), lambda results: None)
    pipeline_seconds = time.perf_counter() - started
    items = pages * per_page

    # The same rows, copied raw: records (with their search vectors) and versions, under new ids.
    offset = 10_000_000
    with connection.cursor() as cursor:
        columns = {}
        for table in ("archive_record", "archive_recordversion"):
            cursor.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608 - constant table names
            columns[table] = [c.name for c in cursor.description]
        record_cols, version_cols = columns["archive_record"], columns["archive_recordversion"]

        def export(sql: str) -> io.StringIO:
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY ({sql}) TO STDOUT", buffer)
            buffer.seek(0)
            return buffer

        record_select = ", ".join(
            f"id + {offset}" if c == "id" else ("platform_id || '-copy'" if c == "platform_id" else
            ("NULL" if c in ("parent_id", "thread_id") else c))
            for c in record_cols
        )  # fmt: skip
        version_select = ", ".join(
            f"id + {offset}" if c == "id" else (f"record_id + {offset}" if c == "record_id" else c)
            for c in version_cols
        )
        records = export(f"SELECT {record_select} FROM archive_record WHERE kind <> 'post'")  # noqa: S608
        versions = export(f"SELECT {version_select} FROM archive_recordversion")  # noqa: S608
        started = time.perf_counter()
        cursor.copy_expert(f"COPY archive_record ({', '.join(record_cols)}) FROM STDIN", records)
        cursor.copy_expert(f"COPY archive_recordversion ({', '.join(version_cols)}) FROM STDIN", versions)
        copy_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "pages": pages,
                "items": items,
                "pipeline_items_per_s": items / pipeline_seconds,
                "copy_items_per_s": items / copy_seconds,
                "ratio": pipeline_seconds / copy_seconds,
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--per-page", type=int, default=100)
    args = parser.parse_args()
    if args.inner:
        _inner(args.pages, args.per_page)
    else:
        run(args.pages, args.per_page)
