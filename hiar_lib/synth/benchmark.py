"""The synthetic multi-person action benchmark: plan, render, write.

A *take* is one performance: a class, its actor(s), 0-3 distractors, a room. Like NTU
RGB+D, every take is recorded by three cameras at once (view 1 in front, views 2 and 3 at
-45 and +45 degrees), giving three clips. Every person of a take comes from the same
half of the subjects (``SynthConfig.train_subjects`` train under the cross-subject
protocol), so that the protocols of :func:`hiar_lib.data.synthetic.synthetic_protocols`
hold.

The benchmark is written in the format that :mod:`hiar_lib.data.synthetic` (layout,
manifest, index) and :mod:`hiar_lib.data.synthetic_annotation` (ground truth) define
and read back. Ground truth is exact: a box is the extent of its person's rendered mask
(``[min col, min row, max col + 1, max row + 1]``, pixels); keypoints are the projected
joints with visibility 2 (in the frame and the pixel shows that person), 1 (in the frame,
hidden by someone else) or 0 (outside the frame). A person with an empty mask in a frame
is absent from that frame's instances.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from hiar_lib.data.synthetic import (
    MANIFEST_FILE,
    annotation_file,
    masks_file,
    video_file,
)
from hiar_lib.data.synthetic_annotation import write_masks
from hiar_lib.data.video import write_video
from hiar_lib.fileio import atomic_write
from hiar_lib.synth.actions import (
    CLASSES,
    DISTRACTOR_BEHAVIOURS,
    MUTUAL_CLASSES,
    NO_ACTION,
    script_action,
    script_distractor,
)
from hiar_lib.synth.body import Subject, body_parts, make_subjects, pose_body
from hiar_lib.synth.config import VIEW_AZIMUTH_DEG, SynthConfig
from hiar_lib.synth.render import look_at_camera, render_background, render_people
from hiar_lib.vocabulary import NUM_KEYPOINTS

__all__ = ["TakeSpec", "clip_name", "generate_benchmark", "plan_benchmark"]

@dataclass(frozen=True)
class TakeSpec:
    """One performance, before rendering.

    Attributes:
        take: 1-based take id.
        label: class id.
        actors: subject ids of the actor(s).
        distractors: ``(subject id, behaviour)`` of each distractor.
        train_half: whether its subjects are in the cross-subject training half.
    """

    take: int
    label: int
    actors: tuple[int, ...]
    distractors: tuple[tuple[int, str], ...]
    train_half: bool


def clip_name(take: TakeSpec, view: int) -> str:
    """``A<class>_P<subject>_T<take>_C<view>``, e.g. ``A03_P007_T0012_C2``."""
    return f"A{take.label + 1:02d}_P{take.actors[0]:03d}_T{take.take:04d}_C{view}"


def plan_benchmark(config: SynthConfig, seed: int = 0) -> list[TakeSpec]:
    """Every take of the benchmark: classes, performers and distractors, no rendering.

    Each class alternates its takes between the cross-subject halves (so each half has
    every class as soon as ``takes_per_class >= 2``), and every take is seen by every view.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x91A]))
    train = [s for s in range(1, config.num_subjects + 1) if s in config.train_subjects]
    test = [s for s in range(1, config.num_subjects + 1) if s not in config.train_subjects]
    takes = []
    take_id = 0
    for label in config.classes:
        for k in range(config.takes_per_class):
            take_id += 1
            train_half = (k + label) % 2 == 0
            pool = list(rng.permutation(train if train_half else test))
            n_act = 2 if label in MUTUAL_CLASSES else 1
            if label in MUTUAL_CLASSES:
                n_dis = int(rng.choice([0, 1, 2], p=[0.4, 0.4, 0.2]))
            else:
                n_dis = int(rng.choice([0, 1, 2, 3], p=[0.3, 0.35, 0.25, 0.1]))
            n_dis = min(n_dis, len(pool) - n_act)
            actors = tuple(int(s) for s in pool[:n_act])
            dis = tuple(
                (int(s), str(rng.choice(DISTRACTOR_BEHAVIOURS, p=[0.35, 0.2, 0.45])))
                for s in pool[n_act : n_act + n_dis]
            )
            takes.append(TakeSpec(take_id, int(label), actors, dis, train_half))
    return takes


# -- rendering -------------------------------------------------------------------------


def _clearance(a: np.ndarray, others: list[np.ndarray]) -> float:
    """Smallest floor distance, over frames, between root track ``a`` and ``others``."""
    if not others:
        return np.inf
    return float(min(np.min(np.linalg.norm((a - o)[:, [0, 2]], axis=1)) for o in others))


def _script_take(take: TakeSpec, subjects: dict[int, Subject], config: SynthConfig, rng: np.random.Generator):
    """Controls, labels and roles of every person of a take."""
    t, fps = config.num_frames, config.fps
    actors = [subjects[s] for s in take.actors]
    if take.label in MUTUAL_CLASSES:
        centre = (rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3))
    else:
        centre = (rng.uniform(-0.5, 0.5), rng.uniform(-0.4, 0.4))
    controls = script_action(take.label, actors, t, fps, rng, centre=centre)
    people = [(c, subjects[s], take.label, "actor") for c, s in zip(controls, take.actors)]
    for sid, behaviour in take.distractors:
        s = subjects[sid]
        for _ in range(30):
            side = rng.choice([-1.0, 1.0])
            if behaviour == "pace":
                z = centre[1] + rng.choice([-1.0, 1.0]) * rng.uniform(0.6, 1.1)
                start, end = (side * rng.uniform(1.6, 2.2), z), (-side * rng.uniform(1.6, 2.2), z)
                c = script_distractor(behaviour, s, t, fps, rng, start, end)
                need = 0.5
            else:
                start = (side * rng.uniform(1.2, 2.0), rng.uniform(-0.6, 1.6))
                c = script_distractor(behaviour, s, t, fps, rng, start)
                need = 0.8
            if _clearance(c.root, [p[0].root for p in people]) >= need:
                people.append((c, s, NO_ACTION, "distractor"))
                break
    return people


def _render_take(args: tuple[TakeSpec, SynthConfig, int, str]) -> list[dict]:
    """Render one take from every view and write its clips; returns manifest entries."""
    take, config, seed, out = args
    root = Path(out)
    names = [clip_name(take, v) for v in config.views]
    entries = [
        {
            "name": n,
            "video": video_file(n),
            "annotation": annotation_file(n),
            "label": take.label,
            "subject": take.actors[0],
            "view": v,
            "take": take.take,
        }
        for n, v in zip(names, config.views)
    ]
    done = all(
        (root / e["video"]).exists() and (root / e["annotation"]).exists() and (root / masks_file(e["name"])).exists()
        for e in entries
    )
    rng = np.random.default_rng(np.random.SeedSequence([seed, take.take]))
    subjects = {s.subject_id: s for s in make_subjects(config.num_subjects, seed)}
    people = _script_take(take, subjects, config, rng)
    for e in entries:
        e["num_persons"] = len(people)
    if done:  # resumed run: this take is already on disk
        return entries

    poses = [pose_body(s, c) for c, s, _, _ in people]
    parts = [body_parts(s, p) for (_, s, _, _), p in zip(people, poses)]
    room_floor = tuple(int(x) for x in rng.integers(90, 200, 3))
    room_wall = tuple(int(x) for x in rng.integers(120, 230, 3))
    tile = float(rng.uniform(0.4, 0.8))
    t, h, w = config.num_frames, config.height, config.width
    for e, view in zip(entries, config.views):
        az = np.radians(VIEW_AZIMUTH_DEG[view] + rng.uniform(-5, 5))
        dist = rng.uniform(4.6, 5.4)
        cam = look_at_camera(
            (dist * np.sin(az), rng.uniform(1.2, 1.6), -dist * np.cos(az)),
            (rng.uniform(-0.15, 0.15), 0.85, rng.uniform(-0.15, 0.15)),
            w, h, config.hfov_deg,
        )  # fmt: skip
        background = render_background(cam, room_floor, room_wall, tile, rng.uniform(8.0, 10.0), rng)
        frames = np.empty((t, h, w, 3), np.uint8)
        masks = np.zeros((t, len(people), h, w), bool)
        kps = np.zeros((t, len(people), NUM_KEYPOINTS, 3), np.float32)
        for i in range(t):
            img, owner, _ = render_people(cam, background, parts, i)
            img += rng.normal(0.0, 2.0, size=img.shape)
            frames[i] = np.clip(img, 0, 255).astype(np.uint8)
            for p, pose in enumerate(poses):
                masks[i, p] = owner == p
                uv, z = cam.project(pose.keypoints[i])
                uv = np.round(uv, 2)  # as stored, so visibility agrees with the stored position
                inside = (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h) & (z > 0)
                vis = np.zeros(NUM_KEYPOINTS, np.float32)
                ij = np.floor(uv[inside]).astype(int)
                vis[inside] = np.where(owner[ij[:, 1], ij[:, 0]] == p, 2.0, 1.0)
                kps[i, p, :, :2] = uv
                kps[i, p, :, 2] = vis
        _write_clip(root, e, people, frames, masks, kps, config)
    return entries


def _mask_box(mask: np.ndarray) -> list[int] | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]


def _write_clip(root: Path, entry: dict, people, frames, masks, kps, config: SynthConfig) -> None:
    name = entry["name"]
    persons = [
        {
            "track_id": p + 1,
            "subject": s.subject_id,
            "label": int(label),
            "label_name": CLASSES[label] if label >= 0 else "none",
            "role": role,
        }
        for p, (_, s, label, role) in enumerate(people)
    ]
    frame_list = []
    for i in range(frames.shape[0]):
        inst = []
        for p in range(len(people)):
            box = _mask_box(masks[i, p])
            if box is None:
                continue
            inst.append(
                {
                    "track_id": p + 1,
                    "box": box,
                    "keypoints": [[round(float(x), 2), round(float(y), 2), int(v)] for x, y, v in kps[i, p]],
                    "area": int(masks[i, p].sum()),
                }
            )
        frame_list.append({"index": i, "instances": inst})
    ann = {
        "name": name,
        "width": config.width,
        "height": config.height,
        "fps": config.fps,
        "num_frames": config.num_frames,
        "label": entry["label"],
        "label_name": CLASSES[entry["label"]],
        "subject": entry["subject"],
        "view": entry["view"],
        "take": entry["take"],
        "persons": persons,
        "frames": frame_list,
    }
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    atomic_write(root / masks_file(name), lambda p: write_masks(p, masks))
    write_video(root / entry["video"], frames, fps=config.fps)
    # The annotation is written last: its presence marks the clip as complete.
    atomic_write(root / entry["annotation"], lambda p: p.write_text(json.dumps(ann)))


def generate_benchmark(
    out_dir: str | os.PathLike,
    config: SynthConfig = SynthConfig(),
    seed: int = 0,
    workers: int | None = None,
    progress: bool = True,
) -> dict:
    """Render the benchmark to ``out_dir`` and write its manifest.

    Deterministic from ``seed``. An interrupted run resumes: takes whose files exist are
    not rendered again (every file is written atomically, the annotation last).

    Args:
        config: the benchmark's size (a profile's is
            ``hiar_lib.profiles.get_profile(name).synth``; the default is ``quick``'s).
        workers: processes rendering takes in parallel (default: CPU count, at most 4).
        progress: show a progress bar (clips).

    Returns:
        The manifest (also written to ``out_dir/manifest.json``), with ``wall_time_s`` (the
        rendering's seconds) and ``date`` (UTC, when it finished). When ``out_dir`` already
        holds the complete benchmark of the same settings, its manifest is returned as it
        is, so these keep saying when and how long the rendering took.
    """
    if not isinstance(config, SynthConfig):
        raise TypeError(f"config must be a SynthConfig (a profile's: get_profile(name).synth), got {config!r}")
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / "videos").mkdir(exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)
    takes = plan_benchmark(config, seed)
    start = time.perf_counter()
    n_workers = workers or min(os.cpu_count() or 1, 4)
    jobs = [(tk, config, seed, str(root)) for tk in takes]
    clips: list[dict] = []
    bar = tqdm(total=len(takes) * len(config.views), unit="clip", desc=f"synth {config.profile}", disable=not progress)
    try:
        if n_workers > 1:
            with ProcessPoolExecutor(n_workers) as pool:
                for entries in pool.map(_render_take, jobs):
                    clips += entries
                    bar.update(len(entries))
        else:
            for job in jobs:
                entries = _render_take(job)
                clips += entries
                bar.update(len(entries))
    finally:
        bar.close()
    manifest = {
        "profile": config.profile,
        "seed": seed,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()},
        "width": config.width,
        "height": config.height,
        "fps": config.fps,
        "num_frames": config.num_frames,
        "classes": list(CLASSES[c] for c in range(len(CLASSES))),
        "num_subjects": config.num_subjects,
        "views": list(config.views),
        "protocols": {"cs": {"train_subjects": list(config.train_subjects)}, "cv": {"train_views": [2, 3]}},
        "clips": clips,
        "wall_time_s": round(time.perf_counter() - start, 2),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    previous = _complete_manifest(root)
    same = {k: v for k, v in json.loads(json.dumps(manifest)).items() if k not in ("wall_time_s", "date")}
    if previous is not None and all(previous.get(k) == v for k, v in same.items()):
        return previous  # every clip was already there: the benchmark, its generation time and date stand
    atomic_write(root / MANIFEST_FILE, lambda p: p.write_text(json.dumps(manifest, indent=1)))
    return manifest


def _complete_manifest(root: Path) -> dict | None:
    """The manifest a finished earlier run left in ``root`` (``None``: none, or unreadable)."""
    try:
        return json.loads((root / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
