"""Run the benchmarks: every module `bench/bench_*.py` that has a `run()` function.

python -m bench                # all of them
python -m bench search         # only bench_search.py
python -m bench --quick        # small versions of all (a few minutes), as `make bench QUICK=1`

Each result is printed as one line (`<name>: <value> | baseline <name>: <value> | ratio <r>`) and all
of them are written to bench/results.json with the date and the command.
"""

import importlib
import json
import pkgutil
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).parent / "results.json"


def discover(names: list[str]) -> list:
    modules = []
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        if names and info.name.removeprefix("bench_") not in names and info.name not in names:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            modules.append(module)
    return modules


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    modules = discover([arg for arg in argv if not arg.startswith("--")])
    if not modules:
        print("no benchmark found", file=sys.stderr)
        return 1
    failed = 0
    results = []
    for module in modules:
        started = time.monotonic()
        print(f"== {module.__name__}{' (quick)' if quick else ''} ==", flush=True)
        try:
            for result in module.run(quick=quick):
                print(result.line(), flush=True)
                results.append({"benchmark": module.__name__, **result.as_json()})
        except Exception as error:  # one benchmark failing should not hide the others
            failed += 1
            print(f"{module.__name__} failed: {error!r}", file=sys.stderr, flush=True)
            traceback.print_exc()
        print(f"== {module.__name__}: {time.monotonic() - started:.1f} s ==", flush=True)
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(["python -m bench", *argv]),
                "quick": quick,
                "machine": {"python": platform.python_version(), "processor": platform.machine()},
                "results": results,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
        "utf-8",
    )
    print(f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
