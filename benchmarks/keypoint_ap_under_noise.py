"""What a keypoint AP means at the synthetic benchmark's scale: the ground truth itself,
its joints moved by Gaussian noise of a few pixels, scored like a detector
(:func:`hiar_lib.detection.coco_eval.keypoint_ap_under_noise`).

OKS divides a joint's error by the person's size, so on people ~67 px tall keypoint AP
0.50 asks for keypoints within about 1.5 px; this record says how precise the synthetic
detector's keypoints are in pixels, beside its measured keypoint AP.

Usage::

    .venv/bin/python benchmarks/keypoint_ap_under_noise.py --data cache/synthetic/quick \\
        --out results/keypoint_ap_under_noise_quick.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.data.synthetic import load_manifest  # noqa: E402
from hiar_lib.detection.coco_eval import keypoint_ap_under_noise  # noqa: E402
from hiar_lib.experiments.provenance import provenance  # noqa: E402
from hiar_lib.experiments.records import write_record  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="a synthetic benchmark (hiar synth)")
    p.add_argument("--out", required=True, type=Path, help="results JSON")
    p.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.5, 1.0, 1.5, 2.0, 3.0], help="sigmas, pixels")
    p.add_argument("--protocol", default="cs")
    p.add_argument("--frame-stride", type=int, default=4, help="as the detector's evaluation (default 4)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-clips", type=int, default=None, help="only the first clips (checks)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    manifest = load_manifest(args.data)
    out = keypoint_ap_under_noise(args.data, args.noise, "test", protocol=args.protocol, frame_stride=args.frame_stride,
                                  seed=args.seed, max_clips=args.max_clips)  # fmt: skip
    for r in out["rows"]:
        print(f"noise {r['noise_px']:4.1f} px: keypoint AP {r['keypoint_AP']:.3f} (AP50 {r['keypoint_AP50']:.3f}, "
              f"AP75 {r['keypoint_AP75']:.3f})")  # fmt: skip
    print(f"{out['instances']} people in {out['images']} frames; median box height {out['median_box_height_px']:.0f} px")
    params = {"benchmark_root": str(args.data), "benchmark_profile": manifest.get("profile"),
              "benchmark_seed": manifest.get("seed"), "protocol": args.protocol, "split": "test",
              "frame_stride": args.frame_stride, "max_clips": args.max_clips}  # fmt: skip
    prov = provenance(profile=manifest.get("profile"), seeds=[args.seed], wall_time_s=round(time.perf_counter() - start, 2))
    write_record(args.out, "keypoint_ap_under_noise", params, out, prov)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
