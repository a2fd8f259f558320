"""The tracker scored on the synthetic benchmark against its true identities."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from hiar_lib.data.synthetic import index_synthetic
from hiar_lib.data.synthetic_annotation import load_annotation
from hiar_lib.track_config import PAPER_CONFIG, TrackerConfig
from hiar_lib.tracking_eval import ClipInstances, crossing_pairs, evaluate_tracker_on_benchmark


def annotated_detector(root: Path, alter: Callable[[int, int, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]):
    """A "detector" that hands over a clip's annotated people, frame by frame, as
    ``alter(t, num_frames, people, keypoints)`` leaves them (people: their indices in the
    annotation; each keeps its own box)."""

    def detect(video: str) -> ClipInstances:
        ann = load_annotation(root, Path(video).stem)
        kps, boxes = [], []
        for t in range(ann.num_frames):
            people = np.flatnonzero(ann.present[t])
            people, k = alter(t, ann.num_frames, people, ann.keypoints[t, people].copy())
            kps.append(k)
            boxes.append(ann.boxes[t, people])
        return ClipInstances(kps, boxes)

    return detect


def test_tracker_alone_keeps_every_identity_on_ground_truth_instances(synthetic_tiny: Path) -> None:
    test = index_synthetic(synthetic_tiny).split("cv")["test"]
    present = sum(int(load_annotation(synthetic_tiny, s.name).present.sum()) for s in test)
    crossing = [s for s in test if crossing_pairs(load_annotation(synthetic_tiny, s.name))]
    crossing_present = sum(int(load_annotation(synthetic_tiny, s.name).present.sum()) for s in crossing)
    for config in (TrackerConfig(method="greedy"), TrackerConfig(method="hungarian"), PAPER_CONFIG):
        r = evaluate_tracker_on_benchmark(synthetic_tiny, "cv", "test", config, progress=False)
        assert r["clips"] == len(test) and r["all"]["num_gt"] == present > 0
        assert r["all"]["idf1"] >= 0.99 and r["all"]["id_switches"] == 0
        # The clips where people cross, scored on their own.
        assert r["clips_with_crossings"] == len(crossing) > 0
        assert r["crossing_pairs"] >= len(crossing)
        assert r["crossing_clips"]["num_gt"] == crossing_present
        assert r["crossing_clips"]["idf1"] >= 0.99 and r["crossing_clips"]["id_switches"] == 0


def test_swapped_identities_are_caught(synthetic_tiny: Path) -> None:
    # A "detector" that hands over the true instances but teleports two people's
    # keypoints into each other's places halfway: the tracker must follow the keypoints,
    # so the scored identities switch.
    def swap(t: int, num_frames: int, people: np.ndarray, kps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if t >= num_frames // 2 and len(people) >= 2:
            kps[[0, 1]] = kps[[1, 0]]
        return people, kps

    detect = annotated_detector(synthetic_tiny, swap)
    r = evaluate_tracker_on_benchmark(synthetic_tiny, "cs", "test", TrackerConfig(gate=None), detect=detect, progress=False)
    assert r["instances"] == "detected"
    assert r["all"]["id_switches"] > 0 and r["all"]["idf1"] < 0.99


def test_the_trackers_settings_reach_it_a_gap_bridged_or_not(synthetic_tiny: Path) -> None:
    # A "detector" that misses the first annotated person of every clip for two frames:
    # a tracker allowed two missed frames continues most of those tracks, one allowed
    # none (the paper's) or one starts a new track where each person comes back.
    def miss(t: int, num_frames: int, people: np.ndarray, kps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = people != 0 if t in (6, 7) else np.ones(len(people), dtype=bool)
        return people[keep], kps[keep]

    detect = annotated_detector(synthetic_tiny, miss)

    def switches(config: TrackerConfig) -> int:
        r = evaluate_tracker_on_benchmark(synthetic_tiny, "cv", "test", config, detect=detect, progress=False)
        assert r["tracker"]["max_gap"] == config.max_gap
        return int(r["all"]["id_switches"])

    gapped = [s for s in index_synthetic(synthetic_tiny).split("cv")["test"]
              if load_annotation(synthetic_tiny, s.name).present[[5, 6, 7, 8], 0].all()]  # fmt: skip
    assert gapped  # the first person is there around the gap in some clips
    none, one, two = (switches(TrackerConfig(max_gap=g)) for g in (0, 1, 2))
    assert none == one >= len(gapped) > two


def test_crossing_pairs_found_where_order_swaps_with_overlap(synthetic_tiny: Path) -> None:
    found = 0
    for s in index_synthetic(synthetic_tiny).samples:
        ann = load_annotation(synthetic_tiny, s.name)
        for a, b in crossing_pairs(ann):
            ia, ib = list(ann.track_ids).index(a), list(ann.track_ids).index(b)
            both = np.flatnonzero(ann.present[:, ia] & ann.present[:, ib])
            cx = (ann.boxes[both, :, 0] + ann.boxes[both, :, 2]) / 2
            assert np.sign(cx[0, ia] - cx[0, ib]) != np.sign(cx[-1, ia] - cx[-1, ib])
            found += 1
    assert found > 0


def test_cli_writes_tracking_results_with_provenance(synthetic_tiny: Path, tmp_path: Path, capsys) -> None:
    from hiar_lib.cli import main
    from hiar_lib.experiments.records import read_record

    out = tmp_path / "tracking.json"
    assert main(["eval-tracking", "--data", str(synthetic_tiny), "--protocol", "cv", "--out", str(out), "--no-progress"]) == 0
    record = read_record(out)
    runs = record.metrics["runs"]
    assert [r["tracker"]["method"] for r in runs] == ["greedy", "hungarian", "greedy"]
    assert runs[2]["tracker"]["max_gap"] == 0 and runs[2]["tracker"]["gate"] is None
    assert all(r["instances"] == "ground_truth" for r in runs)
    assert runs[0]["all"]["idf1"] >= 0.99
    assert record.provenance["profile"] == "tiny" and record.parameters["benchmark"]["seed"] == 3
    assert record.parameters["detector"] is None and record.wall_time_s > 0
    assert "IDF1" in capsys.readouterr().out


@pytest.mark.slow
def test_detector_plus_tracker_sees_every_frame_the_detector_sees(synthetic_tiny: Path, tmp_path: Path, capsys) -> None:
    import json
    import shutil

    import torch

    from hiar_lib.cli import main
    from hiar_lib.data.video import read_clip
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.inference import detect_frames
    from hiar_lib.detection.weights import save_detector
    from hiar_lib.experiments.records import read_record

    torch.manual_seed(0)
    # Untrained, its scores sit around 0.5-0.6: a high threshold keeps a few boxes per frame.
    model = build_detector("synthetic", random_init=True, score_thresh=0.57)
    sample = index_synthetic(synthetic_tiny).split("cv")["test"][0]
    ann = load_annotation(synthetic_tiny, sample.name)
    # The same path through `hiar eval-tracking --weights`, on a benchmark of this one clip
    # and one training clip (the manifest lists the clips a benchmark has).
    small = tmp_path / "bench"
    shutil.copytree(synthetic_tiny, small, symlinks=True)
    manifest = json.loads((small / "manifest.json").read_text())
    manifest["clips"] = [c for c in manifest["clips"] if c["name"] == sample.name] + [
        next(c for c in manifest["clips"] if c["view"] != 1)
    ]
    (small / "manifest.json").write_text(json.dumps(manifest))
    weights = save_detector(model, tmp_path / "det.pt")
    out = tmp_path / "tracking.json"
    assert main(["eval-tracking", "--data", str(small), "--protocol", "cv", "--weights", str(weights),
                 "--score-thresh", "0.57", "--out", str(out), "--no-progress"]) == 0  # fmt: skip
    record = read_record(out)
    runs = record.metrics["runs"]
    assert record.parameters["detector"]["sha256"] and record.parameters["detector"]["file"] == str(weights)
    assert [r["instances"] for r in runs] == ["ground_truth"] * 3 + ["detected"]
    assert [r["clips"] for r in runs] == [1] * 4 and runs[3]["all"]["num_gt"] == int(ann.present.sum())
    # Every frame of the clip went through the detector: as many predictions as it finds.
    direct = evaluate_tracker_on_benchmark(small, "cv", "test", TrackerConfig(), model=model, progress=False)
    assert direct["instances"] == "detected" and direct["all"].keys() == runs[3]["all"].keys()
    for key, value in direct["all"].items():  # a metric with no value (nan) is written as None
        assert value == runs[3]["all"][key] or (value != value and runs[3]["all"][key] is None), key
    frames = read_clip(sample.path, clip_len=ann.num_frames, stride=1, start=0).frames
    found = sum(len(d) for d in detect_frames(model, frames, return_features=False).instances)
    assert found > 0 and direct["all"]["num_predictions"] == found
    detected = runs[3]["all"]
    assert detected["num_gt"] == runs[0]["all"]["num_gt"]  # scored against the same people
    assert detected["idf1"] < 0.99  # an untrained detector does not find them
    assert record.parameters["settings_of"] == "quick" and record.parameters["max_people"] == 100  # "tiny" is no profile
    assert record.parameters["score_thresh"] == 0.57  # the flag over quick's 0.5
    # --profile smoke: the smoke extraction's settings (people scoring >= 0.05, the 2 best of a frame).
    capped_out = tmp_path / "capped.json"
    assert main(["eval-tracking", "--data", str(small), "--protocol", "cv", "--weights", str(weights), "--profile", "smoke",
                 "--out", str(capped_out), "--no-progress"]) == 0  # fmt: skip
    capped = read_record(capped_out)
    assert (capped.parameters["settings_of"], capped.parameters["score_thresh"], capped.parameters["max_people"]) == ("smoke", 0.05, 2)
    loose = build_detector("synthetic", weights=weights, score_thresh=0.05)
    per_frame = [len(d) for d in detect_frames(loose, frames, return_features=False).instances]
    assert min(per_frame) > 2  # uncapped, the untrained detector finds more than 2 people in every frame at 0.05
    assert capped.metrics["runs"][3]["all"]["num_predictions"] == 2 * len(frames)  # capped: the 2 best of each
