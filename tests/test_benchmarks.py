"""The benchmark scripts run and write results records (their speed figures are never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hiar_lib.experiments.records import read_record

REPO = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str) -> None:
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), *args], capture_output=True, text=True,
                         timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]


def test_tracker_benchmark_writes_a_record_with_every_row_checked(tmp_path: Path) -> None:
    _run("bench_tracker.py", "--frames", "20", "--repeats", "1", "--out", str(tmp_path / "tracker.json"))
    r = read_record(tmp_path / "tracker.json")
    assert r.artefact == "bench_tracker" and r.wall_time_s > 0 and r.parameters["settings"]["frames"] == 20
    rows = r.metrics["results"]
    assert {(x["people_per_frame"], x["method"]) for x in rows} == {(p, m) for p in (2, 5, 20) for m in ("greedy", "hungarian")}
    assert all(x["identities_kept"] and x["fps"] > 0 for x in rows)


@pytest.mark.slow
def test_tahnet_benchmark_writes_a_record_per_preset_and_batch(tmp_path: Path) -> None:
    _run("bench_tahnet.py", "--batches", "1", "--repeats", "1", "--matmul-size", "64", "--matmul-repeats", "1",
         "--out", str(tmp_path / "tahnet.json"))  # fmt: skip
    r = read_record(tmp_path / "tahnet.json")
    assert r.artefact == "bench_tahnet" and r.metrics["matmul_gflop_s"] > 0
    assert [x["head"] for x in r.metrics["results"]] == ["tahnet_v1", "tahnet_v2", "tahnet_v3", "tahnet_v4"]
    assert all(0 < x["gmacs_per_clip"] and x["clips_per_s"] > 0 for x in r.metrics["results"])


def test_keypoint_ap_under_noise_writes_a_record(synthetic_tiny: Path, tmp_path: Path) -> None:
    _run("keypoint_ap_under_noise.py", "--data", str(synthetic_tiny), "--noise", "0", "2", "--frame-stride", "8",
         "--max-clips", "3", "--out", str(tmp_path / "kp.json"))  # fmt: skip
    r = read_record(tmp_path / "kp.json")
    assert r.artefact == "keypoint_ap_under_noise" and r.parameters["benchmark_seed"] == 3
    assert [x["noise_px"] for x in r.metrics["rows"]] == [0.0, 2.0]
    assert r.metrics["rows"][0]["keypoint_AP"] == pytest.approx(1.0) and r.metrics["rows"][1]["keypoint_AP"] < 0.9
