"""The tracker measured on the synthetic benchmark against its ground-truth identities.

Two settings, as the tracking results file reports them:

- ``ground_truth`` instances: each frame's true keypoints and boxes of the people visible
  in it, in a shuffled order, so the tracker alone is measured;
- ``detected`` instances: every frame of the clip through :func:`hiar_lib.pipeline.run_clip`
  (the detector, then the tracker), so the two are measured together as extraction runs them.

All clips of a split are evaluated as one motmetrics sequence with identities offset
per clip (no identity spans two clips), which sums the counts over clips: MOTA and IDF1
are over the whole split. Clips in which two people cross (their left-to-right order in
the image swaps while their boxes overlap) are also scored on their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from torch import nn
from tqdm.auto import tqdm

from hiar_lib.data.synthetic import index_synthetic
from hiar_lib.data.synthetic_annotation import ClipAnnotation, load_annotation
from hiar_lib.data.video import probe_video, read_clip
from hiar_lib.pipeline import run_clip
from hiar_lib.track import evaluate_tracking, track_instances
from hiar_lib.track_config import TrackerConfig

__all__ = ["SUMMARY_METRICS", "ClipInstances", "crossing_pairs", "evaluate_tracker_on_benchmark", "ground_truth_instances"]

SUMMARY_METRICS = ("idf1", "mota", "precision", "recall", "id_switches", "num_false_positives", "num_misses")
"""The tracking metrics a one-line summary of a run shows (keys of
:func:`hiar_lib.track.evaluate_tracking`'s result)."""


@dataclass
class ClipInstances:
    """Per-frame instances of one clip, as a tracker consumes them.

    Attributes:
        keypoints: ``T`` arrays ``(N_t, 17, 3)`` ``(x, y, visibility or score)``, pixels.
        boxes: ``T`` arrays ``(N_t, 4)`` xyxy pixels.
    """

    keypoints: list[np.ndarray]
    boxes: list[np.ndarray]


def ground_truth_instances(ann: ClipAnnotation, rng: np.random.Generator) -> tuple[ClipInstances, list[np.ndarray]]:
    """The visible people of every frame in a random order, and their true track ids."""
    kps, boxes, ids = [], [], []
    for t in range(ann.num_frames):
        people = np.flatnonzero(ann.present[t])[rng.permutation(int(ann.present[t].sum()))]
        kps.append(ann.keypoints[t, people])
        boxes.append(ann.boxes[t, people])
        ids.append(ann.track_ids[people])
    return ClipInstances(kps, boxes), ids


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def crossing_pairs(ann: ClipAnnotation) -> list[tuple[int, int]]:
    """Pairs of people (track ids) who cross in the image: their boxes overlap while the
    left-to-right order of their box centres swaps between their first and last shared frames."""
    pairs = []
    p = len(ann.track_ids)
    cx = (ann.boxes[..., 0] + ann.boxes[..., 2]) / 2  # (T, P)
    for a in range(p):
        for b in range(a + 1, p):
            both = np.flatnonzero(ann.present[:, a] & ann.present[:, b])
            if both.size < 2:
                continue
            order = np.sign(cx[both, a] - cx[both, b])
            overlap = any(_iou(ann.boxes[t, a], ann.boxes[t, b]) > 0 for t in both)
            if overlap and order[0] != 0 and order[-1] != 0 and order[0] != order[-1]:
                pairs.append((int(ann.track_ids[a]), int(ann.track_ids[b])))
    return pairs


def _score(per_clip: list[tuple[list, list, list, list]]) -> dict:
    gt_ids, gt_boxes, pr_ids, pr_boxes = [], [], [], []
    for k, (gi, gb, pi, pb) in enumerate(per_clip):
        off = (k + 1) * 10_000  # identities never span clips
        gt_ids += [np.asarray(x, np.int64) + off for x in gi]
        pr_ids += [np.asarray(x, np.int64) + off for x in pi]
        gt_boxes += list(gb)
        pr_boxes += list(pb)
    return evaluate_tracking(gt_ids, gt_boxes, pr_ids, pr_boxes)


def evaluate_tracker_on_benchmark(
    root: str | os.PathLike,
    protocol: str = "cs",
    split: str = "test",
    tracker: TrackerConfig = TrackerConfig(),
    model: nn.Module | None = None,
    detect: Callable[[str], ClipInstances] | None = None,
    device: str = "cpu",
    seed: int = 0,
    progress: bool = True,
) -> dict:
    """Track every clip of a split and score the tracks against the true identities.

    Args:
        root: a synthetic benchmark made by ``hiar synth``.
        protocol, split: which clips (default: the cross-subject test split, the
            benchmark's validation split).
        tracker: the tracker's settings.
        model: ``None`` to track ground-truth instances; otherwise a detector (from
            :func:`hiar_lib.detection.build.build_detector`) whose output on every frame
            of each clip is tracked (:func:`hiar_lib.pipeline.run_clip`).
        device: where the detector runs.
        detect: instead of a model, any function from a clip's video path to its per-frame
            :class:`ClipInstances`, which the tracker then links (e.g. altered ground truth).
        seed: the shuffling of ground-truth instances.

    Returns:
        ``{"all": metrics, "crossing_clips": metrics, "clips", "clips_with_crossings",
        "crossing_pairs", "instances", "tracker"}`` with metrics as
        :func:`hiar_lib.track.evaluate_tracking` returns them.
    """
    if model is not None and detect is not None:
        raise ValueError("give a detector model or a detect function, not both")
    index = index_synthetic(root, probe=False)
    samples = index.split(protocol)[split]
    rng = np.random.default_rng(seed)
    rows, crossing_rows, n_pairs = [], [], 0
    for sample in tqdm(samples, desc=f"tracking {protocol}/{split}", unit="clip", disable=not progress):
        ann = load_annotation(root, sample.name)
        if model is None:
            inst = ground_truth_instances(ann, rng)[0] if detect is None else detect(str(sample.path))
            tracks, boxes = track_instances(inst.keypoints, inst.boxes, **asdict(tracker)), inst.boxes
        else:
            clip = read_clip(sample.path, clip_len=probe_video(sample.path).num_frames, stride=1, start=0)
            out = run_clip(model, clip.frames, tracker=tracker, device=device)
            tracks, boxes = out.tracks, out.boxes
        pred_ids = [tracks.instance_track_ids(t) for t in range(ann.num_frames)]
        gt_ids = [ann.track_ids[ann.present[t]] for t in range(ann.num_frames)]
        gt_boxes = [ann.boxes[t, ann.present[t]] for t in range(ann.num_frames)]
        row = (gt_ids, gt_boxes, pred_ids, boxes)
        rows.append(row)
        pairs = crossing_pairs(ann)
        if pairs:
            crossing_rows.append(row)
            n_pairs += len(pairs)
    return {
        "instances": "ground_truth" if model is None and detect is None else "detected",
        "protocol": protocol,
        "split": split,
        "clips": len(rows),
        "clips_with_crossings": len(crossing_rows),
        "crossing_pairs": n_pairs,
        "tracker": asdict(tracker),
        "all": _score(rows),
        "crossing_clips": _score(crossing_rows) if crossing_rows else None,
    }
