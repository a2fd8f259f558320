"""The tracker scored on the synthetic benchmark against its true identities."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hiar_lib.synth import index_synthetic, load_annotation
from hiar_lib.track import TrackerConfig
from hiar_lib.tracking_eval import FrameInstances, crossing_pairs, evaluate_tracker_on_benchmark


def test_tracker_alone_keeps_every_identity_on_ground_truth_instances(synthetic_tiny: Path) -> None:
    for method in ("greedy", "hungarian"):
        r = evaluate_tracker_on_benchmark(synthetic_tiny, "cv", "test", TrackerConfig(method=method), progress=False)
        present = sum(int(load_annotation(synthetic_tiny, s.name).present.sum()) for s in index_synthetic(synthetic_tiny).split("cv")["test"])
        assert r["all"]["num_gt"] == present > 0
        assert r["all"]["idf1"] >= 0.99 and r["all"]["id_switches"] == 0


def test_swapped_identities_are_caught(synthetic_tiny: Path) -> None:
    # A "detector" that hands over the true instances but teleports two people's
    # keypoints into each other's places halfway: the tracker must follow the keypoints,
    # so the scored identities switch.
    def detect(video: str) -> FrameInstances:
        ann = load_annotation(synthetic_tiny, Path(video).stem)
        kps, boxes = [], []
        for t in range(ann.num_frames):
            p = np.flatnonzero(ann.present[t])
            k = ann.keypoints[t, p].copy()
            if t >= ann.num_frames // 2 and len(p) >= 2:
                k[[0, 1]] = k[[1, 0]]
            kps.append(k)
            boxes.append(ann.boxes[t, p])
        return FrameInstances(kps, boxes)

    r = evaluate_tracker_on_benchmark(synthetic_tiny, "cs", "test", TrackerConfig(gate=None), detect=detect, progress=False)
    assert r["instances"] == "detected"
    assert r["all"]["id_switches"] > 0 and r["all"]["idf1"] < 0.99


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
    import json

    from hiar_lib.cli import main

    out = tmp_path / "tracking.json"
    assert main(["eval-tracking", "--data", str(synthetic_tiny), "--protocol", "cv", "--out", str(out), "--no-progress"]) == 0
    record = json.loads(out.read_text())
    assert [r["tracker"]["method"] for r in record["runs"]] == ["greedy", "hungarian", "greedy"]
    assert record["runs"][2]["tracker"]["max_gap"] == 0 and record["runs"][2]["tracker"]["gate"] is None
    assert all(r["instances"] == "ground_truth" for r in record["runs"])
    assert record["runs"][0]["all"]["idf1"] >= 0.99
    assert record["provenance"]["profile"] == "tiny" and record["benchmark"]["seed"] == 3
    assert "IDF1" in capsys.readouterr().out
