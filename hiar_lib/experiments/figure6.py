"""Figure 6: frames of multi-person clips with each person's box, mask, track id and the
action predicted for their track, the way the paper draws them.

:func:`figure6` runs the whole pipeline (:func:`hiar_lib.pipeline.run_clip`: the detector,
eq. 3's tracker, the action pooler) on the synthetic benchmark's test clips with the most
people, then the head of Table 3's outermost row (Figure 5's head, trained once and
cached) on every track's tube, and draws a few frames of each clip with
:func:`hiar_lib.viz.draw_people` (what ``hiar demo`` draws with). The same on real clips
(``../shared/realdata/clips/``, or any videos), each labelled with the detector that drew
it: on a machine without the COCO weights that is the synthetic detector, trained on
rendered people only, and the figure says so.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

__all__ = ["ClipFigure", "MIN_DRAWN_SIDE", "captioned", "figure6", "people_actions", "real_clips"]

MIN_DRAWN_SIDE = 400
"""Frames whose longer side is shorter are drawn enlarged by a whole factor to at least this (pixels)."""


@dataclass
class ClipFigure:
    """One clip of the figure: the drawn frames tiled in a row and what was found."""

    name: str
    image: torch.Tensor  # uint8 (3, H, W'): the drawn frames side by side
    truth: str | None  # the video's action, where known
    detector: str  # which detector drew it
    tracks: list[dict[str, Any]]  # per track: id, frames present, top action and probability


def real_clips(folder: str | Path | None = None) -> list[Path]:
    """The real videos Figure 6 also draws: ``folder`` (default
    ``$HIAR_REALDATA/clips``, else the checkout's ``../shared/realdata/clips``), its
    ``.mp4``/``.avi``/``.mkv``/``.webm`` files sorted; none when the folder is absent."""
    import os

    if folder is None:
        root = os.environ.get("HIAR_REALDATA") or Path(__file__).resolve().parents[3] / "shared" / "realdata"
        folder = Path(root) / "clips"
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".mp4", ".avi", ".mkv", ".webm"))


def captioned(figures: Sequence[ClipFigure]) -> list[tuple[torch.Tensor, str]]:
    """Each clip's drawn frames with a caption: name, true action, who drew it, and each
    track's predicted action (for :func:`hiar_lib.plots.image_rows`)."""
    rows = []
    for f in figures:
        truth = f"true action: {f.truth}" if f.truth else "real video, no label"
        found = "; ".join(f"#{t['track']} {t['action']} {t['probability']:.2f}" for t in f.tracks) or "nobody tracked"
        rows.append((f.image, f"{f.name} ({truth}; drawn by the {f.detector})\n{found}"))
    return rows


def people_actions(head: torch.nn.Module, tubes: Any, classes: Sequence[str], device: str = "cpu") -> dict[int, tuple[str, float]]:
    """The head's top action and its probability for every track of a clip.

    Args:
        head: a trained TAHNet (eval mode).
        tubes: the clip's :class:`~hiar_lib.pool.ActionTubes` (``(K, C, T, S, S)``).
        classes: the class names, in the head's label order.

    Returns:
        ``{track_id: (action, probability)}``.
    """
    if len(tubes.tubes) == 0:
        return {}
    with torch.inference_mode():
        probs = torch.softmax(head(tubes.tubes.to(device)).float(), dim=1).cpu()
    best = probs.max(dim=1)
    return {int(t): (classes[int(i)], float(p)) for t, i, p in zip(tubes.track_ids, best.indices, best.values)}


def _draw_clip(model: Any, head: Any, frames: torch.Tensor, valid: torch.Tensor | None, settings: dict[str, Any],
               classes: Sequence[str], shown: int, device: str) -> tuple[torch.Tensor, list[dict[str, Any]]]:  # fmt: skip
    from torchvision.utils import make_grid

    from hiar_lib.pipeline import run_clip
    from hiar_lib.pool_config import PoolerConfig
    from hiar_lib.track_config import TrackerConfig
    from hiar_lib.viz import draw_people, enlarge

    out = run_clip(model, frames, tracker=TrackerConfig(**settings["tracker"]), pooler=PoolerConfig(**settings["pooler"]),
                   frame_valid=valid, device=device)  # fmt: skip
    actions = people_actions(head, out.tubes, classes, device)
    t = frames.shape[0]
    picks = sorted({round(i * (t - 1) / max(shown - 1, 1)) for i in range(shown)})
    factor = max(1, -(-MIN_DRAWN_SIDE // max(frames.shape[-2:])))  # small frames drawn larger: legible labels
    drawn = []
    for f in picks:
        image, people = enlarge(frames[f], out.detections.instances[f], factor)
        drawn.append(draw_people(image, people, out.tracks.instance_track_ids(f), actions, keypoints=False))
    tracks = [{"track": tid, "frames_present": int(out.tubes.present[k].sum()), "action": actions[tid][0],
               "probability": round(actions[tid][1], 4)} for k, tid in enumerate(out.tubes.track_ids.tolist())]  # fmt: skip
    return make_grid(torch.stack(drawn), nrow=len(drawn), padding=2), tracks


def figure6(
    params: Any,
    clips: int = 3,
    frames_shown: int = 3,
    real_videos: Sequence[str | Path] = (),
    progress: bool = True,
) -> list[ClipFigure]:
    """Draw Figure 6 and write its record and image.

    Args:
        params: the notebook's :class:`~hiar_lib.experiments.suite.SuiteParams` (the
            synthetic benchmark at its profile; the first seed's head).
        clips: how many test clips of the benchmark (the most crowded, other actions first).
        frames_shown: frames drawn per clip, evenly spread over the head's clip.
        real_videos: other videos drawn the same way (the centred clip of each, its longer
            side shrunk to the benchmark's, the scale the synthetic detector knows).

    Returns:
        One :class:`ClipFigure` per clip. The figure goes to
        ``results_dir/figures/fig6_multiperson_<profile>.png`` (every clip a row) and the
        record (per clip its tracks' predicted actions, the settings, the head and the
        detector) to ``results_dir/fig6_multiperson_<profile>.json``.
    """
    from torchvision.utils import make_grid

    from hiar_lib.data.synthetic import crowded_test_clips, load_manifest
    from hiar_lib.data.video import read_clip
    from hiar_lib.detection.build import build_detector
    from hiar_lib.engine.data import read_cache_info
    from hiar_lib.engine.evaluate import load_head
    from hiar_lib.errors import HiarError
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record
    from hiar_lib.experiments.suite import detector_weights, feature_cache, figure_head, synthetic_benchmark
    from hiar_lib.viz import save_png

    if params.dataset != "synthetic":
        raise HiarError("Figure 6 is drawn on the synthetic benchmark (its test clips); pass real videos as real_videos")
    started = time.perf_counter()
    cache = feature_cache(params, progress=progress)
    info = read_cache_info(cache)
    record = figure_head(params, cache, progress=progress)
    assert record.path is not None
    checkpoint = record.path.parent / f"seed{params.seeds[0]}"
    head, _ = load_head(checkpoint, params.device)
    clip_cfg = record.parameters["train_config"]["clip"]
    settings = {"tracker": info.config["tracker"], "pooler": clip_cfg["pooler"]}
    clip_len, stride = int(clip_cfg["clip_len"]), int(info.config["stride"])
    weights = detector_weights(params, progress=progress)
    model = build_detector("synthetic", weights=weights, device=params.device, score_thresh=float(info.config["score_thresh"]),
                           detections_per_img=int(info.config.get("max_people", 100)))  # fmt: skip
    classes = list(info.classes or [])
    detector = f"synthetic detector ({Path(str(weights)).name}, trained on rendered people)"
    benchmark = synthetic_benchmark(params, progress=progress)
    figures = []
    for entry in crowded_test_clips(benchmark, clips, params.protocol):
        clip = read_clip(benchmark / entry["video"], clip_len=clip_len, stride=stride)
        image, tracks = _draw_clip(model, head, clip.frames, clip.valid, settings, classes, frames_shown, params.device)
        figures.append(ClipFigure(entry["name"], image, classes[entry["label"]], detector, tracks))
    manifest = load_manifest(benchmark)
    side = max(int(manifest["width"]), int(manifest["height"]))  # the scale the detector was trained at
    for video in real_videos:
        clip = read_clip(video, clip_len=clip_len, stride=stride, max_side=side)
        image, tracks = _draw_clip(model, head, clip.frames, clip.valid, settings, classes, frames_shown, params.device)
        figures.append(ClipFigure(Path(video).name, image, None, detector, tracks))
    if not figures:
        raise HiarError("nothing to draw: no test clip and no video given")
    width = max(f.image.shape[-1] for f in figures)
    rows = [torch.nn.functional.pad(f.image, (0, width - f.image.shape[-1], 0, 0)) for f in figures]
    heights = {r.shape[-2] for r in rows}
    if len(heights) > 1:  # real videos of another aspect: pad every row to the tallest
        tall = max(heights)
        rows = [torch.nn.functional.pad(r, (0, 0, 0, tall - r.shape[-2])) for r in rows]
    out = save_png(make_grid(torch.stack(rows), nrow=1, padding=4), params.results_dir / "figures" / f"fig6_multiperson_{params.profile}.png")
    metrics = {"clips": [{"name": f.name, "truth": f.truth, "detector": f.detector, "tracks": f.tracks} for f in figures],
               "figure": str(out.relative_to(params.results_dir))}  # fmt: skip
    parameters = {"head": "tahnet_v1 (Table 3's outermost row)", "checkpoint": str(checkpoint), "clip_len": clip_len,
                  "stride": stride, "settings": json.loads(json.dumps(settings, default=list)),
                  "frames_shown": frames_shown, "real_videos": [str(v) for v in real_videos]}  # fmt: skip
    prov = provenance(profile=params.profile, seeds=[params.seeds[0]], device=params.device,
                      wall_time_s=time.perf_counter() - started)  # fmt: skip
    write_record(params.results_dir / f"fig6_multiperson_{params.profile}.json", "figure6_multiperson", parameters, metrics, prov)
    return figures
