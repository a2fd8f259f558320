"""Training the ``synthetic`` detector preset on a synthetic benchmark, cached by config.

:func:`train_detector` trains from scratch (AdamW, warm-up then cosine schedule, a time
or iteration budget) with the augmentations of :mod:`hiar_lib.detection.augment`, and
caches the checkpoint under ``cache_dir/detectors/synthetic-<key>.pt``, ``key`` hashing
the training config (:class:`hiar_lib.detection.config.DetectorTrainConfig`) and the
benchmark's identity.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from hiar_lib.detection.augment import color_jitter, hflip, zoom_stretch
from hiar_lib.detection.build import build_detector
from hiar_lib.detection.config import DetectorTrainConfig, SyntheticDetectorConfig
from hiar_lib.detection.dataset import SyntheticDetectionFrames
from hiar_lib.detection.weights import CHECKPOINT_FORMAT, CHECKPOINT_VERSION, WeightsError, read_checkpoint, save_detector
from hiar_lib.fileio import link_or_copy

__all__ = ["MAX_NONFINITE_STEPS", "default_cache_dir", "train_detector"]

MAX_NONFINITE_STEPS = 5
"""train_detector skips a non-finite batch, and gives up after this many in a row."""


def default_cache_dir() -> Path:
    """Where trained detectors are cached: ``$HIAR_CACHE_DIR``, else ``cache/`` of the
    repository checkout holding this package, else ``~/.cache/hiar``."""
    env = os.environ.get("HIAR_CACHE_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    if (repo / "pyproject.toml").is_file():
        return repo / "cache"
    return Path.home() / ".cache" / "hiar"


def _benchmark_identity(root: Path) -> dict[str, Any]:
    from hiar_lib.data.synthetic import load_manifest

    m = load_manifest(root)
    digest = hashlib.sha256(json.dumps(m.get("clips", []), sort_keys=True).encode()).hexdigest()[:16]
    return {
        "profile": m.get("profile"),
        "seed": m.get("seed"),
        "config": m.get("config"),
        "width": m.get("width"),
        "height": m.get("height"),
        "clips_sha256": digest,
    }


def _cache_key(cfg: DetectorTrainConfig, bench: dict[str, Any]) -> str:
    payload = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "train": cfg.to_dict(), "benchmark": bench}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def _lr_factor(it: int, progress: float, cfg: DetectorTrainConfig) -> float:
    if it < cfg.warmup_iterations:
        return 0.05 + 0.95 * it / cfg.warmup_iterations
    p = min(max(progress, 0.0), 1.0)
    return cfg.final_lr_fraction + (1.0 - cfg.final_lr_fraction) * 0.5 * (1.0 + math.cos(math.pi * p))


def _fast_bf16(dev: torch.device) -> bool:
    """Whether bfloat16 autocast speeds up training on ``dev``."""
    if dev.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if dev.type != "cpu":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return any(f in flags for f in ("amx_bf16", "avx512_bf16"))


def train_detector(
    benchmark_root: str | os.PathLike,
    out_path: str | os.PathLike | None = None,
    *,
    minutes: float | None = None,
    iterations: int | None = None,
    batch_size: int = 4,
    lr: float = 1e-3,
    seed: int = 0,
    device: str | torch.device = "cpu",
    progress: bool = True,
    cache_dir: str | os.PathLike | None = None,
    config: DetectorTrainConfig | None = None,
    force: bool = False,
) -> Path:
    """Train the ``synthetic`` detector on a benchmark's training split, cached.

    The result is cached as ``cache_dir/detectors/synthetic-<key>.pt`` where ``key``
    hashes the training config (:class:`DetectorTrainConfig`, architecture included) and
    the benchmark's identity (profile, seed, config, clip list): a second call with the
    same config returns the cached file without training. The checkpoint holds the loss
    curve, iterations, wall time and the config (``read_checkpoint(path)["training"]``).

    Args:
        benchmark_root: a synthetic benchmark (manifest, videos, annotations).
        out_path: also copy the checkpoint here (atomically); returned instead of the
            cache path.
        minutes, iterations, batch_size, lr, seed: the main :class:`DetectorTrainConfig`
            fields (ignored when ``config`` is given).
        device: where to train.
        progress: show tqdm progress bars (decoding, then training time with the loss).
        cache_dir: default :func:`default_cache_dir`.
        config: the full training config; overrides the keyword arguments above.
        force: train even if a cached checkpoint exists.

    Returns:
        The checkpoint path; load it with ``build_detector("synthetic", weights=path)``.
    """
    from tqdm.auto import tqdm

    root = Path(benchmark_root)
    cfg = config or DetectorTrainConfig(minutes=minutes, iterations=iterations, batch_size=batch_size, lr=lr, seed=seed)
    bench = _benchmark_identity(root)
    default_model = SyntheticDetectorConfig()
    if (cfg.model.min_size, cfg.model.max_size) == (default_model.min_size, default_model.max_size):
        w, h = int(bench["width"]), int(bench["height"])
        lo, hi = round(min(w, h) * cfg.input_scale), round(max(w, h) * cfg.input_scale)
        cfg = replace(cfg, model=replace(cfg.model, min_size=lo, max_size=hi))
    key = _cache_key(cfg, bench)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cached = cache / "detectors" / f"synthetic-{key}.pt"

    if force or not _valid_cached(cached, key):
        _train(root, cfg, key, bench, cached, torch.device(device), progress, tqdm)
    if out_path is None:
        return cached
    return link_or_copy(cached, out_path)


def _valid_cached(path: Path, key: str) -> bool:
    if not path.is_file():
        return False
    try:
        return read_checkpoint(path).get("training", {}).get("cache_key") == key
    except WeightsError:
        return False


def _train(root, cfg: DetectorTrainConfig, key: str, bench: dict, out: Path, dev: torch.device, progress: bool, tqdm) -> None:
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    data = SyntheticDetectionFrames(root, cfg.split, cfg.protocol, cfg.frame_stride, progress=progress)
    model = build_detector("synthetic", random_init=True, config=cfg.model, device=dev, seed=None)  # seeded above
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim > 1]
    no_decay = [p for p in params if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    try:  # the fused kernel saves ~10% of an iteration on CPU
        opt = torch.optim.AdamW(groups, lr=cfg.lr, fused=dev.type in ("cpu", "cuda"))
    except (RuntimeError, TypeError, ValueError):
        opt = torch.optim.AdamW(groups, lr=cfg.lr)
    use_amp = _fast_bf16(dev) if cfg.amp is None else bool(cfg.amp)
    budget_s = cfg.minutes * 60.0 if cfg.minutes is not None else math.inf
    max_it = cfg.iterations if cfg.iterations is not None else 10**12
    curve: list[dict[str, float]] = []
    running: dict[str, float] = {}
    order = torch.randperm(len(data), generator=gen)
    cursor, it, seen = 0, 0, 0
    bar = tqdm(
        total=cfg.iterations if cfg.minutes is None else int(round(budget_s)),
        unit="it" if cfg.minutes is None else "s",
        desc="train detector",
        disable=not progress,
    )
    start = time.perf_counter()
    last_bar = start
    nonfinite, skipped_steps = 0, 0
    try:
        while it < max_it:
            elapsed = time.perf_counter() - start
            if elapsed >= budget_s:
                break
            progress_frac = max(it / max_it if cfg.iterations else 0.0, elapsed / budget_s if cfg.minutes else 0.0)
            for g in opt.param_groups:
                g["lr"] = cfg.lr * _lr_factor(it, progress_frac, cfg)
            images, targets = [], []
            for _ in range(cfg.batch_size):
                if cursor >= len(order):
                    order, cursor = torch.randperm(len(data), generator=gen), 0
                img, tgt = data[int(order[cursor])]
                cursor += 1
                img = img.float().div_(255.0)
                if cfg.augment_prob > 0 and (cfg.zoom != (1.0, 1.0) or cfg.stretch != (1.0, 1.0)):
                    if torch.rand((), generator=gen) < cfg.augment_prob:
                        img, tgt = zoom_stretch(img, tgt, gen, cfg.zoom, cfg.stretch)
                if cfg.hflip and torch.rand((), generator=gen) < 0.5:
                    img, tgt = hflip(img, tgt)
                if cfg.color_jitter:
                    img = color_jitter(img, gen)
                images.append(img.to(dev))
                targets.append({k: tgt[k].to(dev) for k in ("boxes", "labels", "keypoints", "masks")})
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=use_amp):
                losses = model(images, targets)
            losses = {k: v.float() for k, v in losses.items()}
            loss = sum(losses.values())
            if not torch.isfinite(loss):
                # A rare non-finite batch (one bad sample under bfloat16) is skipped; a run of
                # them means the optimisation itself diverged.
                nonfinite += 1
                skipped_steps += 1
                if nonfinite >= MAX_NONFINITE_STEPS:
                    raise RuntimeError(
                        f"detector training diverged at iteration {it}: {nonfinite} non-finite losses in a row "
                        f"({ {k: float(v) for k, v in losses.items()} }); lower lr"
                    )
                continue
            nonfinite = 0
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            it += 1
            seen += len(images)
            for k, v in losses.items():
                x = float(v.detach())
                running[k] = 0.9 * running.get(k, x) + 0.1 * x
            now = time.perf_counter()
            if it % 25 == 0 or it == 1:
                curve.append({"iteration": it, "time_s": round(now - start, 2), "loss": round(sum(running.values()), 4),
                              **{k: round(v, 4) for k, v in running.items()}})  # fmt: skip
            if cfg.minutes is None:
                bar.update(1)
            elif now - last_bar >= 1.0:
                bar.update(min(int(now - start) - bar.n, bar.total - bar.n))
                last_bar = now
            if it % 5 == 0:
                bar.set_postfix(it=it, loss=f"{sum(running.values()):.3f}", lr=f"{opt.param_groups[0]['lr']:.1e}")
    finally:
        bar.close()
    wall = time.perf_counter() - start
    if not curve or curve[-1]["iteration"] != it:
        curve.append({"iteration": it, "time_s": round(wall, 2), "loss": round(sum(running.values()), 4),
                      **{k: round(v, 4) for k, v in running.items()}})  # fmt: skip
    model.eval()
    training = {
        "cache_key": key,
        "config": cfg.to_dict(),
        "benchmark": bench,
        "benchmark_root": str(root),
        "train_frames": len(data),
        "iterations": it,
        "images_seen": seen,
        "skipped_nonfinite_steps": skipped_steps,
        "wall_time_s": round(wall, 2),
        "device": str(dev),
        "amp_bfloat16": use_amp,
        "torch": str(torch.__version__),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "curve": curve,
    }
    model.detector_info = replace(model.detector_info, training=training)
    save_detector(model, out, training)


# --------------------------------------------------------------------------- evaluation
