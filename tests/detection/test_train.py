"""hiar_lib.detection.train: the synthetic detector trains, caches and evaluates."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from hiar_lib.detection.build import build_detector
from hiar_lib.detection.coco_eval import evaluate_detector
from hiar_lib.detection.config import DetectorTrainConfig
from hiar_lib.detection.train import train_detector
from hiar_lib.detection.weights import read_checkpoint


@pytest.mark.slow
def test_train_detector_caches_and_evaluates(synthetic_tiny, tmp_path):
    cfg = DetectorTrainConfig(minutes=None, iterations=2, batch_size=2, frame_stride=8, warmup_iterations=1)
    path = train_detector(synthetic_tiny, cache_dir=tmp_path / "cache", config=cfg, progress=False)
    training = read_checkpoint(path)["training"]
    assert training["iterations"] == 2 and training["curve"]
    assert math.isfinite(training["curve"][-1]["loss"])
    stamp = path.stat().st_mtime_ns
    copy = tmp_path / "out" / "det.pt"
    again = train_detector(synthetic_tiny, copy, cache_dir=tmp_path / "cache", config=cfg, progress=False)
    assert again == copy and path.stat().st_mtime_ns == stamp  # loaded from the cache, not retrained
    assert read_checkpoint(copy)["training"]["cache_key"] == training["cache_key"]
    assert copy.samefile(path)  # the named copy is a link to the cached checkpoint, not a second 170 MB at quick

    model = build_detector("synthetic", weights=copy)
    assert model.transform.min_size == (216,) and model.transform.max_size == 288  # 192x144 frames x 1.5
    assert model.detector_info.training["iterations"] == 2
    result = evaluate_detector(model, synthetic_tiny, "test", frame_stride=8, max_clips=2, progress=False)
    for key in ("box_AP", "box_AP50", "keypoint_AP", "mask_AP"):
        assert 0.0 <= result[key] <= 1.0
    assert result["images"] == 4 and result["instances"] >= 4
    assert model.roi_heads.score_thresh == 0.5  # restored after evaluation


@pytest.mark.slow
def test_training_by_iterations_gives_the_same_weights_twice(synthetic_tiny, tmp_path):
    """A fixed iteration count, not a time budget: two fresh runs end with identical weights."""
    import torch

    cfg = DetectorTrainConfig(minutes=None, iterations=3, batch_size=2, frame_stride=8, warmup_iterations=1, amp=False)
    first = train_detector(synthetic_tiny, cache_dir=tmp_path / "a", config=cfg, progress=False)
    second = train_detector(synthetic_tiny, cache_dir=tmp_path / "b", config=cfg, progress=False)
    a, b = read_checkpoint(first), read_checkpoint(second)
    assert a["training"]["cache_key"] == b["training"]["cache_key"]
    assert [r["loss"] for r in a["training"]["curve"]] == [r["loss"] for r in b["training"]["curve"]]
    assert a["state_dict"].keys() == b["state_dict"].keys()
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])
    other = train_detector(synthetic_tiny, cache_dir=tmp_path / "c", config=DetectorTrainConfig(
        minutes=None, iterations=3, batch_size=2, frame_stride=8, warmup_iterations=1, amp=False, seed=1), progress=False)
    c = read_checkpoint(other)["state_dict"]
    assert not all(torch.equal(a["state_dict"][k], c[k]) for k in c)  # the seed matters


def test_default_cache_dir_is_the_checkouts_cache_folder_unless_the_environment_says(monkeypatch, tmp_path):
    from hiar_lib.detection.train import default_cache_dir

    monkeypatch.delenv("HIAR_CACHE_DIR", raising=False)
    repo = Path(__file__).resolve().parents[2]
    assert (repo / "pyproject.toml").is_file()
    assert default_cache_dir() == repo / "cache"
    monkeypatch.setenv("HIAR_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
