"""A table's rows from one cache of track crops vs the same rows each re-extracting tubes.

Tables 3-7 retrain only the head, over regions, FPN levels, ``S`` and ``T``. With a cache
of track crops (``hiar extract``'s ``crops`` kind) every row pools its clips from one
extraction; with a cache of tubes every row needs an extraction of its own, detector
included. For each row this measures, on the same videos:

- ``crops``: pooling every training video's clip (one epoch's draw) and every test
  video's centred clip from the one crop cache, then training and testing a head;
- ``tubes``: extracting a tubes cache for the row (detector, tracker, pooler), reading it
  once, then training and testing the same head;

and the one-time extraction of the crop cache. ``ratio_tubes`` is how many times longer
getting the rows' tubes takes by re-extracting than by pooling from the crops;
``ratio_end_to_end`` the same with the heads' training and testing added (the head
budget is the ``--head-profile``'s).

Usage::

    .venv/bin/python benchmarks/table_rows.py --data cache/synthetic/quick \\
        --weights cache/detectors/synthetic-quick.pt --limit 8 --out results/bench/table_rows.json
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ROWS: dict[str, dict] = {
    "table3_outermost": {},
    "table3_basic": {"box": "basic"},
    "table4_S7": {"output_size": 7},
    "table6_P2": {"levels": ("P2",)},
    "table6_P4": {"levels": ("P4",)},
    "table6_P2P3P4P5": {"levels": ("P2", "P3", "P4", "P5")},
}
"""The rows measured: changes of the clip settings from the profile's (the paper's
outermost region over P2 + P3 at 14 x 14, T = 8)."""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="a synthetic benchmark (hiar synth)")
    w = p.add_mutually_exclusive_group(required=True)
    w.add_argument("--weights", type=Path, help="a synthetic detector checkpoint")
    w.add_argument("--random-init", action="store_true", help="an untrained detector (a quick check of the script)")
    p.add_argument("--out", required=True, type=Path, help="results JSON")
    p.add_argument("--protocol", default="cs")
    p.add_argument("--profile", default="quick", help="extraction settings (stride, tracker, score threshold)")
    p.add_argument("--head-profile", default="smoke", help="head training budget of both arms")
    p.add_argument("--limit", type=int, default=8, help="videos per split")
    p.add_argument("--score-thresh", type=float, default=None, help="the detector's threshold (default: the profile's)")
    p.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    args = p.parse_args(argv)

    from hiar_lib.data.synthetic import index_synthetic, load_manifest
    from hiar_lib.detection.build import build_detector
    from hiar_lib.engine import TestTubes, TrainTubes, split_names
    from hiar_lib.experiments.heads import clip_settings, train_heads
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record
    from hiar_lib.engine import read_cache_info
    from hiar_lib.features import ExtractionConfig, detector_identity, extract_features
    from hiar_lib.profiles import get_profile
    from hiar_lib.track_config import tracker_config

    started = time.perf_counter()
    settings = get_profile(args.profile).extraction
    score = settings.score_thresh if args.score_thresh is None else args.score_thresh
    model = build_detector("synthetic", weights=args.weights, random_init=args.random_init, score_thresh=score)
    index = index_synthetic(args.data, probe=False)
    splits = {k: v[: args.limit] for k, v in index.split(args.protocol).items()}
    common = dict(dataset="synthetic", data_root=str(args.data), protocol=args.protocol, detector=detector_identity(model),
                  tracker=tracker_config(settings.tracker), stride=settings.stride, score_thresh=score)  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="table_rows-"))
    rows: dict[str, dict] = {}
    try:
        crops_cache = work / "crops"
        crops_config = ExtractionConfig(kind="crops", levels=settings.levels, max_clip_len=settings.max_clip_len, **common)
        t = time.perf_counter()
        extract_features(model, splits, crops_config, crops_cache, ground_truth_root=args.data, progress=False, classes=index.classes)
        crops_extract_s = time.perf_counter() - t
        config = read_cache_info(crops_cache).config
        train_names, test_names = split_names(crops_cache, "train"), split_names(crops_cache, "test")

        def read_all(cache: Path, clip) -> float:
            t0 = time.perf_counter()
            train = TrainTubes(cache, train_names, clip=clip)
            test = TestTubes(cache, test_names, clip=clip)
            for data in (train, test):
                for i in range(len(data)):
                    data[i]
            return time.perf_counter() - t0

        def heads(cache: Path, clip_fields: dict | None, out: Path) -> tuple[float, float]:
            t0 = time.perf_counter()
            record = train_heads(cache, args.protocol, head="tahnet_v1", profile=args.head_profile, seeds=[0],
                                 clip=clip_fields, out=out, progress=False, log=None)  # fmt: skip
            return time.perf_counter() - t0, record.metrics["summary"]["accuracy_mean"]

        for name in args.rows:
            fields = ROWS[name]
            clip = clip_settings(config, args.profile, fields)
            crops_read = read_all(crops_cache, clip)
            crops_heads, crops_acc = heads(crops_cache, fields, work / f"run-crops-{name}")
            tubes_cache = work / f"tubes-{name}"
            tubes_config = ExtractionConfig(kind="tubes", pooler=clip.pooler, clip_len=clip.clip_len, train_clips=1, **common)
            t = time.perf_counter()
            extract_features(model, splits, tubes_config, tubes_cache, ground_truth_root=args.data, progress=False,
                             classes=index.classes)  # fmt: skip
            tubes_extract = time.perf_counter() - t
            tubes_read = read_all(tubes_cache, None)
            tubes_heads, tubes_acc = heads(tubes_cache, None, work / f"run-tubes-{name}")
            shutil.rmtree(tubes_cache)
            rows[name] = {
                "clip": clip.to_dict(),
                "crops": {"read_s": round(crops_read, 3), "heads_s": round(crops_heads, 2), "accuracy": crops_acc},
                "tubes": {"extract_s": round(tubes_extract, 2), "read_s": round(tubes_read, 3), "heads_s": round(tubes_heads, 2),
                          "accuracy": tubes_acc},  # fmt: skip
            }
            print(name, rows[name], flush=True)
        crops_bytes = sum(f.stat().st_size for f in crops_cache.glob("*.pt"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    crops_tubes = sum(r["crops"]["read_s"] for r in rows.values())
    tubes_tubes = sum(r["tubes"]["extract_s"] + r["tubes"]["read_s"] for r in rows.values())
    crops_total = crops_tubes + sum(r["crops"]["heads_s"] for r in rows.values())
    tubes_total = tubes_tubes + sum(r["tubes"]["heads_s"] for r in rows.values())
    videos = sum(len(v) for v in splits.values())
    metrics = {
        "rows": rows,
        "crops_extract_s": round(crops_extract_s, 2),
        "crops_cache_mb": round(crops_bytes / 1e6, 1),
        "crops_cache_mb_per_video": round(crops_bytes / 1e6 / max(videos, 1), 2),
        "ratio_tubes": round(tubes_tubes / crops_tubes, 1),
        "ratio_end_to_end": round(tubes_total / crops_total, 2),
        "ratio_end_to_end_with_crop_extraction": round(tubes_total / (crops_total + crops_extract_s), 2),
    }
    print({k: v for k, v in metrics.items() if k != "rows"})
    manifest = load_manifest(args.data)
    params = {"benchmark_root": str(args.data), "benchmark_profile": manifest.get("profile"), "protocol": args.protocol,
              "profile": args.profile, "head_profile": args.head_profile, "videos": videos,
              "weights": str(args.weights) if args.weights else "random-init", "crops_settings": config}  # fmt: skip
    prov = provenance(profile=args.profile, seeds=[0], device="cpu", wall_time_s=round(time.perf_counter() - started, 1))
    write_record(args.out, "table_rows_bench", params, metrics, prov)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
