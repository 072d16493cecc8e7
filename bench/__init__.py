"""Benchmarks: `python -m bench` (or `make bench`) runs every `bench/bench_*.py` module's `run()`.

Each `run(quick=...)` returns its measurements as `Result`s: one figure beside the baseline it is
measured against in the same run. They are printed one line each,

    <name>: <value> | baseline <name>: <value> | ratio <value / baseline>

and written, with the date and the command, to bench/results.json.
"""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    # Figures that explain the result (a split by stage, sizes), kept in results.json.
    detail: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")

    def line(self) -> str:
        return (
            f"{self.name}: {_figure(self.value)} {self.unit} | baseline {self.baseline_name}: "
            f"{_figure(self.baseline)} {self.unit} | ratio {self.ratio:.2f}"
        )

    def as_json(self) -> dict:
        return {**asdict(self), "ratio": round(self.ratio, 4)}


def _figure(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
