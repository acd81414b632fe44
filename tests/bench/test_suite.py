"""The benchmark suite (bench/__main__.py) and the contract every bench script follows, in quick mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import scripts
from bench.contract import Result, validate

ROOT = Path(__file__).resolve().parents[2]
CHEAP = ["classify_quality", "dedupe"]  # seconds each, no servers: enough to keep the runner honest


def run_suite(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_quick_suite_prints_one_table_and_writes_contract_json(tmp_path: Path) -> None:
    out = tmp_path / "suite.json"
    done = run_suite("--quick", "--only", *CHEAP, "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["mode"] == "quick"
    machine = report["machine"]
    assert machine["cpus"] >= 1 and machine["python"] == sys.version.split()[0] and machine["sqlite"]
    assert len(machine["load_average"]) == 3
    assert [r["bench"] for r in report["results"]] == CHEAP
    for r in report["results"]:
        assert r["error"] is None
        assert validate({"bench": r["bench"], "figures": r["figures"], "notes": r["notes"]}) == []
    quality = {f["name"]: f for f in report["results"][0]["figures"]}
    # The floors are the baseline: a figure with a target says whether it met it, consistently with its value.
    core = quality["core precision"]
    assert core["target"] and core["met"] == (core["value"] >= core["baseline"])
    table = done.stdout
    header = next(line for line in table.splitlines() if line.startswith("bench"))
    assert header.split() == ["bench", "figure", "value", "unit", "baseline", "ratio", "target", "met"]
    assert "Machine:" in table and "SQLite" in table and "load average" in table
    for r in report["results"]:
        for f in r["figures"]:
            assert f["name"] in table
    assert "FAILED" not in table


@pytest.mark.parametrize("name", scripts())
def test_every_script_takes_the_contract_options(name: str) -> None:
    """A script added to bench/ joins the suite; it must take --quick and --json like the others."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--quick" in done.stdout and "--json" in done.stdout


def test_script_json_is_one_object_on_stdout() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "classify_quality.py"), "--quick", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    obj = json.loads(done.stdout)  # the whole of stdout: the human report went to stderr
    assert obj["bench"] == "classify_quality" and validate(obj) == []


def test_unknown_script_is_refused() -> None:
    done = run_suite("--only", "no_such_bench")
    assert done.returncode == 2
    assert "unknown bench script" in done.stderr and "classify" in done.stderr


def test_validate_names_what_breaks_the_contract() -> None:
    good = Result("x")
    good.add("speed", 10, "docs/s", baseline=5, target=">= 8", met=True)
    assert validate(good.as_dict()) == []
    assert good.figures[0].ratio == 2
    assert validate([]) == ["not a JSON object"]
    assert "figures: not a non-empty list" in validate({"bench": "x", "figures": [], "notes": []})
    bad = good.as_dict()
    bad["figures"][0]["value"] = "fast"
    bad["figures"][0]["met"] = "yes"
    assert validate(bad) == ["figures[0].value: wrong type or missing", "figures[0].met: wrong type or missing"]


def test_render_prints_saved_outputs_and_refuses_broken_ones(tmp_path: Path) -> None:
    saved = Result("demo")
    saved.add("demo speed", 12.5, "docs/s", baseline=25, target=">= 20", met=False)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(saved.as_dict()))
    done = run_suite("--render", str(good))
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "demo speed" in line)
    assert row.split()[:2] == ["demo", "demo"] and "0.5" in row and "NO" in row
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"bench": "demo", "figures": [], "notes": []}))
    done = run_suite("--render", str(broken))
    assert done.returncode == 1 and "figures: not a non-empty list" in done.stderr
