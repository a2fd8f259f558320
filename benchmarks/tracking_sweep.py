"""Tracking after the synthetic detector, over detection score thresholds and tracker
settings: which of them the instance stage's IDF1 depends on.

The detector runs once per clip at a low score threshold (``--min-score``); each setting
then keeps the detections scoring at least its threshold and tracks them
(:func:`hiar_lib.tracking_eval.evaluate_tracker_on_benchmark` with a ``detect``
function), so a grid costs one detection pass. Choose settings on a split the action
heads are not scored on (the cross-subject *train* split: people the detector never saw,
since it trains on a benchmark of its own) and report them on the test split.

Usage::

    .venv/bin/python benchmarks/tracking_sweep.py --data cache/synthetic/quick \\
        --weights cache/detectors/synthetic-quick.pt --split train \\
        --out results/bench/tracking_sweep_quick_train.json
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="a synthetic benchmark (hiar synth)")
    p.add_argument("--weights", required=True, type=Path, help="a synthetic detector checkpoint")
    p.add_argument("--out", required=True, type=Path, help="results JSON")
    p.add_argument("--protocol", default="cs")
    p.add_argument("--split", default="train", choices=("train", "test"))
    p.add_argument("--scores", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8, 0.9], help="score thresholds")
    p.add_argument("--gates", type=float, nargs="+", default=[1.0, 0.5], help="tracker gates (0: none)")
    p.add_argument("--max-gaps", type=int, nargs="+", default=[3, 0, 8], help="tracker max_gap values")
    p.add_argument("--methods", nargs="+", default=["greedy"], choices=("greedy", "hungarian"), help="tracker methods")
    p.add_argument("--min-score", type=float, default=0.3, help="the detector's own threshold (the lowest swept)")
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    if min(args.scores) < args.min_score:
        p.error("every --scores value must be >= --min-score")

    import numpy as np
    from tqdm.auto import tqdm

    from hiar_lib.data.synthetic import index_synthetic, load_manifest
    from hiar_lib.data.video import probe_video, read_clip
    from hiar_lib.detection.build import build_detector
    from hiar_lib.detection.inference import detect_frames
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import no_value_as_none, write_record
    from hiar_lib.track_config import TrackerConfig
    from hiar_lib.tracking_eval import SUMMARY_METRICS, ClipInstances, evaluate_tracker_on_benchmark

    start = time.perf_counter()
    model = build_detector("synthetic", weights=args.weights, device=args.device, score_thresh=args.min_score)
    samples = index_synthetic(args.data, probe=False).split(args.protocol)[args.split]
    cached: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {}
    for s in tqdm(samples, desc=f"detect {args.protocol}/{args.split}", unit="clip"):
        clip = read_clip(s.path, clip_len=probe_video(s.path).num_frames, stride=1, start=0)
        det = detect_frames(model, clip.frames, device=args.device, return_features=False)
        cached[str(s.path)] = (
            [d.keypoints.cpu().numpy() for d in det.instances],
            [d.boxes.cpu().numpy() for d in det.instances],
            [d.scores.cpu().numpy() for d in det.instances],
        )
    detect_s = time.perf_counter() - start

    def keep(threshold: float):
        def detect(path: str) -> ClipInstances:
            kps, boxes, scores = cached[path]
            return ClipInstances([k[s >= threshold] for k, s in zip(kps, scores)],
                                 [b[s >= threshold] for b, s in zip(boxes, scores)])  # fmt: skip
        return detect

    rows = []
    for score, gate, gap, method in itertools.product(args.scores, args.gates, args.max_gaps, args.methods):
        tracker = TrackerConfig(method=method, gate=gate or None, max_gap=gap)
        r = evaluate_tracker_on_benchmark(args.data, args.protocol, args.split, tracker, detect=keep(score), progress=False)
        row = {"score_threshold": score, "gate": gate or None, "max_gap": gap, "method": method, **{k: r["all"][k] for k in SUMMARY_METRICS}}
        rows.append(row)
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    rows = no_value_as_none(rows)  # e.g. precision with nothing detected
    best = max(rows, key=lambda r: -1.0 if r["idf1"] is None else r["idf1"])
    print("best:", best)
    manifest = load_manifest(args.data)
    params = {"benchmark_root": str(args.data), "benchmark_profile": manifest.get("profile"),
              "benchmark_seed": manifest.get("seed"), "protocol": args.protocol, "split": args.split,
              "weights": str(args.weights), "min_score": args.min_score, "clips": len(samples)}  # fmt: skip
    prov = provenance(profile=manifest.get("profile"), seeds=[0], device=args.device,
                      wall_time_s=round(time.perf_counter() - start, 1), detection_wall_time_s=round(detect_s, 1))  # fmt: skip
    write_record(args.out, "tracking_sweep", params, {"rows": rows, "best": best}, prov)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
