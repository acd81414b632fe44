"""The benchmark contract every bench script follows: --quick and --json, one result object of figures."""

from __future__ import annotations

import argparse
import contextlib
import json
import platform
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo gives it, else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@dataclass
class Figure:
    """One measured figure, with the baseline measured in the same run and the target it is held against."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str | None = None
    met: bool | None = None


@dataclass
class Result:
    """What one bench script reports: {"bench", "figures", "notes"} (and free-form "details" for the curious)."""

    bench: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, value: float, unit: str, baseline: float | None = None, ratio: float | None = None,
            target: str | None = None, met: bool | None = None) -> Figure:
        if ratio is None and baseline:
            ratio = value / baseline
        figure = Figure(name, _number(value), unit, _number(baseline), _number(ratio), target, met)
        self.figures.append(figure)
        return figure

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"bench": self.bench, "figures": [asdict(f) for f in self.figures], "notes": self.notes}
        if self.details:
            out["details"] = self.details
        return out


def _number(x: float | None) -> float | None:
    if x is None:
        return None
    return round(float(x), 6)


def add_arguments(parser: argparse.ArgumentParser, quick_help: str = "a small run, under about a minute (CI)",
                  quick: bool = True) -> None:
    """The contract's two options; a script that already has --quick passes quick=False."""
    if quick:
        parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (the benchmark contract) on stdout; the table goes to stderr")


@contextlib.contextmanager
def report_stream(as_json: bool) -> Iterator[TextIO]:
    """Where the human-readable output goes: stdout, or stderr when stdout is reserved for the JSON object."""
    if not as_json:
        yield sys.stdout
        return
    real = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        yield real


def emit(result: Result, out: TextIO, as_json: bool) -> None:
    """The JSON object on ``out`` (the real stdout), or the figures table after the script's own output."""
    if as_json:
        json.dump(result.as_dict(), out, ensure_ascii=False)
        out.write("\n")
        out.flush()
        return
    print(file=out)
    print(render_figures(result), file=out)


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == int(x) and abs(x) < 1e12:
        return f"{int(x):,}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def render_figures(result: Result, with_bench: bool = False) -> str:
    return render_rows([(result.bench, f) for f in result.figures], with_bench)


def render_rows(rows: list[tuple[str, Figure]], with_bench: bool = True) -> str:
    head = (["bench"] if with_bench else []) + ["figure", "value", "unit", "baseline", "ratio", "target", "met"]
    table = [head]
    for bench, f in rows:
        met = "-" if f.met is None else "yes" if f.met else "NO"
        table.append(([bench] if with_bench else []) + [f.name, _fmt(f.value), f.unit, _fmt(f.baseline),
                                                        _fmt(f.ratio), f.target or "-", met])
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    numeric = {head.index(c) for c in ("value", "baseline", "ratio")}
    lines = []
    for n, r in enumerate(table):
        cells = [c.rjust(w) if i in numeric and n else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(bench: str, parser: argparse.ArgumentParser, measure: Callable[[argparse.Namespace], Result]) -> int:
    """Parse, measure with the human output on the right stream, then emit the result."""
    args = parser.parse_args()
    with report_stream(args.json) as out:
        result = measure(args)
        result.bench = bench
    emit(result, out, args.json)
    return 0


def validate(obj: Any) -> list[str]:
    """Problems with one bench script's JSON object against the contract (empty when it conforms)."""
    problems: list[str] = []
    if not isinstance(obj, dict):
        return ["not a JSON object"]
    if not isinstance(obj.get("bench"), str) or not obj.get("bench"):
        problems.append("bench: not a non-empty string")
    if not isinstance(obj.get("notes"), list) or not all(isinstance(n, str) for n in obj.get("notes", [])):
        problems.append("notes: not a list of strings")
    figures = obj.get("figures")
    if not isinstance(figures, list) or not figures:
        return [*problems, "figures: not a non-empty list"]
    for i, f in enumerate(figures):
        if not isinstance(f, dict):
            problems.append(f"figures[{i}]: not an object")
            continue
        number = (int, float)
        checks = {
            "name": isinstance(f.get("name"), str) and bool(f.get("name")),
            "value": isinstance(f.get("value"), number) and not isinstance(f.get("value"), bool),
            "unit": isinstance(f.get("unit"), str),
            "baseline": f.get("baseline") is None or isinstance(f.get("baseline"), number),
            "ratio": f.get("ratio") is None or isinstance(f.get("ratio"), number),
            "target": f.get("target") is None or isinstance(f.get("target"), str),
            "met": f.get("met") is None or isinstance(f.get("met"), bool),
        }
        problems += [f"figures[{i}].{k}: wrong type or missing" for k, ok in checks.items() if not ok]
    return problems
