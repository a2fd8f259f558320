"""Run by ``torchrun`` in tests/test_engine.py: train a tiny head on two gloo ranks.

Usage: ``torchrun --nproc_per_node=2 tests/ddp_worker.py CACHE OUT ITERATIONS``. Each rank
writes ``OUT/rank<r>.json``: its rank, the world size, the iterations it ran, the videos the
library's training loop gave it at each step, and its head's parameters after the last step
(in name order, flattened), so that the test can check that the ranks trained on disjoint
shards and ended with the same parameters.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
import torch.distributed as dist

from hiar_lib.engine import TrainConfig, TrainStep, init_distributed, split_names, train_head


def main(cache: str, out: str, iterations: int) -> None:
    info = init_distributed("cpu")  # the group stays up for the whole script
    names = split_names(cache, "train")
    config = TrainConfig(head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16}, num_classes=3, lr=0.05,
                         batch_size=4, iterations=iterations, checkpoint_every=3, log_every=1, seed=0)  # fmt: skip
    batches: list[list[str]] = []
    weights: list[float] = []

    def record(step: TrainStep) -> None:
        batches.append(step.names)
        if step.iteration == iterations:
            params = dict(step.model.named_parameters())
            weights.extend(torch.cat([params[k].detach().flatten().double() for k in sorted(params)]).tolist())

    train_head(config, cache, names, out, progress=False, callback=record)
    record_ = {"rank": info.rank, "world_size": info.world_size, "iterations": len(batches), "batches": batches,
               "weights": weights}  # fmt: skip
    (Path(out) / f"rank{info.rank}.json").write_text(json.dumps(record_))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
