"""Training speed of the TAHNet heads at a profile's widths: seconds per iteration of the
forward and backward pass and the SGD step on random clips of the shape the heads train
on, per head, on one device. The data path (pooling each clip from the crop cache, on
the CPU) is not included: this is the compute a head's training needs at least, what
an estimate of a run's head training on another device goes by.

Usage::

    .venv/bin/python benchmarks/bench_head_training.py --device cuda --profile quick \\
        [--out results/bench/head_training_<device>.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hiar_lib.experiments.provenance import device_name, provenance  # noqa: E402
from hiar_lib.experiments.records import write_record  # noqa: E402
from hiar_lib.experiments.timing import HEAD_PRESETS  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    import dataclasses

    from hiar_lib.head_widths import head_widths
    from hiar_lib.models import TAHNet, preset_config
    from hiar_lib.profiles import get_profile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--in-channels", type=int, default=128, help="the FPN width the heads see (synthetic detector: 128)")
    parser.add_argument("--classes", type=int, default=12)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--commit", default=None, help="the code's commit where the copy has no git folder")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    profile = get_profile(args.profile)
    batch = int(profile.heads["default"].get("batch_size", 4))
    budget = int(profile.heads["default"]["iterations"])
    out = args.out or REPO / "results" / "bench" / f"head_training_{device.type}.json"
    t0 = time.perf_counter()
    rows = []
    for name in HEAD_PRESETS:
        cfg = preset_config(name)
        widths = {} if profile.widths.identity else profile.widths.scale(*head_widths(name))
        cfg = dataclasses.replace(cfg, in_channels=args.in_channels, num_classes=args.classes, **widths)
        model = TAHNet(cfg).to(device).train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(batch, args.in_channels, *cfg.input_size, device=device)
        y = torch.randint(0, args.classes, (batch,), device=device)

        def step() -> None:
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

        for _ in range(3):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        for _ in range(args.iterations):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        per_it = (time.perf_counter() - start) / args.iterations
        rows.append({"head": name, "widths": widths, "input": [args.in_channels, *cfg.input_size], "batch": batch,
                     "seconds_per_iteration": per_it, "seconds_per_head": per_it * budget, "iterations_per_head": budget})  # fmt: skip
        print(f"{name}: {per_it * 1e3:.1f} ms/iteration, {per_it * budget:.1f} s for {budget} iterations (batch {batch})", flush=True)
    extra = {"git_commit": args.commit} if args.commit else {}
    prov = provenance(profile=args.profile, device=args.device, wall_time_s=round(time.perf_counter() - t0, 2), **extra)
    write_record(out, "bench_head_training", {"iterations_timed": args.iterations, "in_channels": args.in_channels}, {"rows": rows}, prov)
    print(f"wrote {out} ({device_name(args.device)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
