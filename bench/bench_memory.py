"""Memory of a harvest process during a backfill: 100,000 comments (5,000 with `--quick`).

A fresh process on its own copy of the migrated database (bench/scratch.py) stores recorded Mastodon
context pages of 100 new comments each through the harvest's page pipeline
(`harvest.services._Run.store_page`, what a worker's harvest task runs per page), one page built at
a time as a platform would send it. Its peak resident set size (`ru_maxrss`) is reported beside the
same process's peak before the backfill (Django and the project loaded, one page stored: a worker
that has started and taken its first task). Target: peak <= 250 MB. `SMGOV_BENCH_BACKFILL_ITEMS`
sets the size.

    python -m bench memory [--quick]
"""

import json
import os
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import Result, scratch, servers

DB_NAME = "smgov_bench_memory"
ITEMS, QUICK_ITEMS = 100_000, 5_000
PER_PAGE = 100
TARGET_MB = 250


def run(quick: bool = False) -> list[Result]:
    items = int(os.environ.get("SMGOV_BENCH_BACKFILL_ITEMS", QUICK_ITEMS if quick else ITEMS))
    url = scratch.create(DB_NAME)
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bench.bench_memory", "--inner", str(items // PER_PAGE)],
            cwd=servers.ROOT, env=servers.environment(url), capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(
                done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode
            )
    finally:
        scratch.drop(DB_NAME)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    peak, started = measured["peak_mb"], measured["started_mb"]
    print(
        f"  {measured['items']:,} comments in {measured['pages']} pages, {measured['seconds']:.0f} s; "
        f"peak RSS after a tenth of them {measured['tenth_mb']:.0f} MB; "
        f"target peak <= {TARGET_MB} MB: {'met' if peak <= TARGET_MB else 'NOT met'}",
        flush=True,
    )
    return [
        Result(f"harvest process peak RSS, {measured['items']:,}-comment backfill", peak, "MB",
               "the same process after its first page", started,
               {"items": measured["items"], "tenth_mb": measured["tenth_mb"], "target_mb": TARGET_MB}),
    ]  # fmt: skip


def _inner(pages: int) -> None:
    import hashlib
    import resource
    import time
    from datetime import UTC, datetime

    import django

    django.setup()
    from accounts.models import Department, ServiceAccount
    from bench.bench_ingest import _recorded_pages
    from harvest.models import HarvestRun, HarvestState
    from harvest.services import _Run
    from platforms.base import Page, Response
    from platforms.mastodon import MastodonConnector

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    department = Department.objects.create(name="Bench", series_code="BENCH")
    account = ServiceAccount.objects.create(
        platform="mastodon", display_name="Bench", department=department, purpose="-", target_audience="-",
        state="active", platform_id="109318473626781234",
    )  # fmt: skip
    state = HarvestState.objects.create(account=account, last_success_at=datetime.now(UTC))
    run_row = HarvestRun.objects.create(account=account, started_at=datetime.now(UTC))
    connector = MastodonConnector(base_url="http://bench.invalid", platform_id=account.platform_id)
    pipeline = _Run(account=account, state=state, run=run_row, connector=connector, full=False)

    def store(n: int) -> None:
        post_id, (body,) = _recorded_pages(1, PER_PAGE, first=n * PER_PAGE)
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

    store(0)
    started_mb = rss_mb()
    tenth_mb = started_mb
    started = time.monotonic()
    for n in range(1, pages + 1):
        store(n)
        if n == max(1, pages // 10):
            tenth_mb = rss_mb()
    print(
        json.dumps(
            {
                "items": pages * PER_PAGE,
                "pages": pages,
                "seconds": time.monotonic() - started,
                "started_mb": started_mb,
                "tenth_mb": tenth_mb,
                "peak_mb": rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inner"]:
        _inner(int(sys.argv[2]))
    else:
        for result in run(quick="--quick" in sys.argv):
            print(result.line())
