"""How far the synthetic detector's recipe can take the instance stage: one named
variation of the quick profile's detector recipe, trained on the detector's own
benchmark, scored on the evaluation benchmark (box, mask and keypoint AP) and then
tracked (IDF1, MOTA, false positives, identity switches).

The quick profile asks the instance stage for keypoint AP >= 0.50 and IDF1 >= 0.90 after
the detector. Each recipe here is one change to ``hiar_lib.profiles``' quick detector
(more iterations, a larger input, a wider keypoint head, larger batches); a record per
recipe says what it reached and in how long, on which device, so that the profile's
choice rests on measurements. On a GPU the recipes run side by side in minutes; on the
2-core CPU machine one 3,200-iteration recipe takes about 1.5 hours.

Usage::

    .venv/bin/python benchmarks/detector_recipes.py --recipe it3200 \\
        --data cache/synthetic/quick-detector --eval-data cache/synthetic/quick \\
        --out results/bench/detector_recipe_it3200.json [--device cuda] [--minutes 6]

``--list`` prints the recipes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.detection.config import DetectorTrainConfig  # noqa: E402
from hiar_lib.profiles import get_profile  # noqa: E402


def recipes() -> dict[str, DetectorTrainConfig]:
    """The recipes: the quick profile's detector and one change to it each."""
    base = get_profile("quick").detector
    assert base is not None
    model = base.model
    return {
        "quick": base,
        "it1600": replace(base, iterations=1600),
        "it3200": replace(base, iterations=3200),
        "it6400": replace(base, iterations=6400),
        "scale2_it3200": replace(base, iterations=3200, input_scale=2.0),
        "kpwide_it3200": replace(base, iterations=3200, model=replace(model, keypoint_layers=(256,) * 6)),
        "bs8_it3200": replace(base, iterations=3200, batch_size=8, lr=2e-3),
        "scale2_it6400": replace(base, iterations=6400, input_scale=2.0),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipe", help="one of --list")
    p.add_argument("--list", action="store_true", help="print the recipes and exit")
    p.add_argument("--data", type=Path, help="the detector's training benchmark (hiar synth --for-detector)")
    p.add_argument("--eval-data", type=Path, help="the benchmark scored (hiar synth)")
    p.add_argument("--out", type=Path, help="results JSON")
    p.add_argument("--device", default="cpu")
    p.add_argument("--minutes", type=float, default=None,
                   help="a wall-clock cap on training (recorded; the iterations reached are recorded too)")
    p.add_argument("--cache-dir", type=Path, default=None, help="checkpoint cache (default: the project's)")
    args = p.parse_args(argv)
    table = recipes()
    if args.list:
        for name, cfg in table.items():
            print(name, json.dumps(cfg.to_dict(), sort_keys=True))
        return 0
    if args.recipe not in table or not (args.data and args.eval_data and args.out):
        p.error(f"give --recipe (one of {', '.join(table)}), --data, --eval-data and --out")

    from hiar_lib.detection.build import build_detector
    from hiar_lib.experiments.detector import train_synthetic_detector
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record
    from hiar_lib.track_config import TrackerConfig
    from hiar_lib.tracking_eval import SUMMARY_METRICS, evaluate_tracker_on_benchmark

    cfg = table[args.recipe]
    if args.minutes is not None:
        cfg = replace(cfg, minutes=args.minutes)
    start = time.perf_counter()
    rec = train_synthetic_detector(args.data, cfg, eval_data=args.eval_data, cache_dir=args.cache_dir,
                                   device=args.device, progress=False, profile="quick")  # fmt: skip
    training = rec.metrics["training"]
    metrics: dict[str, Any] = {k: v for k, v in rec.metrics.items() if k.endswith(("AP", "AP50", "AP75"))}
    metrics["training"] = {k: training[k] for k in ("iterations", "wall_time_s") if k in training}
    print(args.recipe, json.dumps(metrics), flush=True)
    params = {"recipe": args.recipe, "config": cfg.to_dict(), "train_benchmark": str(args.data),
              "eval_benchmark": str(args.eval_data), "protocol": "cs", "split": "test",
              "checkpoint": rec.parameters["checkpoint"]}  # fmt: skip

    def record() -> None:
        prov = provenance(profile="quick", seeds=[cfg.seed], device=args.device,
                          wall_time_s=round(time.perf_counter() - start, 1))  # fmt: skip
        write_record(args.out, "detector_recipe", params, metrics, prov)

    record()  # the detector's scores stand even if tracking fails
    model = build_detector("synthetic", weights=rec.parameters["checkpoint"]["file"], device=args.device)
    t0 = time.perf_counter()
    tr = evaluate_tracker_on_benchmark(args.eval_data, "cs", "test", TrackerConfig(), model=model,
                                       device=args.device, progress=False)  # fmt: skip
    metrics["tracking"] = {k: tr["all"][k] for k in SUMMARY_METRICS}
    metrics["tracking_wall_time_s"] = round(time.perf_counter() - t0, 1)
    print(args.recipe, json.dumps(metrics["tracking"]), flush=True)
    record()
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
