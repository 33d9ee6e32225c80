"""Smoke check of the benchmark harness (issue 6): ``python -m benchmarks --quick`` runs every
workload for every implementation, agrees on the final losses, and writes its table, JSON
and chart. Nothing here looks at a timing: the harness is tested, not the machine.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = {
    "W1": ["numpy", "tutorial", "chainrule", "torch"],
    "W2": ["numpy", "chainrule", "torch"],
    "W3": ["numpy", "chainrule", "torch"],
    "W4": ["numpy", "chainrule", "torch"],
    "W5a": ["numpy", "tutorial", "chainrule", "torch"],
    "W5b": ["numpy", "tutorial", "chainrule", "torch"],
    "W5c": ["numpy", "tutorial", "chainrule", "torch"],
    "W6": ["numpy", "chainrule", "torch"],
}
RATIOS_AND_SIZES = (
    "median_s",
    "min_s",
    "ratio_numpy",
    "ratio_torch",
    "paired_ratio_numpy",
    "peak_rss_mb",
    "import_rss_mb",
    "process_peak_rss_mb",
)
LABELS = {"numpy": "NumPy", "tutorial": "tutorial", "chainrule": "chainrule", "torch": "PyTorch"}

pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONIOENCODING="utf-8")
    # the workers import the same chainrule as this process, installed or not
    src = str(Path(chainrule.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    return proc, out


def test_exits_zero(quick_run):
    proc, _ = quick_run
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


def test_table_lists_every_workload_and_implementation(quick_run):
    proc, _ = quick_run
    rows = [line.split() for line in proc.stdout.splitlines()]
    found = {(row[0], row[1]) for row in rows if len(row) > 1}
    for workload, implementations in WORKLOADS.items():
        for name in implementations:
            assert (workload, LABELS[name]) in found, (workload, name, proc.stdout)
    assert "loss agreement: OK in every workload" in proc.stdout
    assert "!!!" not in proc.stdout  # the marker of a loss disagreement or a crash


def test_json_has_the_expected_keys_and_agreement(quick_run):
    _, out = quick_run
    document = json.loads((out / "results-quick.json").read_text(encoding="utf-8"))
    assert {"schema", "meta", "ok", "targets_met", "workloads"} <= set(document)
    assert document["meta"]["mode"] == "quick"
    assert document["ok"] is True
    assert [w["id"] for w in document["workloads"]] == list(WORKLOADS)
    for workload in document["workloads"]:
        assert {"id", "title", "params", "loss_agreement", "target", "rows"} <= set(workload)
        agreement = workload["loss_agreement"]
        assert agreement["ok"] is True, agreement["failures"]
        assert agreement["failures"] == []
        assert [r["implementation"] for r in workload["rows"]] == WORKLOADS[workload["id"]]
        for row in workload["rows"]:
            assert row["error"] is None
            assert row["agrees"] is True
            assert len(row["times_s"]) == 1  # quick: one timed repetition
            for key in RATIOS_AND_SIZES:
                assert isinstance(row[key], float) and row[key] > 0, (workload["id"], key)
        numpy_row = workload["rows"][0]
        assert numpy_row["ratio_numpy"] == 1.0


def test_metrics_and_targets_are_reported(quick_run):
    _, out = quick_run
    document = json.loads((out / "results-quick.json").read_text(encoding="utf-8"))
    by_id = {w["id"]: w for w in document["workloads"]}
    assert by_id["W2"]["metric"] == by_id["W6"]["metric"] == "accuracy"
    assert by_id["W3"]["metric"] == "GFLOP/s"
    assert all(by_id[w]["metric"] == "us/op" for w in ("W5a", "W5b", "W5c"))
    for row in by_id["W2"]["rows"]:
        assert 0.0 <= row["metric"]["value"] <= 1.0
    # a target (met or not: no timing assertions) for chainrule on W1-W4 and the W5 chain
    for wid in ("W1", "W2", "W3", "W4", "W5c"):
        target = by_id[wid]["target"]
        assert target["criteria"] and isinstance(target["ok"], bool)
    assert by_id["W6"]["target"] is None


def test_chart_is_written(quick_run):
    _, out = quick_run
    png = out / "results-quick.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def bench(monkeypatch):
    """The ``benchmarks`` package, imported from the repository root."""
    monkeypatch.syspath_prepend(str(ROOT))
    import benchmarks.harness
    import benchmarks.report
    import benchmarks.workloads

    return benchmarks


def _result(bench, name, *runs):
    return bench.harness.ImplementationResult(name, times=[1.0], runs=list(runs))


def test_a_wrong_loss_fails_the_agreement_check(bench):
    """A fast but wrong engine is flagged, in any run, and loudly in the table."""
    workload = bench.workloads.BY_ID["W4"]
    reference = {"loss": 0.5, "checks": {"x.grad": 2.0}}
    results = {
        "numpy": _result(bench, "numpy", reference, reference),
        "chainrule": _result(bench, "chainrule", reference, {**reference, "loss": 0.5006}),
        "torch": _result(bench, "torch", reference, {"loss": 0.5, "checks": {"x.grad": 2.1}}),
    }
    verdict = bench.harness.check_agreement(workload, results)
    assert verdict["ok"] is False
    assert verdict["by_implementation"] == {"numpy": True, "chainrule": False, "torch": False}
    assert any("chainrule loss" in f and "repetition 1" in f for f in verdict["failures"])
    assert any("torch x.grad" in f for f in verdict["failures"])

    record = bench.report.workload_record(workload, workload.params(True), results, verdict)
    table = bench.report.format_table([record])
    assert "loss agreement: FAIL" in table and "!!! FAIL W4" in table
    assert any(
        line.split()[:2] == ["W4", "chainrule"] and "FAIL" in line for line in table.splitlines()
    )
    assert bench.report.summary_lines([record])[0].startswith("!!! FAIL")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_loss_fails_the_agreement_check(bench, bad):
    workload = bench.workloads.BY_ID["W1"]
    results = {
        "numpy": _result(bench, "numpy", {"loss": 0.25}),
        "chainrule": _result(bench, "chainrule", {"loss": bad}),
    }
    assert bench.harness.check_agreement(workload, results)["ok"] is False


def test_a_crashed_implementation_fails_the_agreement_check(bench):
    workload = bench.workloads.BY_ID["W1"]
    crashed = bench.harness.ImplementationResult("chainrule", error="Traceback...\nBoom: it broke")
    results = {"numpy": _result(bench, "numpy", {"loss": 0.25}), "chainrule": crashed}
    verdict = bench.harness.check_agreement(workload, results)
    assert verdict["ok"] is False
    assert verdict["failures"] == ["chainrule failed: Boom: it broke"]


def test_only_selects_workloads_and_families(bench):
    select = bench.workloads.select
    assert [w.id for w in select("w3,W1")] == ["W1", "W3"]  # table order, any case
    assert [w.id for w in select("W5")] == ["W5a", "W5b", "W5c"]
    with pytest.raises(ValueError, match="unknown workload"):
        select("W7")


def test_repetitions_are_per_workload_unless_given(bench):
    main = importlib.import_module("benchmarks.__main__")  # its argument parsing
    by_id = {w.id: w for w in bench.workloads.select(None)}
    default = main.parse_args([])
    counts = {i: bench.harness.repetitions(w, default) for i, w in by_id.items()}
    assert counts == {"W1": 9, "W2": 5, "W3": 5, "W4": 9, "W5a": 9, "W5b": 9, "W5c": 9, "W6": 5}
    given = main.parse_args(["--repeat", "3"])
    assert {bench.harness.repetitions(w, given) for w in by_id.values()} == {3}
    quick = main.parse_args(["--quick"])
    assert {bench.harness.repetitions(w, quick) for w in by_id.values()} == {1}


def test_w6_mirrors_the_digits_cnn(bench):
    """W6 times the network of ``chainrule digits --model cnn``, less its Dropout (whose
    masks no two libraries draw alike, so the losses could not agree)."""
    digits = pytest.importorskip("chainrule.cli.digits")
    if not hasattr(digits, "build_model"):
        pytest.skip("chainrule digits has no build_model yet")
    from benchmarks.workloads.w6_cnn import build_cnn

    from chainrule import nn

    def layers(model):
        return [
            (type(m).__name__, tuple(p.shape for p in m.parameters(recurse=False)))
            for m in model.children()
            if not isinstance(m, nn.Dropout)
        ]

    assert layers(build_cnn(nn)) == layers(digits.build_model("cnn"))


def test_w4_floor_probe_runs_and_checks_its_engines(bench, capsys):
    """``python -m benchmarks.floor_w4``: the bare engine and chainrule must reproduce the
    NumPy pass's output and gradient before anything is timed."""
    from benchmarks import floor_w4

    y, grad = floor_w4.bare(np.array([0.5], np.float32), 300)
    y_np, grad_np = floor_w4.numpy_pass(np.array([0.5], np.float32), 300)
    np.testing.assert_allclose(y, y_np, rtol=1e-6)
    np.testing.assert_allclose(grad, grad_np, rtol=1e-5)
    floor_w4.main(["--steps", "200", "--repeat", "1"])
    rows = capsys.readouterr().out.splitlines()
    assert [r.split()[0] for r in rows[-3:]] == ["NumPy", "bare", "chainrule"]
