"""Classification quality on the labelled set (tests/eval/cases_*.json): precision, recall and F1 per label and tag.

Run: .venv/bin/python bench/classify_quality.py [--watchlists FILE] [--wrong] [--quick] [--json]
The floors the test suite enforces are in tests/eval/baseline.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:1] = [str(ROOT)]  # bench/pipeline.py must not shadow the project's `pipeline` package

from bench.contract import Result, add_arguments, emit, report_stream  # noqa: E402

from pipeline.classify import Classifier  # noqa: E402
from pipeline.evaluation import as_json, evaluate, load_cases  # noqa: E402
from waakhond.config import load_config, watchlists_from_file  # noqa: E402

CASES = sorted((ROOT / "tests" / "eval").glob("cases_*.json"))
FLOORS = ROOT / "tests" / "eval" / "baseline.json"


def figures(report) -> Result:  # type: ignore[no-untyped-def]
    """The contract's figures: accuracy, and per label precision and recall against the test suite's floors."""
    floors = json.loads(FLOORS.read_text())
    result = Result("classify_quality", details=as_json(report))
    result.add("accuracy", report.accuracy, "share of cases")
    for name, score in report.labels.items():
        for measure in ("precision", "recall"):
            floor = floors["labels"].get(name, {}).get(measure)
            value = getattr(score, measure)
            result.add(f"{name} {measure}", value, "share", baseline=floor,
                       target=f">= {floor} (floor)" if floor is not None else None,
                       met=value >= floor if floor is not None else None)
    for name, score in report.tags.items():
        floor = floors["tags"].get(name, {}).get("f1")
        result.add(f"tag {name} F1", score.f1, "F1", baseline=floor,
                   target=f">= {floor} (floor)" if floor is not None else None,
                   met=score.f1 >= floor if floor is not None else None)
    result.notes.append(f"{report.cases} labelled cases; baseline = the floors of tests/eval/baseline.json; "
                        "--quick measures the same (it takes seconds)")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchlists", help="Evaluate the watchlists of this file instead of the built-in ones.")
    parser.add_argument("--wrong", action="store_true", help="List every case given the wrong label.")
    add_arguments(parser, quick_help="the same run (it takes a few seconds anyway)")
    args = parser.parse_args()
    config = load_config(None)
    if args.watchlists:
        config = replace(config, watchlists=watchlists_from_file(args.watchlists, {e.id for e in config.entities}))
    cases = load_cases(CASES)
    report = evaluate(Classifier(config.watchlists, config.entities), cases)
    if args.json:
        with report_stream(True) as out:
            emit(figures(report), out, True)
        return 0
    print(f"{report.cases} labelled cases from {', '.join(p.name for p in CASES)}; accuracy {report.accuracy:.3f}")
    print(f"{'':18} {'precision':>9} {'recall':>7} {'F1':>6} {'cases':>6}")
    for section, scores in (("label", report.labels), ("tag", report.tags)):
        for name, s in scores.items():
            print(f"{section} {name:12} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.support:6d}")
    traps = [c for c in cases if c.trap]
    missed_traps = [c for c, _ in report.wrong if c.trap]
    print(f"trap cases: {len(traps)}, given the wrong label: {len(missed_traps)}")
    if args.wrong:
        for case, given in report.wrong:
            print(f"  {case.id:9} expected {case.label:9} given {given:9} {case.trap or '':24} {case.title[:80]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
