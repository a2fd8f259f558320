"""The synthetic benchmark read back (hiar_lib.data.synthetic): manifest, protocols, index."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hiar_lib.data.datasets import index_dataset
from hiar_lib.data.synthetic import load_manifest
from hiar_lib.data.synthetic_annotation import load_annotation
from hiar_lib.errors import DatasetError
from hiar_lib.synth.benchmark import generate_benchmark
from hiar_lib.synth.config import SynthConfig, with_overrides

REPO = Path(__file__).resolve().parents[1]


def _tiny_benchmark(root: Path) -> Path:
    """A real synthetic benchmark of 4 clips (2 classes x 2 views, 2 frames of 32x32)."""
    cfg = with_overrides(
        SynthConfig(), profile="tiny", takes_per_class=1, num_frames=2, width=32, height=32, classes=(0, 1), views=(1, 2)
    )
    generate_benchmark(root, cfg, seed=3, workers=1, progress=False)
    return root


@pytest.mark.slow
def test_a_benchmark_is_read_back_without_the_generator(tmp_path: Path) -> None:
    root = _tiny_benchmark(tmp_path / "synth")
    code = (
        "import sys\n"
        "sys.modules['hiar_lib.synth'] = None  # as if the generator were not installed\n"
        "from hiar_lib.data.datasets import index_dataset\n"
        "from hiar_lib.data.synthetic import summarize_benchmark\n"
        "from hiar_lib.data.synthetic_annotation import load_annotation\n"
        f"index = index_dataset('synthetic', {str(root)!r}, progress=False)\n"
        "ann = load_annotation(index.root, index.samples[0].name)\n"
        "print(len(index), index.bad, ann.num_frames, ann.keypoints.shape[2:], summarize_benchmark(index.root)['clips'])\n"
        "print(sorted(m for m, mod in sys.modules.items() if m.startswith('hiar_lib.synth') and mod is not None))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["4 [] 2 (17, 3) 4", "[]"]


def test_synthetic_index_probes_its_clips_and_keeps_its_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _tiny_benchmark(tmp_path / "synth")
    unprobed = index_dataset("synthetic", root, probe=False, progress=False)
    assert len(unprobed) == 4 and unprobed.bad == [] and unprobed.protocol is None
    assert all(s.num_frames is None for s in unprobed.samples)
    first, second, *_ = unprobed.samples
    first.path.write_text("not a video")  # unreadable: found by probing
    second.path.unlink()  # missing: found by the manifest check
    capsys.readouterr()
    index = index_dataset("synthetic", root, protocol="xsub", progress=True)
    assert index.protocol == "cs" and index.title == "synthetic benchmark"
    assert [s.name for s in index.samples] == [s.name for s in unprobed.samples[2:]]
    assert all(s.num_frames == 2 for s in index.samples)
    assert [b.path for b in index.bad] == [second.path, first.path]
    assert "listed in the manifest but missing" in index.bad[0].reason
    assert "not a readable video" in index.bad[1].reason
    assert "probing synthetic benchmark: 100%" in capsys.readouterr().err
    with pytest.raises(DatasetError) as e:
        index_dataset("synthetic", root, protocol="v13_2", probe=False, progress=False)
    assert str(e.value) == "unknown protocol 'v13_2' for synthetic benchmark: expected one of 'cs', 'cv', 'v12_3', 'v31_2', 'v23_1'"


def test_synthetic_index_splits_by_subject_and_view(synthetic_tiny: Path) -> None:
    index = index_dataset("synthetic", synthetic_tiny, progress=False)
    cv = index.split("cv")
    assert {s.view for s in cv["train"]} == {2, 3} and {s.view for s in cv["test"]} == {1}
    cs = index.split("cs")
    train_subjects = set(load_manifest(synthetic_tiny)["protocols"]["cs"]["train_subjects"])
    assert all(s.subject in train_subjects for s in cs["train"])
    assert all(s.subject not in train_subjects for s in cs["test"])
    assert len(cs["train"]) + len(cs["test"]) == 36
    # N-UCLA's cross-view protocols on the three cameras (Table 2): two train, the third tests.
    for name, train, test in (("v12_3", {1, 2}, {3}), ("v31_2", {1, 3}, {2}), ("V(2,3)->1", {2, 3}, {1})):
        split = index.split(name)
        assert {s.view for s in split["train"]} == train and {s.view for s in split["test"]} == test, name
        assert len(split["train"]) == 24 and len(split["test"]) == 12
    # cross-view: every take is rendered from every view, so each view has every class
    takes = {(s.subject, s.label, s.take) for s in index.samples}
    for view in (1, 2, 3):
        assert {(s.subject, s.label, s.take) for s in index.samples if s.view == view} == takes
        assert {s.label for s in index.samples if s.view == view} == set(range(len(index.classes)))


def test_not_a_benchmark_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found"):
        load_manifest(tmp_path / "missing")
    with pytest.raises(DatasetError, match="manifest.json is missing"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(DatasetError, match="unreadable manifest"):
        load_manifest(tmp_path)
    with pytest.raises(DatasetError, match="annotation not found"):
        load_annotation(tmp_path, "A01_P001_T0001_C1")


def test_missing_clip_files_are_listed_not_raised(tmp_path: Path) -> None:
    cfg = with_overrides(SynthConfig(), profile="tiny", takes_per_class=1, num_frames=4, classes=(0,))
    generate_benchmark(tmp_path, cfg, seed=0, workers=1, progress=False)
    victim = sorted((tmp_path / "videos").glob("*.mp4"))[0]
    victim.unlink()
    index = index_dataset("synthetic", tmp_path, progress=False)
    assert len(index.samples) == 2 and len(index.bad) == 1 and str(victim) in index.bad[0].reason


def test_the_benchmark_summary_counts_its_clips_frames_people_and_splits(synthetic_tiny: Path, tmp_path: Path) -> None:
    """synthetic_tiny: 12 classes x 1 take x 3 views of 16 frames, seed 3."""
    import shutil
    from collections import Counter

    from hiar_lib.data.synthetic import summarize_benchmark

    manifest = load_manifest(synthetic_tiny)
    summary = summarize_benchmark(synthetic_tiny)
    assert (summary["profile"], summary["seed"], summary["clips"], summary["clips_readable"]) == ("tiny", 3, 36, 36)
    assert (summary["frames"], summary["classes"], summary["views"]) == (36 * 16, 12, [1, 2, 3])
    assert summary["frame_size"] == [manifest["width"], manifest["height"]] and summary["fps"] == manifest["fps"]
    assert summary["subjects"] == manifest["num_subjects"]
    people = Counter(str(c["num_persons"]) for c in manifest["clips"])
    assert summary["clips_by_people"] == dict(people) and sum(people.values()) == 36
    cv = summary["protocols"]["cv"]  # views 2 and 3 train, view 1 tests: every class once a view
    assert cv["train"] == {"clips": 24, "classes_missing": [], "min_clips_per_class": 2}
    assert cv["test"] == {"clips": 12, "classes_missing": [], "min_clips_per_class": 1}
    assert summary["protocols"]["v12_3"]["test"]["clips"] == 12
    cs = summary["protocols"]["cs"]
    assert cs["train"]["clips"] + cs["test"]["clips"] == 36
    # a clip whose files are gone is counted in the manifest, not among the readable ones
    copy = tmp_path / "bench"
    shutil.copytree(synthetic_tiny, copy)
    gone = manifest["clips"][0]
    (copy / gone["video"]).unlink()
    assert summarize_benchmark(copy)["clips"] == 36 and summarize_benchmark(copy)["clips_readable"] == 35


def test_the_crowded_test_clips_are_the_most_peopled_of_other_actions_first(synthetic_tiny: Path) -> None:
    from hiar_lib.data.synthetic import crowded_test_clips

    manifest = load_manifest(synthetic_tiny)
    index = index_dataset("synthetic", synthetic_tiny, progress=False)
    for protocol in ("cs", "cv"):
        test = {s.name for s in index.split(protocol)["test"]}
        most = max(c["num_persons"] for c in manifest["clips"] if c["name"] in test)
        chosen = crowded_test_clips(synthetic_tiny, count=3, protocol=protocol)
        assert len(chosen) == 3 and all(c["name"] in test for c in chosen)
        assert chosen[0]["num_persons"] == most
        assert chosen[0]["name"] == min(c["name"] for c in manifest["clips"] if c["name"] in test and c["num_persons"] == most)
        assert len({c["label"] for c in chosen}) == 3  # 12 actions among the test clips: three different ones
    cv_test = [c for c in manifest["clips"] if c["view"] == 1]
    every = crowded_test_clips(synthetic_tiny, count=len(cv_test) + 5, protocol="cv")
    assert sorted(c["name"] for c in every) == sorted(c["name"] for c in cv_test)  # no more than there are, none twice
    people = [c["num_persons"] for c in every[:12]]  # the first of each of the 12 actions, most people first
    assert people == sorted(people, reverse=True)
