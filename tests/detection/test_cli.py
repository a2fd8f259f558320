"""The detector's drawing (hiar_lib.viz) and command line (``hiar detect``,
``hiar train-detector``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch

from hiar_lib.detection.build import build_detector
from hiar_lib.detection.inference import detect_frames
from hiar_lib.experiments.records import read_record
from hiar_lib.profiles import DETECTOR_DATA_SEED, get_profile
from hiar_lib.viz import detection_grid, draw_instances, save_png
from tests.conftest import realdata_file


def test_drawing_colours_the_detected_people(real_frames):
    torch.manual_seed(0)
    model = build_detector("synthetic", random_init=True, score_thresh=0.0, min_size=96, max_size=200)
    dets = detect_frames(model, real_frames, return_features=False)
    one = draw_instances(real_frames[0], dets[0])
    assert one.shape == real_frames[0].shape and one.dtype == torch.uint8
    assert not torch.equal(one, real_frames[0])
    assert torch.equal(draw_instances(real_frames[0], dets[0], score_thresh=2.0), real_frames[0])
    grid = detection_grid(real_frames, dets, nrow=2, padding=2)
    assert grid.shape == (3, 240 + 4, 2 * 426 + 6)
    with pytest.raises(ValueError, match="2 frames but detections for 1"):
        detection_grid(real_frames, dets.instances[:1])


def _cli(argv: list[str]) -> int:
    from hiar_lib.cli import detect as cli_detect

    parser = argparse.ArgumentParser(prog="hiar")
    sub = parser.add_subparsers(dest="command", required=True)
    cli_detect.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_detect_writes_a_png_grid(tmp_path):
    video = realdata_file("clips", "basketball_two_people.mp4")
    out = tmp_path / "det.png"
    rc = _cli([
        "detect", str(video), "--out", str(out), "--preset", "synthetic", "--random-init",
        "--frames", "2", "--stride", "5", "--score-thresh", "0.0", "--max-side", "160",
    ])  # fmt: skip
    assert rc == 0 and out.stat().st_size > 0
    from torchvision.io import read_image

    img = read_image(str(out))
    assert img.shape[0] == 3 and img.shape[2] > 160


@pytest.mark.slow
def test_cli_train_detector_writes_results_json(synthetic_tiny, tmp_path):
    results = tmp_path / "results" / "detector_synthetic.json"
    rc = _cli([
        "train-detector", "--data", str(synthetic_tiny), "--train-split", "train", "--iterations", "1",
        "--batch-size", "2", "--cache-dir", str(tmp_path / "cache"), "--results", str(results),
        "--eval-stride", "16", "--no-progress",
    ])  # fmt: skip
    assert rc == 0
    r = read_record(results)
    assert r.artefact == "detector_synthetic" and r.metrics["training"]["iterations"] == 1
    assert {"box_AP", "box_AP50", "keypoint_AP", "mask_AP"} <= set(r.metrics)
    prov = r.provenance
    assert "git_commit" in prov and prov["versions"]["torch"] == torch.__version__ and r.parameters["config"]["batch_size"] == 2
    assert prov["profile"] == "quick" and r.parameters["benchmark_profile"] == "tiny" and prov["seeds"] == [0] and r.metrics["training"]["skipped_nonfinite_steps"] == 0
    checkpoint = r.parameters["checkpoint"]
    assert Path(checkpoint["file"]).is_file() and checkpoint["iterations"] == 1 and len(checkpoint["sha256"]) == 16
    assert not r.reused and r.wall_time_s >= r.metrics["training"]["wall_time_s"]
    # A second run takes the checkpoint from the cache and says so, with the original training's time.
    again = tmp_path / "again.json"
    assert _cli([
        "train-detector", "--data", str(synthetic_tiny), "--train-split", "train", "--iterations", "1",
        "--batch-size", "2", "--cache-dir", str(tmp_path / "cache"), "--results", str(again),
        "--eval-stride", "16", "--no-progress",
    ]) == 0  # fmt: skip
    second = read_record(again)
    assert second.reused and second.provenance["reused"]["sha256"] == checkpoint["sha256"]
    assert second.parameters["checkpoint"] == checkpoint and second.metrics["keypoint_AP"] == r.metrics["keypoint_AP"]
    assert second.wall_time_s >= r.metrics["training"]["wall_time_s"]
    assert r.parameters["train_split"] == "train" and r.parameters["train_benchmark_seed"] == r.parameters["benchmark_seed"] == 3


@pytest.mark.slow
def test_cli_profile_detector_trains_on_a_benchmark_of_its_own_and_is_scored_on_another(synthetic_tiny, tmp_path, capsys):
    from hiar_lib.cli import main

    smoke = get_profile("smoke")
    own = tmp_path / "smoke-detector"
    common = ["--cache-dir", str(tmp_path / "cache"), "--eval-stride", "16", "--no-progress"]
    # The profile trains on every clip of --data: without a benchmark to score on, it refuses and says how.
    assert main(["train-detector", "--data", str(synthetic_tiny), "--profile", "smoke", *common]) == 2
    err = capsys.readouterr().err
    assert "hiar train-detector: error:" in err and "--eval-data" in err and "hiar synth --profile smoke --for-detector" in err
    # ... nor on a benchmark of the same seed (the same people, here the very clips).
    assert main(["train-detector", "--data", str(synthetic_tiny), "--eval-data", str(synthetic_tiny), "--profile", "smoke",
                 *common]) == 2  # fmt: skip
    assert "seed" in capsys.readouterr().err and not (tmp_path / "cache").exists()
    # The detector's own benchmark: the profile's detector_data, with other people (another seed).
    assert main(["synth", "--out", str(own), "--profile", "smoke", "--for-detector", "--no-progress"]) == 0
    manifest = json.loads((own / "manifest.json").read_text())
    assert manifest["seed"] == DETECTOR_DATA_SEED != 0 and manifest["config"]["num_subjects"] == smoke.detector_data.num_subjects
    results = tmp_path / "smoke.json"
    assert main(["train-detector", "--data", str(own), "--eval-data", str(synthetic_tiny), "--profile", "smoke",
                 "--results", str(results), *common]) == 0  # fmt: skip
    record = read_record(results)
    assert record.metrics["training"]["iterations"] == smoke.detector.iterations
    # every clip, not one protocol's training half (frames with nobody in them are left out)
    assert record.metrics["training"]["train_frames"] > len(manifest["clips"]) * manifest["num_frames"] // 2
    assert record.parameters["train_split"] == "all" and record.parameters["train_benchmark_seed"] == DETECTOR_DATA_SEED
    assert record.parameters["benchmark_root"] == str(synthetic_tiny) and record.parameters["benchmark_seed"] == 3
    assert record.metrics["evaluation"]["images"] > 0
    # The record says its numbers mean nothing.
    assert record.provenance["profile"] == "smoke" and "mean nothing" in record.provenance["warning"]


def test_save_png_rejects_float_images(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        save_png(torch.zeros(3, 4, 4), tmp_path / "x.png")
