"""The synthetic benchmark generator: its plan, its exact ground truth, resume and CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from hiar_lib.cli import main
from hiar_lib.data.synthetic import load_manifest, summarize_benchmark
from hiar_lib.data.synthetic_annotation import load_annotation
from hiar_lib.data.video import probe_video, read_clip
from hiar_lib.experiments.records import read_record
from hiar_lib.profiles import get_profile
from hiar_lib.synth.actions import CLASSES, HAND_ONLY_PAIRS, MUTUAL_CLASSES
from hiar_lib.synth.benchmark import generate_benchmark, plan_benchmark
from hiar_lib.synth.config import SynthConfig, with_overrides
from hiar_lib.synth.body import make_subjects, pose_body, rest_controls
from hiar_lib.synth.render import look_at_camera


# -- the plan ------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["smoke", "quick", "synthetic-full"])
def test_profiles_cover_every_class_in_both_splits_of_both_protocols(profile: str) -> None:
    cfg = get_profile(profile).synth
    takes = plan_benchmark(cfg, seed=0)
    n_clips = len(takes) * len(cfg.views)
    min_clips, min_subjects = {"smoke": (72, 4), "quick": (216, 10), "synthetic-full": (648, 20)}[profile]
    assert n_clips >= min_clips and cfg.num_subjects >= min_subjects
    assert len(cfg.views) >= 3 and len(CLASSES) >= 10
    train_subjects = set(cfg.train_subjects)
    for label in range(len(CLASSES)):
        mine = [t for t in takes if t.label == label]
        # cross-subject: the class has takes by training and by test performers
        assert {t.actors[0] in train_subjects for t in mine} == {True, False}
        # every person of a take is on the same side of the cross-subject split
        for t in mine:
            people = list(t.actors) + [s for s, _ in t.distractors]
            assert len(set(people)) == len(people)
            assert {s in train_subjects for s in people} == {t.train_half}
            assert 1 <= len(people) <= 4
            assert len(t.actors) == (2 if label in MUTUAL_CLASSES else 1)
    # bystanders appear in some takes (the detector and the tracker must cope with them)
    assert any(t.distractors for t in takes)


def test_quick_profile_is_larger_than_none_and_full_is_several_times_quick() -> None:
    quick = len(plan_benchmark(SynthConfig())) * 3
    full = len(plan_benchmark(get_profile("synthetic-full").synth)) * 3
    assert full >= 3 * quick


def test_hand_only_pairs_and_required_classes_exist() -> None:
    names = set(CLASSES)
    for needed in ("jump up", "sitting down", "falling", "walking towards each other", "walking apart from each other",
                   "hugging other person", "pushing other person", "handshaking", "clapping", "rub two hands together"):  # fmt: skip
        assert needed in names
    assert (CLASSES.index("clapping"), CLASSES.index("rub two hands together")) in HAND_ONLY_PAIRS


def test_plan_is_deterministic_from_the_seed() -> None:
    assert plan_benchmark(SynthConfig(), seed=5) == plan_benchmark(SynthConfig(), seed=5)
    assert plan_benchmark(SynthConfig(), seed=5) != plan_benchmark(SynthConfig(), seed=6)


# -- the body --------------------------------------------------------------------------


def test_posed_bones_keep_their_lengths_and_left_is_on_the_bodys_left() -> None:
    subject = make_subjects(8, seed=1)[3]
    c = rest_controls(subject, 5)
    c.yaw[:] = np.pi  # facing the front camera
    c.wrists[:, 1] = (0.3, subject.shoulder_height + 0.2, 0.3)  # right hand raised
    pose = pose_body(subject, c)
    k = pose.keypoints
    np.testing.assert_allclose(np.linalg.norm(k[:, 5] - k[:, 7], axis=-1), subject.upper_arm, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(k[:, 12] - k[:, 14], axis=-1), subject.thigh, rtol=1e-6)
    cam = look_at_camera((0, 1.4, -5), (0, 0.9, 0), 192, 144, 55)
    uv, _ = cam.project(k[0])
    # A person facing the camera shows their left shoulder on the image's right.
    assert uv[5, 0] > uv[6, 0] and uv[11, 0] > uv[12, 0]
    assert uv[10, 1] < uv[6, 1]  # the raised right wrist is above the right shoulder
    assert uv[15, 1] > uv[13, 1] > uv[11, 1]  # ankle below knee below hip


def test_subjects_differ_in_proportions_and_appearance() -> None:
    subjects = make_subjects(10, seed=0)
    assert len({round(s.height, 2) for s in subjects}) == 10
    assert len({s.shirt for s in subjects}) == 10
    assert max(s.height for s in subjects) - min(s.height for s in subjects) > 0.3


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        SynthConfig(width=191)
    with pytest.raises(ValueError, match="views"):
        SynthConfig(views=(1, 4))
    with pytest.raises(TypeError, match="SynthConfig"):
        generate_benchmark("/nonexistent/never", "quick")  # a name is get_profile's to resolve


# -- the rendered benchmark ------------------------------------------------------------------


def test_clips_load_back_through_the_video_reader(synthetic_tiny: Path) -> None:
    manifest = load_manifest(synthetic_tiny)
    assert len(manifest["clips"]) == 36
    for clip in manifest["clips"][:6]:
        info = probe_video(synthetic_tiny / clip["video"])
        assert (info.num_frames, info.width, info.height) == (16, 192, 144)
        frames = read_clip(synthetic_tiny / clip["video"], clip_len=8, stride=2, start=0).frames
        assert frames.shape == (8, 3, 144, 192)


def test_every_box_is_the_extent_of_its_mask_and_masks_are_disjoint(synthetic_tiny: Path) -> None:
    manifest = load_manifest(synthetic_tiny)
    checked = 0
    for clip in manifest["clips"]:
        ann = load_annotation(synthetic_tiny, clip["name"])
        m = ann.masks
        assert m.shape == (ann.num_frames, len(ann.track_ids), ann.height, ann.width)
        assert (m.sum(axis=1) <= 1).all()  # one person per pixel
        np.testing.assert_array_equal(ann.present, m.any(axis=(2, 3)))
        for t, p in zip(*np.nonzero(ann.present)):
            rows, cols = np.nonzero(m[t, p])
            assert ann.boxes[t, p].tolist() == [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]
            checked += 1
        assert np.isnan(ann.boxes[~ann.present]).all()
    assert checked > 1000


def test_visible_keypoints_lie_in_the_frame_and_outside_ones_are_invisible(synthetic_tiny: Path) -> None:
    manifest = load_manifest(synthetic_tiny)
    seen = {0: 0, 1: 0, 2: 0}
    for clip in manifest["clips"]:
        ann = load_annotation(synthetic_tiny, clip["name"])
        kp = ann.keypoints[ann.present]  # (N, 17, 3)
        x, y, v = kp[..., 0], kp[..., 1], kp[..., 2]
        inside = (x >= 0) & (x < ann.width) & (y >= 0) & (y < ann.height)
        assert (inside[v > 0]).all()
        assert (v[~inside] == 0).all()
        # a visible keypoint sits on its own person's mask
        m = ann.masks[ann.present]
        n, j = np.nonzero(v == 2)
        assert m[n, y[n, j].astype(int), x[n, j].astype(int)].all()
        for k in seen:
            seen[k] += int((v == k).sum())
    assert seen[2] > 0 and seen[1] > 0  # occlusions between people happen


def test_rendered_people_are_where_their_masks_say(synthetic_tiny: Path) -> None:
    # The video shows people on the mask pixels: frames differ from the plain room there.
    clip = load_manifest(synthetic_tiny)["clips"][0]
    ann = load_annotation(synthetic_tiny, clip["name"])
    frames = read_clip(synthetic_tiny / clip["video"], clip_len=ann.num_frames, start=0).frames.float()
    person = ann.masks.any(axis=1)  # (T, H, W)
    assert person.any()
    still = frames.std(dim=0).mean(dim=0)  # background is static, people move
    t_mean_person = still[torch.from_numpy(person.any(axis=0))].mean()
    t_mean_room = still[torch.from_numpy(~person.any(axis=0))].mean()
    assert t_mean_person > 2 * t_mean_room


def test_labels_roles_and_track_ids(synthetic_tiny: Path) -> None:
    for clip in load_manifest(synthetic_tiny)["clips"]:
        ann = load_annotation(synthetic_tiny, clip["name"])
        actors = [lab for lab, role in zip(ann.person_labels, ann.roles) if role == "actor"]
        assert actors == [ann.label] * (2 if ann.label in MUTUAL_CLASSES else 1)
        assert all(lab == -1 for lab, role in zip(ann.person_labels, ann.roles) if role == "distractor")
        assert sorted(ann.track_ids.tolist()) == list(range(1, len(ann.track_ids) + 1))


def test_generation_is_deterministic_and_resumes_without_rerendering(tmp_path: Path, synthetic_tiny: Path) -> None:
    cfg = with_overrides(SynthConfig(), profile="tiny", takes_per_class=1, num_frames=16, classes=(2, 7))
    a, b = tmp_path / "a", tmp_path / "b"
    generate_benchmark(a, cfg, seed=3, workers=1, progress=False)
    generate_benchmark(b, cfg, seed=3, workers=1, progress=False)
    # Same seed: identical ground truth (and the same takes as the big fixture, seed 3).
    for ann in sorted((a / "annotations").glob("*.json")):
        assert ann.read_text() == (b / "annotations" / ann.name).read_text()
    # Resume: delete one clip's annotation; only that clip is written again.
    names = sorted(p.stem for p in (a / "videos").glob("*.mp4"))
    victim = names[0]
    before = {p: p.stat().st_mtime_ns for p in (a / "videos").glob("*.mp4")}
    kept = (a / "annotations" / f"{victim}.json").read_text()
    (a / "annotations" / f"{victim}.json").unlink()
    generate_benchmark(a, cfg, seed=3, workers=1, progress=False)
    assert (a / "annotations" / f"{victim}.json").read_text() == kept
    after = {p: p.stat().st_mtime_ns for p in (a / "videos").glob("*.mp4")}
    changed = {p.stem for p in before if before[p] != after[p]}
    take = victim.split("_T")[1].split("_")[0]
    assert victim in changed and all(f"_T{take}_" in n for n in changed)


# -- command line ----------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_generates_the_quick_profile_with_summary_and_contact_sheet(tmp_path: Path, capsys) -> None:
    out = tmp_path / "quick"
    assert main(["synth", "--out", str(out), "--profile", "quick", "--summary", str(tmp_path / "s.json"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "216 clips" in text and "cs: train 108 clips, every class; test 108 clips, every class" in text
    record = read_record(tmp_path / "s.json")
    summary = record.metrics
    assert summary["clips"] == summary["clips_readable"] == 216
    assert record.provenance["profile"] == "quick" and record.provenance["seeds"] == [0]
    assert not record.reused and record.wall_time_s > 0
    # A second run finds the benchmark complete: the summary keeps the rendering's time and date.
    assert main(["synth", "--out", str(out), "--profile", "quick", "--summary", str(tmp_path / "t.json"), "--no-progress"]) == 0
    again = read_record(tmp_path / "t.json")
    assert again.reused and again.wall_time_s == record.wall_time_s and again.metrics == summary
    assert "reused" in capsys.readouterr().out
    for proto in ("cs", "cv"):
        for split in ("train", "test"):
            assert summary["protocols"][proto][split]["classes_missing"] == []
    assert summarize_benchmark(out)["protocols"] == summary["protocols"]
    sheet = tmp_path / "sheet.png"
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg")  # a backend of the caller's (a notebook's inline one) must be left as it is
    try:
        assert main(["synth-sheet", str(out), "--out", str(sheet)]) == 0
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)
    from torchvision.io import decode_png, read_file

    img = decode_png(read_file(str(sheet)))
    assert img.shape[0] in (3, 4) and img.shape[1] > 1000 and img.shape[2] > 400
    again = tmp_path / "again.png"
    assert main(["synth-sheet", str(out), "--out", str(again)]) == 0
    assert again.read_bytes() == sheet.read_bytes() and b"Matplotlib" not in sheet.read_bytes()  # byte-stable


def test_cli_sheet_on_a_folder_that_is_no_benchmark_fails_in_one_line(tmp_path: Path, capsys) -> None:
    assert main(["synth-sheet", str(tmp_path), "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "manifest.json is missing" in err and "Traceback" not in err
