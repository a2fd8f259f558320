"""Training a TAHNet head on cached action region tubes (Sections 3.3.2 and 4.2).

Recipe (Section 4.2): mini-batch SGD (momentum 0.9: the paper states none), learning rate 0.001, batches of 4
videos drawn at random from the training set; NTU RGB+D: 120,000 iterations with the
rate divided by 10 at 80,000 and 100,000; N-UCLA: 10,000 iterations at a constant rate,
fine-tuned from a head trained on NTU RGB+D. Each profile's budget (``smoke``, ``quick``,
``synthetic-full``, ``paper``) is :meth:`hiar_lib.profiles.Profile.head_config`.

Loss (eq. 16): cross-entropy of every instance of every video of the batch against the
*video's* label, ``-sum_v sum_n ln Pr(y_v | a_n^v)``. We average it over the batch's
instances instead of summing (``loss_reduction="mean"``, the default; ``"sum"`` is the
literal eq. 16). The two differ by the instance count of the batch, a factor the
learning rate absorbs; the mean keeps the step size independent of how many people the
videos happen to contain.

Checkpoints: ``<out_dir>/last.pt`` is written every ``checkpoint_every`` iterations and
at the end, atomically (temporary file, then rename). It holds the model, optimizer and
scheduler states, the iteration, the RNG states, the :class:`TrainConfig` and the head's
:class:`~hiar_lib.models.TAHNetConfig`, the training label counts (for the majority
baseline) and the cache it was trained on. ``resume=True`` continues from it: the data
order of every epoch is a seeded permutation (``DistributedSampler(seed, epoch)``) and
the clip drawn per video is seeded by ``(seed, epoch, name)``, so an interrupted and
resumed run ends with the same weights as an uninterrupted one (on the CPU, bit for bit).
``<out_dir>/train_log.jsonl`` has one line per ``log_every`` iterations: the iteration,
the mean loss (rank 0's) over the steps since the previous line, the learning rate, the
epoch, the number of instances, the seconds since the run (or its resumption) started
and the iteration it started at (0, or the checkpoint's it resumed from).

Distributed: launched under ``torchrun`` (``WORLD_SIZE`` > 1),
the process group is initialised (``gloo`` on the CPU, ``nccl`` on CUDA, each rank on
``cuda:LOCAL_RANK``), the head is wrapped in ``DistributedDataParallel`` and the videos
are sharded by ``DistributedSampler``. ``batch_size`` is the *global* batch (4 videos,
as in the paper's 2-GPU NTU runs): each rank takes ``batch_size / world_size`` videos per
iteration. BatchNorm statistics are per rank (no SyncBatchNorm). Only rank 0 writes
checkpoints and logs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler
from tqdm.auto import tqdm

from hiar_lib.engine.compat import check_head_matches_cache, trained_on
from hiar_lib.engine.data import (
    ClipSettings,
    EngineError,
    InstanceBatch,
    TrainInstances,
    TrainTubes,
    cache_classes,
    collate_instances,
    read_cache_info,
    scan_cache,
    split_names,
)
from hiar_lib.fileio import atomic_torch_save
from hiar_lib.models import PRESET_NAMES, TAHNet, TAHNetConfig, create_tahnet, preset_config

__all__ = [
    "CHECKPOINT_NAME",
    "DistInfo",
    "TrainConfig",
    "TrainStep",
    "build_head",
    "init_distributed",
    "load_checkpoint",
    "num_classes_of_cache",
    "train_head",
]

CHECKPOINT_NAME = "last.pt"
LOG_NAME = "train_log.jsonl"
CHECKPOINT_FORMAT = "hiar-head-checkpoint/1"

# Fields that may change between an interrupted run and its resumption.
_RESUMABLE_CHANGES = frozenset({"iterations", "device", "checkpoint_every", "num_workers", "log_every"})


@dataclass
class TrainConfig:
    """Everything that decides a training run of a head.

    Attributes:
        head: a preset name (``"tahnet_v1"`` .. ``"tahnet_v4"``, ``"tahnet_v2_wo_cb"``) or a
            head spec string (``"CB+Conv3Dx4+GAP+FC"``).
        head_options: :class:`~hiar_lib.models.TAHNetConfig` fields overriding the
            preset's (or the defaults of a spec), e.g. ``{"dim_conv": 512}``.
            ``in_channels`` and ``input_size`` default to the cached tubes' ``C`` and
            ``(T, S, S)``.
        num_classes: classifier outputs; ``None``: the cache's dataset's class count
            (:func:`num_classes_of_cache`).
        lr, momentum, weight_decay: SGD (paper: lr 0.001; it states neither momentum nor
            weight decay: 0.9 and 0 here).
        batch_size: videos per iteration, over all ranks (paper: 4).
        iterations: SGD steps (paper: 120,000 on NTU RGB+D, 10,000 on N-UCLA).
        milestones: iterations at which the rate is multiplied by ``gamma`` (paper NTU:
            80,000 and 100,000; N-UCLA: none).
        gamma: the decay factor (paper: 0.1).
        loss_reduction: ``"mean"`` over the batch's instances, or ``"sum"`` (eq. 16).
        instances: ``"all"`` (the paper: every track of a training video carries the
            video's label) or ``"actors"`` (only the tracks following a person who
            performs the action; needs a cache with per-track ground truth, i.e. the
            synthetic benchmark, where bystanders and false detections are common).
        seed: model initialisation, data order and clip draws.
        device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (under torchrun: ``cuda:LOCAL_RANK``).
        checkpoint_every: write ``last.pt`` every this many iterations (and at the end).
        num_workers: DataLoader worker processes per rank.
        init_from: a checkpoint of a head trained elsewhere (e.g. NTU RGB+D) to start
            from; its classifier is dropped when the class counts differ (fine-tuning
            NTU -> N-UCLA, Section 4.2). Ignored when resuming.
        log_every: write a log line (and update the progress bar) every this many iterations.
        clip: for a cache of track crops, the clips pooled from it (``T`` and the
            pooler: :class:`~hiar_lib.engine.data.ClipSettings`, or its dict); ``None`` for
            a cache of tubes, whose clips were pooled at extraction.
    """

    head: str = "tahnet_v1"
    head_options: dict[str, Any] = field(default_factory=dict)
    num_classes: int | None = None
    lr: float = 0.001
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 4
    iterations: int = 10_000
    milestones: tuple[int, ...] = ()
    gamma: float = 0.1
    loss_reduction: Literal["mean", "sum"] = "mean"
    instances: TrainInstances = "all"
    seed: int = 0
    device: str = "cpu"
    checkpoint_every: int = 1000
    num_workers: int = 0
    init_from: str | None = None
    log_every: int = 10
    clip: ClipSettings | None = None

    def __post_init__(self) -> None:
        if isinstance(self.clip, dict):
            self.clip = ClipSettings(**self.clip)
        self.milestones = tuple(int(m) for m in self.milestones)
        self.head_options = dict(self.head_options)
        if self.init_from is not None:
            self.init_from = str(self.init_from)
        for name in ("batch_size", "iterations", "checkpoint_every", "log_every"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise EngineError(f"TrainConfig.{name} must be a positive integer, got {v!r}")
        if self.num_classes is not None and (not isinstance(self.num_classes, int) or self.num_classes < 2):
            raise EngineError(f"TrainConfig.num_classes must be an integer >= 2, got {self.num_classes!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise EngineError(f"TrainConfig.lr must be positive, got {self.lr!r}")
        if not 0 <= self.momentum < 1 or self.weight_decay < 0 or not 0 < self.gamma <= 1:
            raise EngineError(
                f"TrainConfig needs 0 <= momentum < 1, weight_decay >= 0, 0 < gamma <= 1; got "
                f"{self.momentum}, {self.weight_decay}, {self.gamma}"
            )
        if list(self.milestones) != sorted(set(self.milestones)) or any(m < 1 for m in self.milestones):
            raise EngineError(f"TrainConfig.milestones must be increasing positive iterations, got {self.milestones}")
        if self.instances not in ("all", "actors"):
            raise EngineError(f"TrainConfig.instances must be 'all' (the paper) or 'actors', got {self.instances!r}")
        if self.loss_reduction not in ("mean", "sum"):
            raise EngineError(f"TrainConfig.loss_reduction must be 'mean' or 'sum', got {self.loss_reduction!r}")
        if self.num_workers < 0:
            raise EngineError(f"TrainConfig.num_workers must be >= 0, got {self.num_workers}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (tuples become lists)."""
        d = dataclasses.asdict(self)
        d["clip"] = self.clip.to_dict() if self.clip is not None else None
        d["milestones"] = list(self.milestones)
        d["head_options"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.head_options.items()}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def num_classes_of_cache(cache_dir: str | os.PathLike) -> int:
    """The classifier width for a cache: its dataset's class count, else the largest cached label + 1."""
    classes = cache_classes(cache_dir)
    if classes:
        return len(classes)
    labels = [m.label for m in scan_cache(cache_dir)]
    if not labels:
        raise EngineError(f"the feature cache at {cache_dir} holds no video")
    return max(labels) + 1


def build_head(
    config: TrainConfig, num_classes: int, in_channels: int | None = None, input_size: tuple[int, int, int] | None = None
) -> TAHNet:
    """The head of ``config``: a preset or a spec, with ``head_options`` applied.

    ``in_channels``/``input_size`` (the cached tubes' ``C`` and ``(T, S, S)``) are used
    unless ``head_options`` sets them.
    """
    options: dict[str, Any] = {}
    if in_channels is not None:
        options["in_channels"] = int(in_channels)
    if input_size is not None:
        options["input_size"] = tuple(int(s) for s in input_size)
    options.update(config.head_options)
    options["num_classes"] = int(num_classes)
    if config.head in PRESET_NAMES:
        return TAHNet(preset_config(config.head, **options))
    return create_tahnet(config.head, **options)


# ------------------------------------------------------------------------ distributed


@dataclass(frozen=True)
class DistInfo:
    """This process's place in a (possibly single-process) run."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    initialised_here: bool

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def init_distributed(device: str = "cpu") -> DistInfo:
    """Join the process group when launched by ``torchrun`` (``WORLD_SIZE`` > 1).

    Initialises it (``nccl`` for CUDA devices, ``gloo`` otherwise) unless it already is;
    ``initialised_here`` says whether the caller should destroy it. Outside torchrun:
    rank 0 of 1, nothing initialised.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    want_cuda = str(device).startswith("cuda")
    if want_cuda and not torch.cuda.is_available():
        raise EngineError(f"device {device!r} asked for, but CUDA is not available here (use --device cpu)")
    if world <= 1 and not (dist.is_available() and dist.is_initialized()):
        return DistInfo(0, 1, 0, torch.device(device), False)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = torch.device("cuda", local_rank) if want_cuda else torch.device("cpu")
    if want_cuda:
        torch.cuda.set_device(dev)
    here = False
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if want_cuda else "gloo", device_id=dev if want_cuda else None)
        here = True
    return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, dev, here)


def _barrier(info: DistInfo) -> None:
    if info.world_size > 1:
        if info.device.type == "cuda":
            dist.barrier(device_ids=[info.device.index])
        else:
            dist.barrier()


# ------------------------------------------------------------------------ checkpoints


def checkpoint_iteration(path: str | os.PathLike) -> int:
    """The iteration a head checkpoint (a file, or the run folder holding ``last.pt``) is
    at: what resuming :func:`train_head` starts from; 0 where there is none or it cannot be
    read (training then starts over, or says what is wrong)."""
    try:
        return int(load_checkpoint(path)["iteration"])
    except (EngineError, KeyError, TypeError, ValueError):
        return 0


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a head checkpoint written by :func:`train_head` (``weights_only`` loading).

    Raises:
        EngineError: missing, unreadable or not a head checkpoint.
    """
    p = Path(path)
    if p.is_dir():
        p = p / CHECKPOINT_NAME
    if not p.is_file():
        raise EngineError(f"no head checkpoint at {p}")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # the loader's own message can run to many lines: its first says enough
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise EngineError(f"unreadable head checkpoint {p}: {first}") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise EngineError(f"{p} is not a hiar head checkpoint ({CHECKPOINT_FORMAT})")
    return ckpt


def _check_resumable(saved: dict[str, Any], config: TrainConfig, path: Path) -> None:
    now = config.to_dict()
    # A field added after the checkpoint was written counts at its default.
    defaults = TrainConfig().to_dict()
    saved = {**{k: v for k, v in defaults.items() if k not in saved}, **saved}
    diffs = [f"{k}: {saved.get(k)!r} in the checkpoint, {now[k]!r} now" for k in now if k not in _RESUMABLE_CHANGES and saved.get(k) != now[k]]
    if diffs:
        raise EngineError(
            f"cannot resume from {path}: it was trained with other settings:\n  " + "\n  ".join(diffs)
            + "\n(use another output folder, or resume=False / --no-resume to start over)"
        )


def _init_from(model: TAHNet, path: str) -> list[str]:
    """Load a head trained elsewhere; drop its classifier when the shapes differ. Returns dropped keys."""
    ckpt = load_checkpoint(path)
    state = ckpt["model"]
    own = model.state_dict()
    dropped = [k for k in state if k.startswith("classifier.") and k in own and state[k].shape != own[k].shape]
    for k in dropped:
        del state[k]
    bad = [f"{k}: {tuple(v.shape)} vs {tuple(own[k].shape)}" for k, v in state.items() if k in own and v.shape != own[k].shape]
    missing = sorted(set(own) - set(state) - set(dropped))
    unexpected = sorted(set(state) - set(own))
    if bad or missing or unexpected:
        raise EngineError(
            f"cannot fine-tune from {path}: its head ({ckpt.get('head_config', {}).get('spec')!r}) does not fit this one "
            f"({model.config.spec!r}); shape mismatches {bad[:3]}, missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
    model.load_state_dict(state, strict=False)
    return dropped


def _rng_state(device: torch.device) -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def _head_config_dict(config: TAHNetConfig) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()}


def _rewrite_log(path: Path, upto: int) -> None:
    """Drop log lines past ``upto`` (written after the checkpoint a run resumes from)."""
    if not path.is_file():
        return
    keep = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line).get("iteration", 0) <= upto]
    path.write_text("".join(line + "\n" for line in keep))


# ------------------------------------------------------------------------ training


@dataclass(frozen=True)
class TrainStep:
    """What :func:`train_head`'s callback is told after each SGD step, on each rank.

    Attributes:
        iteration: steps done so far (from 1).
        loss: this rank's loss of the step.
        names: the videos of this rank's share of the batch.
        model: this rank's head (the module DistributedDataParallel wraps, if it does).
    """

    iteration: int
    loss: float
    names: list[str]
    model: nn.Module


def train_head(
    config: TrainConfig,
    cache_dir: str | os.PathLike,
    train_names: Sequence[str] | None,
    out_dir: str | os.PathLike,
    resume: bool = True,
    progress: bool = True,
    callback: Callable[[TrainStep], None] | None = None,
) -> Path:
    """Train a head on the training videos of a feature cache; returns the checkpoint path.

    Each iteration takes ``batch_size`` videos (over all ranks), one random cached clip of
    each and every track of that clip (``(N, C, T, S, S)`` float32, N = the tracks of the
    batch's videos), labels every instance with its video's label and takes one SGD step
    on the cross-entropy (eq. 16, see the module docstring).

    Args:
        config: the run's settings.
        cache_dir: the feature cache folder.
        train_names: the training videos; ``None``: every cached video whose recorded
            split is ``"train"`` (:func:`~hiar_lib.engine.data.split_names`).
        out_dir: where ``last.pt`` and ``train_log.jsonl`` go (rank 0 only).
        resume: continue from ``<out_dir>/last.pt`` when it exists (its settings must
            match ``config`` except ``iterations``, ``device``, ``checkpoint_every``,
            ``num_workers``, ``log_every``); ``False`` starts over and overwrites it.
        progress: a tqdm bar on rank 0.
        callback: called with a :class:`TrainStep` after every step (iteration counts
            from 1), on every rank; exceptions propagate (a test uses this to interrupt
            a run).

    Returns:
        ``<out_dir>/last.pt``, holding the state after ``config.iterations`` steps.

    Raises:
        EngineError: empty or trackless training set, labels outside ``num_classes``, a
            head that does not fit the tubes, ``batch_size`` not divisible by the number
            of ranks, an incompatible checkpoint to resume from or fine-tune from.
        CacheError: not a cache, or a video not in it.
    """
    out = Path(out_dir)
    info = init_distributed(config.device)
    try:
        return _train(config, cache_dir, train_names, out, resume, progress, callback, info)
    finally:
        if info.initialised_here:
            dist.destroy_process_group()


def _train(
    config: TrainConfig,
    cache_dir: str | os.PathLike,
    train_names: Sequence[str] | None,
    out: Path,
    resume: bool,
    progress: bool,
    callback: Callable[[TrainStep], None] | None,
    info: DistInfo,
) -> Path:
    cache = read_cache_info(cache_dir)
    if config.batch_size % info.world_size:
        raise EngineError(f"batch_size {config.batch_size} (videos over all ranks) is not divisible by the {info.world_size} ranks")
    per_rank = config.batch_size // info.world_size
    if train_names is None:
        train_names = split_names(cache_dir, "train")
    dataset = TrainTubes(cache_dir, list(train_names), seed=config.seed, instances=config.instances, clip=config.clip)
    num_classes = config.num_classes or num_classes_of_cache(cache_dir)
    labels = dataset.labels
    if max(labels) >= num_classes or min(labels) < 0:
        raise EngineError(f"training labels span {min(labels)}..{max(labels)}, outside the head's {num_classes} classes")
    counts = [0] * num_classes
    for y in labels:
        counts[y] += 1
    c, t, s, s2 = dataset.tube_shape  # type: ignore[misc]

    torch.manual_seed(config.seed)
    model = build_head(config, num_classes, in_channels=c, input_size=(t, s, s2))  # TAHNetSpecError on a bad spec
    if model.expected_input_shape != (c, t, s, s2):
        raise EngineError(
            f"head {model.config.spec!r} takes tubes {model.expected_input_shape} but the cache at {cache_dir} holds "
            f"{(c, t, s, s2)}; leave in_channels/input_size out of head_options to take the cache's"
        )
    model.to(info.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=list(config.milestones), gamma=config.gamma)

    ckpt_path = out / CHECKPOINT_NAME
    log_path = out / LOG_NAME
    start = 0
    fine_tuned_from: dict[str, Any] | None = None
    if resume and ckpt_path.is_file():
        ckpt = load_checkpoint(ckpt_path)
        check_head_matches_cache(ckpt, ckpt_path, cache_dir)
        _check_resumable(ckpt["config"], config, ckpt_path)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        _set_rng_state(ckpt["rng"], info.device)
        start = int(ckpt["iteration"])
        if start > config.iterations:
            raise EngineError(
                f"{ckpt_path} is at iteration {start}, past the {config.iterations} asked for; "
                f"ask for at least {start} iterations, or start over (resume=False / --no-resume)"
            )
        fine_tuned_from = ckpt.get("fine_tuned_from")
    elif config.init_from:
        dropped = _init_from(model, config.init_from)
        fine_tuned_from = {"path": config.init_from, "classifier_dropped": bool(dropped)}
    if info.is_main:
        out.mkdir(parents=True, exist_ok=True)
        if start:
            _rewrite_log(log_path, start)
        elif log_path.exists():
            log_path.unlink()
    _barrier(info)

    net: nn.Module = model
    if info.world_size > 1:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[info.device.index] if info.device.type == "cuda" else None)
    sampler = DistributedSampler(dataset, num_replicas=info.world_size, rank=info.rank, shuffle=True, seed=config.seed)
    batches_per_epoch = math.ceil(len(sampler) / per_rank)

    cache_record = trained_on(cache)  # read once, not at every checkpoint

    def save(iteration: int) -> None:
        if not info.is_main:
            return
        payload = {
            "format": CHECKPOINT_FORMAT,
            "iteration": iteration,
            "config": config.to_dict(),
            "head_config": _head_config_dict(model.config),
            "num_classes": num_classes,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "rng": _rng_state(info.device),
            "train_label_counts": counts,
            "train_videos": len(dataset),
            "train_videos_without_track": len(dataset.skipped),
            "cache": cache_record,
            "world_size": info.world_size,
            "fine_tuned_from": fine_tuned_from,
        }
        atomic_torch_save(payload, ckpt_path)

    bar = tqdm(
        total=config.iterations, initial=min(start, config.iterations), unit="it", desc="train head",
        disable=not (progress and info.is_main),
    )  # fmt: skip
    it = start
    window: list[tuple[float, int]] = []  # (loss, instances) of the steps since the last log line
    net.train()
    t0 = time.perf_counter()
    try:
        while it < config.iterations:
            epoch, skip = divmod(it, batches_per_epoch)
            sampler.set_epoch(epoch)
            dataset.set_epoch(epoch)
            order = list(sampler)
            batches = [order[i : i + per_rank] for i in range(0, len(order), per_rank)][skip:]
            loader = DataLoader(
                dataset, batch_sampler=batches, collate_fn=collate_instances, num_workers=config.num_workers,
                pin_memory=info.device.type == "cuda",
                # Its own generator: creating the iterator must not draw from the global RNG
                # (dropout's), or a resumed run would diverge from an uninterrupted one.
                generator=torch.Generator().manual_seed(config.seed * 1_000_003 + epoch),
            )  # fmt: skip
            for batch in loader:
                batch = batch.to(info.device)
                loss = _step(net, batch, optimizer, config.loss_reduction)
                scheduler.step()
                it += 1
                window.append((loss, int(batch.labels.numel())))
                if callback is not None:
                    callback(TrainStep(iteration=it, loss=loss, names=list(batch.names), model=model))
                if info.is_main and (it % config.log_every == 0 or it == config.iterations):
                    lr = optimizer.param_groups[0]["lr"]
                    mean_loss = sum(x for x, _ in window) / len(window)
                    with log_path.open("a") as fh:
                        fh.write(json.dumps({"iteration": it, "loss": mean_loss, "lr": lr, "epoch": epoch,
                                             "steps": len(window), "instances": sum(n for _, n in window),
                                             "elapsed_s": round(time.perf_counter() - t0, 3), "started_at": start}) + "\n")  # fmt: skip
                    bar.set_postfix(loss=f"{mean_loss:.4f}", lr=f"{lr:.2g}", refresh=False)
                if it % config.log_every == 0:
                    window.clear()
                bar.update(1)
                if it % config.checkpoint_every == 0 or it == config.iterations:
                    save(it)
                    _barrier(info)
                if it >= config.iterations:
                    break
    finally:
        bar.close()
    _barrier(info)
    return ckpt_path


def _step(net: nn.Module, batch: InstanceBatch, optimizer: torch.optim.Optimizer, reduction: str) -> float:
    """One SGD step on ``batch`` (``(N, C, T, S, S)`` tubes, ``(N,)`` video labels); returns the loss."""
    optimizer.zero_grad(set_to_none=True)
    logits = net(batch.tubes)  # (N, num_classes)
    loss = F.cross_entropy(logits, batch.labels, reduction=reduction)
    loss.backward()
    optimizer.step()
    return float(loss.detach())
