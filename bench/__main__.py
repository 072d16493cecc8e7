"""Run the benchmarks: every module `bench/bench_*.py` that has a `run()` function.

python -m bench            # all of them
python -m bench search     # only bench_search.py
"""

import importlib
import pkgutil
import sys
import time
from pathlib import Path


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
    modules = discover(argv)
    if not modules:
        print("no benchmark found", file=sys.stderr)
        return 1
    failed = 0
    for module in modules:
        started = time.monotonic()
        print(f"== {module.__name__} ==", flush=True)
        try:
            module.run()
        except Exception as error:  # one benchmark failing should not hide the others
            failed += 1
            print(f"{module.__name__} failed: {error!r}", file=sys.stderr, flush=True)
        print(f"== {module.__name__}: {time.monotonic() - started:.1f} s ==", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
