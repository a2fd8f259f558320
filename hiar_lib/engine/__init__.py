"""Training and evaluation of TAHNet heads on cached action region tubes.

- :mod:`hiar_lib.engine.data`: datasets over a feature cache (every instance of a
  training video with the video's label; one selected instance per test video) and the
  batch collation.
- :mod:`hiar_lib.engine.train`: :class:`TrainConfig` and :func:`train_head` (SGD, eq. 16, atomic resumable checkpoints, fine-tuning,
  DistributedDataParallel under ``torchrun``).
- :mod:`hiar_lib.engine.evaluate`: :func:`evaluate_head` (top-1, per-class accuracy,
  confusion matrix, majority baseline) and :func:`summarize_runs` (mean ± std over seeds).

Example::

    from hiar_lib.engine import split_names, train_head, evaluate_head
    from hiar_lib.profiles import get_profile

    cfg = get_profile("quick").head_config(head="tahnet_v3", seed=0)
    ckpt = train_head(cfg, cache, split_names(cache, "train"), "runs/v3/seed0")
    result = evaluate_head(ckpt, cache, rule="score")
"""

from hiar_lib.engine.compat import check_head_matches_cache
from hiar_lib.engine.data import (
    CacheInfo,
    ClipSettings,
    EngineError,
    InstanceBatch,
    TestTubes,
    TrainInstances,
    TrainTubes,
    VideoInstances,
    VideoMeta,
    cache_classes,
    check_protocol,
    collate_instances,
    read_cache_info,
    scan_cache,
    split_names,
)
from hiar_lib.engine.evaluate import (
    classification_metrics,
    evaluate_head,
    format_summary,
    load_head,
    majority_baseline,
    summarize_runs,
)
from hiar_lib.engine.train import (
    DistInfo,
    TrainConfig,
    TrainStep,
    build_head,
    checkpoint_iteration,
    init_distributed,
    load_checkpoint,
    num_classes_of_cache,
    train_head,
)

__all__ = [
    "CacheInfo",
    "ClipSettings",
    "DistInfo",
    "EngineError",
    "InstanceBatch",
    "TestTubes",
    "TrainConfig",
    "TrainStep",
    "TrainInstances",
    "TrainTubes",
    "VideoInstances",
    "VideoMeta",
    "build_head",
    "cache_classes",
    "check_head_matches_cache",
    "check_protocol",
    "classification_metrics",
    "collate_instances",
    "evaluate_head",
    "format_summary",
    "init_distributed",
    "checkpoint_iteration",
    "load_checkpoint",
    "load_head",
    "majority_baseline",
    "num_classes_of_cache",
    "read_cache_info",
    "scan_cache",
    "split_names",
    "summarize_runs",
    "train_head",
]
