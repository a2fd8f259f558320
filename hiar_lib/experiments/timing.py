"""Section 4.4's speeds measured on this machine: detector, tracker and head, beside the
paper's (an Nvidia Tesla P40).

One implementation serves ``make bench`` (``benchmarks/bench_tracker.py``,
``benchmarks/bench_tahnet.py``) and the ``timing`` notebook (:func:`timing_table`).
Every figure is the best of a few runs, with the device named; timings are never
asserted in tests.

- :func:`detector_speed`: frames per second of the ResNet-50-FPN Keypoint/Mask R-CNN at
  a frame size (the paper's 1280 x 736 for NTU RGB+D, 640 x 480 for N-UCLA, or ours),
  FPN maps kept as the pipeline keeps them. Untrained weights when the COCO files are
  not on the machine: the backbone, which dominates, costs the same; the instance heads'
  cost grows with the number of people detected, so the figure is said to be with
  untrained weights.
- :func:`tracker_speed`: eq. 3's tracker on random-walk people (identities checked).
- :func:`head_speed`: TAHNet presets' clips per second at their paper input.
- :func:`end_to_end_speed`: frames per second of the whole pipeline on a real clip
  (detect with FPN maps, track, pool each track's outermost action region, the head on
  every tube), with each stage's share.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = [
    "bench_timing_table", "best_time", "busiest_test_clip", "detector_speed", "end_to_end_speed", "head_speed", "identities_kept", "make_walkers", "matmul_gflops", "timing_table",
    "tracker_speed",
]  # fmt: skip

TRACKER_PEOPLE = (2, 5, 20)
TRACKER_METHODS = ("greedy", "hungarian")
HEAD_PRESETS = ("tahnet_v1", "tahnet_v2", "tahnet_v3", "tahnet_v4")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def best_time(fn: Callable[[], Any], repeats: int, device: torch.device | str = "cpu") -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn``, after one warm-up call."""
    device = torch.device(device)
    fn()
    _sync(device)
    times = []
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return min(times)


def matmul_gflops(device: torch.device | str = "cpu", n: int = 2048, repeats: int = 10) -> float:
    """Dense float32 ``n x n`` matmul speed of this machine, GFLOP/s (2 FLOPs per MAC)."""
    device = torch.device(device)
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    return 2 * n**3 / best_time(lambda: a @ b, repeats, device) / 1e9


def make_walkers(num_frames: int, num_people: int, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Random-walk people: keypoints ``F x (P, 17, 3)``, boxes ``F x (P, 4)``, true ids ``F x (P,)``.

    People start on a grid 200 px apart and take Gaussian steps of 3 px per frame (sd),
    so they stay apart and the true identities are recoverable; the instance order is
    shuffled every frame, as a detector's is.
    """
    from hiar_lib.vocabulary import NUM_KEYPOINTS

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(num_people)))
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2)
    start = grid[:num_people] * 200.0 + 100.0
    centres = start + np.cumsum(rng.normal(0.0, 3.0, (num_frames, num_people, 2)), axis=0)
    pose = rng.normal(0.0, 25.0, (num_people, NUM_KEYPOINTS, 2))  # each person's own pose
    jitter = rng.normal(0.0, 1.0, (num_frames, num_people, NUM_KEYPOINTS, 2))
    xy = centres[:, :, None, :] + pose[None] + jitter  # (F, P, 17, 2)
    kps, boxes, ids = [], [], []
    for f in range(num_frames):
        perm = rng.permutation(num_people)
        k = np.concatenate([xy[f, perm], np.ones((num_people, NUM_KEYPOINTS, 1))], axis=2)
        kps.append(k)
        boxes.append(np.concatenate([k[..., :2].min(1) - 5, k[..., :2].max(1) + 5], axis=1))
        ids.append(perm)
    return kps, boxes, ids


def identities_kept(tracks: Any, true_ids: list[np.ndarray]) -> bool:
    """Whether every track holds exactly one true person over the whole clip."""
    if tracks.num_tracks != len(true_ids[0]):
        return False
    pairs = {(int(t), int(p)) for f, ids in enumerate(true_ids) for t, p in zip(tracks.instance_track_ids(f), ids)}
    return len(pairs) == len(true_ids[0])


def tracker_speed(
    num_frames: int = 1000,
    repeats: int = 7,
    people: Sequence[int] = TRACKER_PEOPLE,
    methods: Sequence[str] = TRACKER_METHODS,
    log: Callable[[str], Any] | None = print,
) -> list[dict[str, Any]]:
    """Frames per second of :func:`hiar_lib.track.track_instances` (best of ``repeats``
    runs of the whole call, input checks included), per people per frame and method,
    each run's identities checked against the generator's."""
    from hiar_lib.track import track_instances

    rows = []
    for n in people:
        kps, boxes, true_ids = make_walkers(num_frames, n, seed=n)
        for method in methods:
            times, correct = [], True
            for _ in range(repeats):
                t0 = time.perf_counter()
                tracks = track_instances(kps, boxes, method=method)
                times.append(time.perf_counter() - t0)
                correct = correct and identities_kept(tracks, true_ids)
            best = min(times)
            rows.append({
                "people_per_frame": n, "method": method, "frames": num_frames, "repeats": repeats, "best_s": best,
                "median_s": float(np.median(times)), "fps": num_frames / best, "us_per_frame": best / num_frames * 1e6,
                "identities_kept": correct,
            })  # fmt: skip
            if log is not None:
                log(f"{n:3d} people  {method:9s}  {num_frames / best:10.0f} fps  ({best / num_frames * 1e6:6.1f} us/frame, "
                    f"median {num_frames / float(np.median(times)):8.0f} fps)  identities kept: {correct}")  # fmt: skip
    return rows


def head_speed(
    presets: Sequence[str] = HEAD_PRESETS,
    batches: Sequence[int] = (1, 8),
    repeats: int = 3,
    device: str = "cpu",
    log: Callable[[str], Any] | None = print,
) -> list[dict[str, Any]]:
    """Clips per second of each TAHNet preset's inference forward at its paper input (256
    channels; 8 x 14 x 14, v4 8 x 28 x 28), and the GFLOP/s that is (2 x MACs x clips/s)."""
    from hiar_lib.models import TAHNet, count_gflops, preset_config

    dev = torch.device(device)
    rows = []
    for name in presets:
        cfg = preset_config(name)
        model = TAHNet(cfg).to(dev).eval()
        shape = (cfg.in_channels, *cfg.input_size)
        gmacs = count_gflops(model, shape)
        for batch in batches:
            x = torch.randn(batch, *shape, device=dev)
            with torch.inference_mode():
                t = best_time(lambda: model(x), repeats, dev)
            rows.append({
                "head": name, "spec": cfg.spec, "input": list(shape), "batch": batch, "gmacs_per_clip": round(gmacs, 3),
                "best_s": t, "clips_per_s": batch / t, "achieved_gflop_s": 2 * gmacs * batch / t,
            })  # fmt: skip
            if log is not None:
                log(f"{name:10s} batch {batch}: {batch / t:8.2f} clips/s  {2 * gmacs * batch / t:8.1f} GFLOP/s")
    return rows


def detector_speed(
    size: tuple[int, int],
    frames: int = 8,
    repeats: int = 3,
    device: str = "cpu",
    weights: Any = None,
    preset: str = "paper",
) -> dict[str, Any]:
    """Frames per second of a detector on ``frames`` random frames of ``size`` = ``(W, H)``
    pixels, run at that size (no resizing), FPN maps returned as the pipeline asks for them.

    Args:
        weights: ``preset="paper"``: the COCO files (as
            :func:`hiar_lib.detection.build.build_detector` takes them); ``None`` tries the
            torch hub cache and falls back to untrained weights. ``preset="synthetic"``:
            the checkpoint (its ResNet-18-FPN architecture comes from the file).
        preset: ``"paper"`` (the paper's ResNet-50-FPN Keypoint R-CNN with the mask head)
            or ``"synthetic"`` (the detector trained on the synthetic benchmark).

    Returns:
        ``{"size", "frames", "fps", "best_s", "preset", "weights"}`` (``weights``:
        ``"coco"``, ``"untrained"`` or ``"synthetic"``).
    """
    from hiar_lib.detection.inference import detect_frames

    w, h = size
    model, kind = _timed_detector(preset, weights, device, min(w, h), max(w, h))
    clip = torch.randint(0, 256, (frames, 3, h, w), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        t = best_time(lambda: detect_frames(model, clip, batch_size=min(frames, 4), device=device), repeats, device)
    return {"size": [w, h], "frames": frames, "fps": frames / t, "best_s": t, "preset": preset, "weights": kind}


def _timed_detector(preset: str, weights: Any, device: str, min_size: int, max_size: int) -> tuple[torch.nn.Module, str]:
    """The detector to time and what weights it has (``coco``, ``untrained``, ``synthetic``)."""
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.weights import WeightsError, find_paper_weights

    if preset == "synthetic":
        model = build_detector("synthetic", weights=weights, device=device, min_size=min_size, max_size=max_size)
        return model, "synthetic"
    try:
        find_paper_weights(weights)
        trained = True
    except WeightsError:
        trained = False
    model = build_detector("paper", weights=weights if trained else None, random_init=not trained, device=device,
                           min_size=min_size, max_size=max_size)  # fmt: skip
    return model, "coco" if trained else "untrained"


def end_to_end_speed(
    frames: torch.Tensor,
    weights: Any,
    preset: str = "synthetic",
    head: str = "tahnet_v4",
    repeats: int = 3,
    device: str = "cpu",
) -> dict[str, Any]:
    """Frames per second of the whole pipeline on one real clip: the detector with its FPN
    maps, eq. 3's tracker, the outermost action region pooled from P2 and P3 at the
    head's input size for every track (:func:`hiar_lib.pipeline.run_clip`), then the head
    (by default TAHNet-v4, the paper's NTU timing head; a TAHNet preset
    at its paper widths, untrained: its cost does not depend on its weights; its input
    channels those of the detector's FPN) on every track's tube at once.

    Args:
        frames: ``uint8 (T, 3, H, W)``, a clip as :func:`hiar_lib.data.video.read_clip`
            gives it; ``T`` frames count as processed.
        weights, preset: the detector (as :func:`detector_speed` takes them).

    Returns:
        ``{"size", "frames", "fps", "best_s", "seconds" (per stage of the fastest run:
        detect, track, pool, head), "people_per_frame", "tracks", "preset", "weights",
        "head"}``.
    """
    from hiar_lib.models import TAHNet, preset_config
    from hiar_lib.pipeline import run_clip
    from hiar_lib.pool_config import PoolerConfig

    num_frames, _, h, w = frames.shape
    if num_frames != preset_config(head).input_size[0]:
        raise ValueError(f"{head} takes clips of {preset_config(head).input_size[0]} frames, got {num_frames}")
    model, kind = _timed_detector(preset, weights, device, min(w, h), max(w, h))
    cfg = preset_config(head)
    net = None  # built on the first clip's tubes: a synthetic detector's FPN is narrower than 256
    pooler = PoolerConfig(output_size=cfg.input_size[-1])
    best: dict[str, Any] = {}
    runs: list[float] = []
    people, tracks = 0.0, 0
    with torch.inference_mode():
        for i in range(max(repeats, 1) + 1):  # the first is a warm-up
            t0 = time.perf_counter()
            out = run_clip(model, frames, pooler=pooler, device=device)
            t1 = time.perf_counter()
            tubes = out.tubes.tubes
            if len(tubes):
                if net is None:
                    net = TAHNet(dataclasses.replace(cfg, in_channels=tubes.shape[1])).to(device).eval()
                net(tubes.to(device))
            _sync(torch.device(device))
            total = time.perf_counter() - t0
            if i == 0:
                continue
            runs.append(total)
            if total == min(runs):
                best = {**out.seconds, "head": time.perf_counter() - t1}
                people = float(np.mean([len(b) for b in out.boxes]))
                tracks = int(len(tubes))
    t = min(runs)
    return {
        "size": [int(w), int(h)], "frames": int(num_frames), "fps": num_frames / t, "best_s": t, "seconds": best,
        "people_per_frame": people, "tracks": tracks, "preset": preset, "weights": kind, "head": head,
    }  # fmt: skip


def demo_speed(
    video: str | Path,
    head: str | Path,
    weights: Any,
    device: str = "cpu",
    max_side: int | None = 640,
    out: str | Path | None = None,
    random_init: bool = False,
    still: str | Path | None = None,
) -> dict[str, Any]:
    """Frames per second of ``hiar demo`` on a whole video at the demo's defaults (every
    frame decoded and drawn, the windows' sampled frames detected), split by stage.

    Args:
        video, head, weights: the video, the head checkpoint and its detector's weights.
        max_side: the demo's input size (its default, a CPU-sized 640).
        out: where the demo's files go (default a temporary folder, removed).
        random_init: an untrained detector instead of ``weights`` (checks only).
        still: also save the drawn video's middle frame here (a PNG: the demo's Figure
            6-style drawing).

    Returns:
        ``{"video", "frames", "size", "detected_frames", "tracks", "seconds" (decode,
        detect, track, pool, head, draw), "wall_s", "fps", "stage_fps" (frames per second
        of each stage alone, over the video's frames)}``.
    """
    import tempfile

    from hiar_lib.demo import DemoSettings, run_demo

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_demo(video, out or tmp, head, weights=weights, detector="synthetic", device=device,
                          random_init=random_init, settings=DemoSettings(max_side=max_side), progress=False)  # fmt: skip
        wall = time.perf_counter() - t0
        if still is not None:
            from hiar_lib.data.video import iter_frames
            from hiar_lib.viz import save_png

            middle = int(result.data["video"]["frames"]) // 2
            frame = next(f for i, f in iter_frames(result.video) if i == middle)
            save_png(torch.from_numpy(frame).permute(2, 0, 1).contiguous(), still)
    data = result.data
    frames = int(data["video"]["frames"])
    detected = len({f for w in data["windows"] for f in w["frames"] if f >= 0})
    seconds = data["seconds"]
    return {
        "video": Path(video).name, "frames": frames, "size": data["settings"]["processed_size"], "detected_frames": detected,
        "tracks": len(data["tracks"]), "seconds": seconds, "wall_s": wall, "fps": frames / wall,
        "stage_fps": {k: (frames / v if v > 0 else None) for k, v in seconds.items()},
    }  # fmt: skip


def busiest_test_clip(benchmark: str | Path) -> Path:
    """The video that end-to-end timings run on: of the synthetic benchmark's
    cross-subject test clips, the one with the most people (the first by name among
    equals), so every stage has several people to handle."""
    from hiar_lib.data.synthetic import crowded_test_clips

    return Path(benchmark) / crowded_test_clips(benchmark, 1)[0]["video"]


def timing_table(params: Any, log: Callable[[str], Any] | None = None) -> Any:
    """Section 4.4 on this machine beside the paper's P40: one line per component and
    dataset, ``ours_fps`` (frames per second; the head's in clips of 8 frames, as the
    paper counts), ``paper_fps``, ``device`` and what was measured.

    The ``smoke`` profile times one repeat of 2 frames (a check that it runs); the others
    3 repeats of 8 frames. Writes ``results_dir/timing_<profile>.json``.
    """
    import pandas as pd

    from hiar_lib.experiments.paper import paper_timing_fps
    from hiar_lib.experiments.provenance import device_name, provenance
    from hiar_lib.experiments.records import no_value_as_none, write_record

    started = time.perf_counter()
    frames_n, repeats = (2, 1) if not params.meaningful else (8, 3)
    device = params.device
    lines = []
    for dataset, size, what in (("ntu", (1280, 736), "1280 x 720 padded to 1280 x 736"), ("nucla", (640, 480), "640 x 480")):
        d = detector_speed(size, frames=frames_n, repeats=repeats, device=device, weights=params.weights)
        lines.append({"component": "detector", "dataset": dataset, "ours_fps": d["fps"],
                      "paper_fps": paper_timing_fps("detector", dataset),
                      "measured": f"{what}, {frames_n} frames, {d['weights']} weights"})  # fmt: skip
    track = tracker_speed(num_frames=100 if not params.meaningful else 1000, repeats=repeats, people=(2,), methods=("greedy",), log=log)[0]
    for dataset in ("ntu", "nucla"):
        lines.append({"component": "tracker", "dataset": dataset, "ours_fps": track["fps"],
                      "paper_fps": paper_timing_fps("tracker", dataset),
                      "measured": f"eq. 3, greedy, 2 people per frame, {track['frames']} frames"})  # fmt: skip
    heads = {r["head"]: r for r in head_speed(("tahnet_v4", "tahnet_v3"), batches=(1,), repeats=repeats, device=device, log=log)}
    for dataset, head in (("ntu", "tahnet_v4"), ("nucla", "tahnet_v3")):
        r = heads[head]
        lines.append({"component": "head", "dataset": dataset, "ours_fps": r["clips_per_s"] * 8,
                      "paper_fps": paper_timing_fps("head", dataset),
                      "measured": f"{head}, {r['gmacs_per_clip']:.1f} GMACs, one 8-frame clip at a time"})  # fmt: skip
    if params.dataset == "synthetic":
        from hiar_lib.data.video import read_clip
        from hiar_lib.experiments.suite import detector_weights, synthetic_benchmark

        weights = detector_weights(params)
        video = busiest_test_clip(synthetic_benchmark(params))
        frames = read_clip(video, clip_len=8).frames
        size = (frames.shape[3], frames.shape[2])
        d = detector_speed(size, frames=frames_n, repeats=repeats, device=device, weights=weights, preset="synthetic")
        lines.append({"component": "detector", "dataset": "synthetic", "ours_fps": d["fps"], "paper_fps": None,
                      "measured": f"our synthetic detector (ResNet-18-FPN) at {size[0]} x {size[1]}, {frames_n} frames"})  # fmt: skip
        e = end_to_end_speed(frames, weights, repeats=repeats, device=device)
        stages = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in e["seconds"].items())
        lines.append({"component": "end to end", "dataset": "synthetic", "ours_fps": e["fps"], "paper_fps": None,
                      "measured": f"{video.name}, 8 frames, {e['people_per_frame']:.1f} people per frame, "
                                  f"{e['tracks']} tracks; our detector, tracker, pooler, TAHNet-v4 ({stages})"})  # fmt: skip
    table = pd.DataFrame(lines)
    table.insert(4, "device", device_name(device))
    prov = provenance(profile=params.profile, device=device, wall_time_s=time.perf_counter() - started)
    write_record(params.results_dir / f"timing_{params.profile}.json", "timing",
                 {"frames": frames_n, "repeats": repeats, "paper_device": "Nvidia Tesla P40"},
                 {"rows": no_value_as_none(table.to_dict("records"))}, prov)  # fmt: skip
    return table


def bench_timing_table(folder: str | Path) -> Any:
    """Every ``benchmarks/bench_timing.py`` record in ``folder`` (``timing_*.json``, one
    per device it ran on) as one table: per component and setting, frames per second on
    each device (the head's in 8-frame clips), beside the paper's P40 figure.

    Returns:
        A DataFrame indexed by ``component`` and ``setting`` with one column per device
        (``"<device> (<commit>)"``) and ``paper_fps``; empty when no record is there.
    """
    import pandas as pd

    from hiar_lib.experiments.records import read_record

    rows = []
    for path in sorted(Path(folder).glob("timing_*.json")):
        record = read_record(path)
        if record.artefact != "bench_timing":
            continue
        column = f"{record.provenance['device']} ({str(record.provenance.get('git_commit') or '?')[:7]})"
        for r in record.metrics["rows"]:
            if r["component"] == "tracker":
                setting, fps = f"{r['people_per_frame']} people per frame", r["fps"]
            elif r["component"] == "head":
                setting, fps = f"{r['head']}, batch {r['batch']}", r["frames_per_s"]
            else:
                setting, fps = f"{r.get('preset', '')} {r['size'][0]} x {r['size'][1]} ({r['weights']})", r["fps"]
            rows.append({"component": r["component"], "setting": setting, "device": column, "fps": fps,
                         "paper_fps": r.get("paper_fps")})  # fmt: skip
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    table = frame.pivot_table(index=["component", "setting"], columns="device", values="fps", sort=False)
    paper = frame.groupby(["component", "setting"], sort=False)["paper_fps"].first()
    return table.join(paper)
