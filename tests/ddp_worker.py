"""Run by ``torchrun`` in tests/test_engine.py: train a tiny head on two gloo ranks.

Usage: ``torchrun --nproc_per_node=2 tests/ddp_worker.py CACHE OUT ITERATIONS``. Each rank
writes ``OUT/rank<r>.json`` (rank, world size, iterations it ran, the videos of its first
epoch) so the test can check that both ranks ran on disjoint shards.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch.distributed as dist
from torch.utils.data import DistributedSampler

from hiar_lib.engine import TrainConfig, TrainTubes, init_distributed, split_names, train_head


def main(cache: str, out: str, iterations: int) -> None:
    info = init_distributed("cpu")  # the group stays up for the whole script
    names = split_names(cache, "train")
    config = TrainConfig(head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16}, num_classes=3, lr=0.05,
                         batch_size=4, iterations=iterations, checkpoint_every=3, log_every=1, seed=0)  # fmt: skip
    steps: list[int] = []
    train_head(config, cache, names, out, progress=False, callback=lambda it, loss: steps.append(it))
    dataset = TrainTubes(cache, names, seed=0)
    sampler = DistributedSampler(dataset, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=0)
    sampler.set_epoch(0)
    first = [dataset.videos[i].name for i in sampler]
    record = {"rank": info.rank, "world_size": info.world_size, "iterations": len(steps), "first_epoch_videos": first}
    (Path(out) / f"rank{info.rank}.json").write_text(json.dumps(record))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
