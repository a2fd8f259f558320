"""The benchmark scripts run and write results records (their speed figures are never asserted)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hiar_lib.experiments.records import read_record

REPO = Path(__file__).resolve().parents[1]


def benchmark_module(name: str):
    """``benchmarks/<name>.py`` imported as a module (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_detector_recipes_each_change_one_thing_of_the_quick_profiles_detector() -> None:
    run = subprocess.run([sys.executable, str(REPO / "benchmarks" / "detector_recipes.py"), "--list"], capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    from hiar_lib.profiles import get_profile

    recipes = {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1]) for line in run.stdout.splitlines()}
    quick = recipes.pop("quick")
    assert quick == get_profile("quick").detector.to_dict()
    for name, cfg in recipes.items():
        changed = {k for k in cfg if cfg[k] != quick[k]} | {f"model.{k}" for k in cfg["model"] if cfg["model"][k] != quick["model"][k]}
        assert f"{cfg['iterations']}" in name, name
        expected = {"iterations"} if cfg["iterations"] != quick["iterations"] else set()
        expected |= {"input_scale"} if name.startswith("scale2") else set()
        expected |= {"model", "model.keypoint_layers"} if name.startswith("kpwide") else set()
        expected |= {"batch_size", "lr"} if name.startswith("bs8") else set()
        assert changed == expected, (name, changed)
    bad = subprocess.run([sys.executable, str(REPO / "benchmarks" / "detector_recipes.py"), "--recipe", "nope"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "one of quick, it1600" in bad.stderr


@pytest.mark.slow
def test_tracking_sweep_filters_detections_by_score_and_scores_every_setting(synthetic_tiny: Path, tmp_path: Path) -> None:
    """A random-init detector scores people about 0.44-0.55: at 0.53 some of its boxes are
    tracked, above every score nothing is (every true person a miss, no false positive)."""
    from hiar_lib.data.synthetic import index_synthetic
    from hiar_lib.data.synthetic_annotation import load_annotation
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.weights import save_detector

    weights = save_detector(build_detector("synthetic", random_init=True, seed=0), tmp_path / "det.pt")
    _run("tracking_sweep.py", "--data", str(synthetic_tiny), "--weights", str(weights), "--split", "test",
         "--min-score", "0.53", "--scores", "0.53", "1.01", "--gates", "1", "0", "--max-gaps", "3",
         "--out", str(tmp_path / "sweep.json"))  # fmt: skip
    r = read_record(tmp_path / "sweep.json")
    assert r.artefact == "tracking_sweep" and r.parameters["split"] == "test" and r.parameters["benchmark_seed"] == 3
    rows = r.metrics["rows"]
    assert [(x["score_threshold"], x["gate"], x["max_gap"]) for x in rows] == [
        (0.53, 1.0, 3), (0.53, None, 3), (1.01, 1.0, 3), (1.01, None, 3)]  # fmt: skip
    samples = index_synthetic(synthetic_tiny, probe=False).split("cs")["test"]
    people = sum(int(load_annotation(synthetic_tiny, s.name).present.sum()) for s in samples)
    for row in rows[:2]:
        assert row["num_false_positives"] > 0 and row["num_misses"] <= people
    for row in rows[2:]:
        assert (row["num_false_positives"], row["num_misses"], row["recall"], row["id_switches"]) == (0, people, 0.0, 0)
        assert row["precision"] is None  # nothing detected: no precision, written as null
    assert r.metrics["best"] in rows


def test_table_rows_benchmark_times_rows_from_one_crop_cache_against_re_extracting(synthetic_tiny: Path, tmp_path: Path) -> None:
    _run("table_rows.py", "--data", str(synthetic_tiny), "--random-init", "--score-thresh", "0.57", "--profile", "smoke",
         "--limit", "2", "--rows", "table3_outermost", "table6_P4", "--out", str(tmp_path / "rows.json"))  # fmt: skip
    r = read_record(tmp_path / "rows.json")
    assert r.artefact == "table_rows_bench" and r.parameters["videos"] == 4
    assert list(r.metrics["rows"]) == ["table3_outermost", "table6_P4"]
    assert r.metrics["rows"]["table6_P4"]["clip"]["pooler"]["levels"] == ["P4"]
    for row in r.metrics["rows"].values():
        assert row["tubes"]["extract_s"] > 0 and row["crops"]["read_s"] > 0
    tubes = sum(x["tubes"]["extract_s"] + x["tubes"]["read_s"] for x in r.metrics["rows"].values())
    assert r.metrics["ratio_tubes"] == round(tubes / sum(x["crops"]["read_s"] for x in r.metrics["rows"].values()), 1)
    assert r.metrics["crops_cache_mb"] > 0 and r.parameters["crops_settings"]["kind"] == "crops"


def test_timing_benchmark_records_each_stage_and_the_table_reads_it_back(synthetic_tiny: Path, tmp_path: Path) -> None:
    """`make bench`'s Section 4.4 record: our detector at the clip's size, the tracker, a
    head, the whole pipeline on the benchmark's most crowded test clip; the notebook's
    table shows the record with its device."""
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.weights import save_detector
    from hiar_lib.experiments.timing import bench_timing_table

    weights = save_detector(build_detector("synthetic", random_init=True, seed=0), tmp_path / "det.pt")
    out = tmp_path / "bench" / "timing_cpu.json"
    _run("bench_timing.py", "--weights", str(weights), "--data", str(synthetic_tiny), "--frames", "1", "--repeats", "1",
         "--sizes", "--heads", "tahnet_v4", "--out", str(out))  # fmt: skip
    rows = read_record(out).metrics["rows"]
    assert [r["component"] for r in rows] == ["detector", "tracker", "tracker", "head", "head", "end_to_end"]
    assert rows[0]["preset"] == "synthetic" and rows[3]["paper_fps"] == 13.25 and rows[4]["paper_fps"] is None
    assert rows[5]["frames"] == 8 and set(rows[5]["seconds"]) == {"detect", "track", "pool", "head"}
    table = bench_timing_table(out.parent)
    assert list(table.columns)[-1] == "paper_fps" and len(table) == 6
    assert table.loc[("end_to_end", f"synthetic {rows[5]['size'][0]} x {rows[5]['size'][1]} (synthetic)")].iloc[0] == rows[5]["fps"]


def test_head_training_benchmark_times_every_head_at_the_profiles_widths(tmp_path: Path) -> None:
    out = tmp_path / "head_training.json"
    _run("bench_head_training.py", "--profile", "smoke", "--iterations", "1", "--out", str(out))
    rows = read_record(out).metrics["rows"]
    assert [r["head"] for r in rows] == ["tahnet_v1", "tahnet_v2", "tahnet_v3", "tahnet_v4"]
    assert all(r["batch"] == 4 and r["iterations_per_head"] == 5 for r in rows)  # the smoke budget
    assert all(r["seconds_per_head"] == pytest.approx(5 * r["seconds_per_iteration"]) for r in rows)
    assert rows[0]["widths"] == {"dim_conv": 16, "dim_fc": 32}  # smoke: widths / 64 and / 32


def test_demo_benchmark_records_each_stage_over_a_real_clip(demo_head: Path, tmp_path: Path) -> None:
    from tests.conftest import realdata_file

    video = realdata_file("clips", "ntu_sample.avi")
    out = tmp_path / "demo_cpu.json"
    still = tmp_path / "still.png"
    _run("bench_demo.py", "--head", str(demo_head), "--random-init", "--video", str(video), "--max-side", "160", "--out", str(out),
         "--still", str(still))  # fmt: skip
    record = read_record(out)
    (row,) = record.metrics["rows"]
    assert set(row["seconds"]) == {"decode", "detect", "track", "pool", "head", "draw"} and row["frames"] > 0
    assert row["detected_frames"] < row["frames"] and row["fps"] > 0 and record.provenance["matmul_gflops"] > 0
    from torchvision.io import decode_png, read_file

    assert tuple(decode_png(read_file(str(still))).shape[1:]) == (row["size"][1], row["size"][0])  # the drawn middle frame


def test_every_planted_bug_still_fits_the_code_and_an_unknown_one_is_refused(tmp_path: Path, monkeypatch) -> None:
    script = str(REPO / "benchmarks" / "planted_bugs.py")
    run = subprocess.run([sys.executable, script, "--check"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    names = [line.split(":")[0] for line in run.stdout.splitlines()]
    assert len(names) == len(set(names)) >= 10 and "ntu_cs_subject_38_to_36" in names
    bad = subprocess.run([sys.executable, script, "--only", "no_such_plant", "--out", str(tmp_path / "p.json")],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert bad.returncode == 2 and "unknown plants: no_such_plant" in bad.stderr
    assert not (tmp_path / "p.json").exists()
    # A plant whose text the code no longer holds is refused before any test runs.
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    import planted_bugs as module

    (tmp_path / "hiar_lib").mkdir()
    (tmp_path / "hiar_lib" / "pool.py").write_text("x = 1\n")
    plant = next(p for p in module.PLANTS if p.file == "hiar_lib/pool.py")
    with pytest.raises(ValueError, match="holds its text 0 times"):
        module.check_plant(plant, tmp_path)


def test_a_mutation_report_carries_the_modules_a_sitting_did_not_reach_with_their_commit() -> None:
    report = benchmark_module("mutation_report")
    run = {
        "hiar_lib/crops.py": {"mutants": 10, "killed": 6, "survived": 1, "not_checked": 3, "surviving": ["c_1"]},
        "hiar_lib/pool.py": {"mutants": 12, "not_checked": 12, "surviving": []},
        "hiar_lib/track.py": {"mutants": 5, "not_checked": 5, "surviving": []},
        "hiar_lib/features.py": {"mutants": 4, "not_checked": 4, "surviving": []},
    }
    old = {
        "hiar_lib/crops.py": {"mutants": 10, "not_checked": 10, "surviving": []},
        "hiar_lib/pool.py": {"mutants": 11, "killed": 9, "survived": 2, "surviving": ["p_1", "p_2"]},
        "hiar_lib/track.py": {"mutants": 5, "killed": 5, "surviving": [], "measured_at": "aaa"},
        "hiar_lib/features.py": {"mutants": 4, "not_checked": 4, "surviving": []},
    }
    got = report.carry_modules(run, old, "old", "new", {"hiar_lib/pool.py": True, "hiar_lib/track.py": False})
    assert got["hiar_lib/crops.py"] == {**run["hiar_lib/crops.py"], "measured_at": "new"}  # measured now
    assert got["hiar_lib/pool.py"] == {**old["hiar_lib/pool.py"], "measured_at": "old", "source_changed_since": True}
    assert got["hiar_lib/track.py"]["measured_at"] == "aaa" and got["hiar_lib/track.py"]["source_changed_since"] is False
    assert got["hiar_lib/features.py"] == {**run["hiar_lib/features.py"], "measured_at": None}  # never measured
    assert report.source_changed(REPO, "hiar_lib/__init__.py", "HEAD") is False
    # A sitting on crops.py alone: pool.py's checked mutants are an older sitting's results that
    # mutmut kept (its unchanged functions), not this sitting's; the earlier entry is carried.
    run["hiar_lib/pool.py"] = {"mutants": 12, "killed": 3, "survived": 1, "not_checked": 8, "surviving": ["p_1"]}
    got = report.carry_modules(run, old, "old", "new", {"hiar_lib/pool.py": True}, reached={"hiar_lib/crops.py"})
    assert got["hiar_lib/crops.py"]["measured_at"] == "new" and got["hiar_lib/pool.py"]["measured_at"] == "old"
    assert got["hiar_lib/pool.py"]["surviving"] == ["p_1", "p_2"] and got["hiar_lib/pool.py"]["killed"] == 9
    assert report.carry_modules(run, old, "old", "new", {})["hiar_lib/pool.py"]["killed"] == 3  # no sitting named: any checked
    assert report.source_changed(REPO, "hiar_lib/__init__.py", "0" * 40) is None  # a commit git does not know


def test_a_mutant_is_planted_over_its_own_function_where_two_share_lines(tmp_path: Path) -> None:
    module = benchmark_module("plant_mutant")
    original = (
        "class C:\n"
        "    def f(self, x):\n        y = x + 1\n        return y\n\n"
        "    @property\n    def g(self):\n        y = x + 1\n        return y\n\n\n"
        "def h(x):\n    y = x + 1\n    return y\n"
    )
    mutated = (
        "class C:\n"
        "    def xǁCǁg__mutmut_1(self):\n        y = x - 1\n        return y\n\n\n"
        "def x_h__mutmut_2(x):\n    y = x + 2\n    return y\n"
    )
    (tmp_path / "root" / "pkg").mkdir(parents=True)
    (tmp_path / "mutants" / "pkg").mkdir(parents=True)
    (tmp_path / "root" / "pkg" / "m.py").write_text(original)
    (tmp_path / "mutants" / "pkg" / "m.py").write_text(mutated)
    target = module.plant("pkg.m.xǁCǁg__mutmut_1", tmp_path / "root", tmp_path / "mutants")
    assert target.read_text() == original.replace("    def g(self):\n        y = x + 1", "    def g(self):\n        y = x - 1")
    target.write_text(original)
    module.plant("pkg.m.x_h__mutmut_2", tmp_path / "root", tmp_path / "mutants")
    assert target.read_text() == original.replace("def h(x):\n    y = x + 1", "def h(x):\n    y = x + 2")
    for bad in ("pkg.m.h", "x_h__mutmut_2"):
        with pytest.raises(ValueError, match="not a mutmut mutant name"):
            module.split_name(bad)
    with pytest.raises(LookupError, match="no function 'x_k__mutmut_1'"):
        module.plant("pkg.m.x_k__mutmut_1", tmp_path / "root", tmp_path / "mutants")


def test_a_sittings_name_patterns_name_the_modules_it_reached(tmp_path: Path) -> None:
    report = benchmark_module("mutation_report")
    (tmp_path / "mutants" / "hiar_lib" / "engine").mkdir(parents=True)
    for module, keys in (("hiar_lib/crops.py", ["hiar_lib.crops.x_f__mutmut_1"]),
                         ("hiar_lib/engine/data.py", ["hiar_lib.engine.data.xǁTǁg__mutmut_2", "hiar_lib.engine.data.x_h__mutmut_1"])):  # fmt: skip
        (tmp_path / "mutants" / f"{module}.meta").write_text(json.dumps({"exit_code_by_key": {k: 1 for k in keys}}))
    assert report.sitting_modules(tmp_path, ["hiar_lib.crops.*"]) == {"hiar_lib/crops.py"}
    assert report.sitting_modules(tmp_path, ["hiar_lib.engine.data.x_h*", "nothing.*"]) == {"hiar_lib/engine/data.py"}
    assert report.sitting_modules(tmp_path, ["hiar_lib.*"]) == {"hiar_lib/crops.py", "hiar_lib/engine/data.py"}
    assert report.sitting_modules(tmp_path, ["hiar_lib.track.*"]) == set()
