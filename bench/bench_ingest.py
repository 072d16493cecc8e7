"""Ingest throughput of one process on recorded pages, beside a raw COPY of the same rows.

The pipeline path is what a worker does per page: parse the recorded bytes with the Mastodon
connector, then in one transaction store the response, upsert the page's items as a set (records,
versions, hash-chain links, search vectors) and hand the new comments to moderation, which flags them
and opens their cases. The COPY path writes the very rows that produced (records and versions)
straight into the same tables: the floor no ORM code can beat. The item-by-item path (each item in a
savepoint of its own, what a page the database refuses is stored by) is measured beside them.

One page is stored first and not timed: a worker's database connection is long-lived, and a new one
loads the Swedish dictionary (about a second) at its first search vector.

Runs in its own database, copied from the migrated template (bench/scratch.py) and dropped here.

    python -m bench.bench_ingest [--pages 20] [--per-page 100] [--quick]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import Result, scratch

ROOT = Path(__file__).resolve().parents[1]
DB_NAME = "smgov_bench_ingest"
PAGES, QUICK_PAGES, PER_PAGE = 20, 4, 100
FALLBACK_PAGES, QUICK_FALLBACK_PAGES = 3, 1
# The second size, in pages stored after the first: linear in the page count if its rate holds.
LARGER = 4
# The stages of the page pipeline, timed by wrapping these functions in the measuring process.
STAGES = {
    "prepare": [("archive.services", "_prepared")],
    "records": [("archive.services", "_records_upsert")],
    "versions": [("archive.services", "_versions_insert"), ("archive.services", "_records_new_version")],
    "chain": [("archive.services", "chain_extend")],
    "links": [("archive.services", "_relatives_link")],
    "cases": [("moderation.services", "cases_open"), ("moderation.services", "older_items_note")],
    "flags": [("moderation.services", "_screen")],
    "audit": [("moderation.services", "_opened_events")],
}


def run(
    quick: bool = False, pages: int | None = None, per_page: int = PER_PAGE, profile: bool | None = None
) -> list[Result]:
    """Create the bench database, measure in a fresh process, drop the database; print the split
    by stage and return the results. With ``profile`` (or SMGOV_BENCH_PROFILE=1) a cProfile of
    the timed pages is printed too."""
    pages = pages or (QUICK_PAGES if quick else PAGES)
    fallback = QUICK_FALLBACK_PAGES if quick else FALLBACK_PAGES
    if profile is None:
        profile = os.environ.get("SMGOV_BENCH_PROFILE") == "1"
    scratch.create(DB_NAME)
    try:
        env = dict(
            os.environ,
            DATABASE_URL=scratch.database_url(DB_NAME),
            DJANGO_SETTINGS_MODULE="smgov.settings",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            HARVEST_DOWNLOAD_MEDIA="false",
            DEBUG="false",  # as in production: no query log kept in memory
            PYTHONPATH=str(ROOT),
        )
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.bench_ingest", "--inner", f"--pages={pages}",
             f"--per-page={per_page}", f"--fallback-pages={fallback}", *(["--profile"] if profile else [])],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(
                done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode
            )
        if profile:
            print(
                done.stderr[done.stderr.find("   Ordered by") :]
                if "Ordered by" in done.stderr
                else done.stderr
            )
        out = done.stdout
    finally:
        scratch.drop(DB_NAME)
    measured = json.loads(out.strip().splitlines()[-1])
    items, stages = measured["items"], measured["stages"]
    total = sum(stages.values())
    small, large = measured["sizes"]
    print(
        f"  {items} items in {measured['pages']} pages of {per_page} ({small} pages, then {large}); "
        "per item, by stage: "
        + ", ".join(f"{name} {seconds / items * 1e6:.0f} µs" for name, seconds in stages.items())
        + f" (total {total / items * 1e6:.0f} µs)",
        flush=True,
    )
    print(
        f"  statements per page {measured['statements_per_page']}, by stage: "
        + ", ".join(f"{name} {n:g}" for name, n in measured["stage_statements_per_page"].items()),
        flush=True,
    )
    detail = {
        "items": items,
        "pages": measured["pages"],
        "per_page": per_page,
        "statements_per_page": measured["statements_per_page"],
        "stage_statements_per_page": measured["stage_statements_per_page"],
        "stage_seconds": {name: round(seconds, 4) for name, seconds in stages.items()},
        "stage_us_per_item": {name: round(seconds / items * 1e6, 1) for name, seconds in stages.items()},
    }
    return [
        Result("ingest pipeline", measured["pipeline_items_per_s"], "items/s", "raw COPY",
               measured["copy_items_per_s"], detail),
        Result(f"ingest pipeline over {large} pages", measured["large_items_per_s"], "items/s",
               f"ingest pipeline over {small} pages", measured["small_items_per_s"]),
        Result("ingest item by item (a refused page)", measured["fallback_items_per_s"], "items/s",
               "raw COPY", measured["copy_items_per_s"], {"items": measured["fallback_items"]}),
    ]  # fmt: skip


class _StageTimer:
    """Adds up the time spent in each stage's functions and the statements they send. A stage
    called inside another (the flags inside the cases) counts for itself, not for the outer one."""

    def __init__(self) -> None:
        import importlib

        from django.db import connection

        self.seconds = dict.fromkeys(["parse", *STAGES, "other"], 0.0)
        self.statements = dict.fromkeys(self.seconds, 0)
        self.stack: list[str] = []
        for stage, functions in STAGES.items():
            for module_name, name in functions:
                module = importlib.import_module(module_name)
                setattr(module, name, self._timed(stage, getattr(module, name)))
        connection.execute_wrappers.append(self._count)

    def _count(self, execute, sql, params, many, context):
        if not sql.startswith(("SAVEPOINT", "RELEASE")):
            self.statements[self.stack[-1] if self.stack else "other"] += 1
        return execute(sql, params, many, context)

    def _timed(self, stage, function):
        def timed(*args, **kwargs):
            outer = self.stack[-1] if self.stack else None
            self.stack.append(stage)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self.stack.pop()
                self.seconds[stage] += spent
                if outer is not None:
                    self.seconds[outer] -= spent

        return timed

    def reset(self) -> None:
        self.seconds = dict.fromkeys(self.seconds, 0.0)
        self.statements = dict.fromkeys(self.statements, 0)


def _recorded_pages(pages: int, per_page: int, first: int = 0):
    """Mastodon context pages built from the recorded comment, each with its own ids and text
    (numbered from ``first``)."""
    template = json.loads((ROOT / "tests/fixtures/mastodon/context.json").read_text("utf-8"))["descendants"][
        0
    ]
    post_id = template["in_reply_to_id"]
    bodies = []
    for p in range(pages):
        descendants = []
        for i in range(per_page):
            n = first + p * per_page + i
            status = json.loads(json.dumps(template))
            status["id"] = str(200_000_000_000_000_000 + n)
            status["content"] = f"<p>Fråga {n}: när plogas gata {n % 211}? Bussen kom inte fram i morse.</p>"
            status["account"]["id"] = str(300_000 + n % 997)
            descendants.append(status)
        bodies.append(json.dumps({"ancestors": [], "descendants": descendants}).encode())
    return post_id, bodies


def _inner(pages: int, per_page: int, fallback_pages: int, profile: bool = False) -> None:
    import cProfile
    import hashlib
    import io
    import pstats
    from datetime import UTC, datetime

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Department, ServiceAccount
    from archive import services as archive_services
    from archive.models import Record
    from archive.services import IncomingItem
    from harvest.models import HarvestRun, HarvestState
    from harvest.services import _Run
    from platforms.base import Page, Response
    from platforms.mastodon import MastodonConnector

    department = Department.objects.create(name="Bench", series_code="BENCH")
    account = ServiceAccount.objects.create(
        platform="mastodon", display_name="Bench", department=department, purpose="-", target_audience="-",
        state="active", platform_id="109318473626781234",
    )  # fmt: skip
    # A harvest after the first: every new comment gets its inbox case (the first harvest of an
    # account in use before archives its history without cases).
    state = HarvestState.objects.create(account=account, last_success_at=datetime.now(UTC))
    run_row = HarvestRun.objects.create(account=account, started_at=datetime.now(UTC))
    connector = MastodonConnector(base_url="http://bench.invalid", platform_id=account.platform_id)
    pipeline = _Run(account=account, state=state, run=run_row, connector=connector, full=False)
    sizes = (pages, LARGER * pages)
    post_id, bodies = _recorded_pages(1 + sum(sizes) + fallback_pages, per_page)
    timer = _StageTimer()

    def parse(body: bytes) -> Page:
        started = time.perf_counter()
        response = Response(
            url=f"http://bench.invalid/api/v1/statuses/{post_id}/context", method="GET", status=200,
            headers={"Content-Type": "application/json"}, body=body, fetched_at=datetime.now(UTC),
            sha256=hashlib.sha256(body).hexdigest(),
        )  # fmt: skip
        context = response.json()
        items = connector.parsed(
            response, lambda c=context: [connector._item(s, post_id) for s in c["descendants"]]
        )
        timer.seconds["parse"] += time.perf_counter() - started
        return Page(response, items, None)

    # The post the comments answer is archived already, as the harvest reads posts before comments.
    archive_services.record_ingest(
        account=account,
        item=IncomingItem(
            platform_id=post_id, kind="post", published_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
            text="<p>Snöröjningen börjar i natt.</p>", text_format="html", is_own=True,
            thread_platform_id=post_id, raw={"id": post_id},
        ),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:  # the untimed first page
        pipeline.store_page(parse(bodies[0]), lambda results: None)
    statements = sum(1 for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE")))
    timer.reset()
    first_id = Record.objects.order_by("-pk").values_list("pk", flat=True).first()

    profiler = cProfile.Profile() if profile else None
    page_seconds = []
    for body in bodies[1 : 1 + sum(sizes)]:
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        pipeline.store_page(parse(body), lambda results: None)
        page_seconds.append(time.perf_counter() - started)
        if profiler:
            profiler.disable()
    pipeline_seconds = sum(page_seconds)
    last_id = Record.objects.order_by("-pk").values_list("pk", flat=True).first()
    stages = dict(timer.seconds)
    stages["other"] = pipeline_seconds - sum(v for k, v in stages.items() if k != "other")
    stage_statements = dict(timer.statements)
    items = sum(sizes) * per_page
    if profiler:
        report = io.StringIO()
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(40)
        print(report.getvalue(), file=sys.stderr)

    # The item-by-item path, as a page the database refused is stored.
    started = time.perf_counter()
    for body in bodies[1 + sum(sizes) :]:
        pipeline._store_page(parse(body), lambda results: None, {}, one_by_one=True)
    fallback_seconds = time.perf_counter() - started

    # The rows of the timed pages, copied raw: records (with their search vectors) and versions, under new ids.
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
        timed = f"BETWEEN {first_id + 1} AND {last_id}"
        records = export(f"SELECT {record_select} FROM archive_record WHERE id {timed}")  # noqa: S608
        versions = export(f"SELECT {version_select} FROM archive_recordversion WHERE record_id {timed}")  # noqa: S608
        started = time.perf_counter()
        cursor.copy_expert(f"COPY archive_record ({', '.join(record_cols)}) FROM STDIN", records)
        cursor.copy_expert(f"COPY archive_recordversion ({', '.join(version_cols)}) FROM STDIN", versions)
        copy_seconds = time.perf_counter() - started
    small = page_seconds[: sizes[0]]
    large = page_seconds[sizes[0] :]
    print(
        json.dumps(
            {
                "pages": sum(sizes),
                "sizes": sizes,
                "items": items,
                "pipeline_items_per_s": items / pipeline_seconds,
                "copy_items_per_s": items / copy_seconds,
                "small_items_per_s": len(small) * per_page / sum(small),
                "large_items_per_s": len(large) * per_page / sum(large),
                "fallback_items": fallback_pages * per_page,
                "fallback_items_per_s": fallback_pages * per_page / fallback_seconds,
                "statements_per_page": statements,
                "stage_statements_per_page": {
                    k: round(v / sum(sizes), 1) for k, v in stage_statements.items()
                },
                "stages": stages,
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=int, default=None)
    parser.add_argument("--per-page", type=int, default=PER_PAGE)
    parser.add_argument("--fallback-pages", type=int, default=FALLBACK_PAGES, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the timed pages")
    args = parser.parse_args()
    if args.inner:
        _inner(args.pages, args.per_page, args.fallback_pages, args.profile)
    else:
        for result in run(quick=args.quick, pages=args.pages, per_page=args.per_page, profile=args.profile):
            print(result.line())
