"""What every notebook of the suite stands on: its parameters, checked in the first cell,
and the stages under its tables (benchmark, detector, feature cache), made once and shared.

A notebook's ``parameters`` cell (papermill) sets the fields of :class:`SuiteParams`;
its first call is :func:`suite_params`, which refuses a bad value in one line naming it
(an unknown profile, a ``data_root`` that does not exist or holds no videos, a protocol
the dataset lacks, a device this machine does not have, missing paper weights), so the
notebook stops there and not twenty cells down. ``profile=None`` reads
``HIAR_PROFILE`` (how ``make test`` runs every notebook at ``smoke``), else the
default profile.

On the synthetic benchmark (``dataset="synthetic"``, no ``data_root``) the stages are
those of ``make reproduce``, in the same folders under ``cache_dir``, so a notebook
reuses what ``make reproduce`` (or another notebook) already made:

- ``synthetic/<profile>``: the benchmark (:func:`synthetic_benchmark`);
- ``detectors/synthetic-<profile>.pt``: its detector, trained on a benchmark of its own
  (:func:`detector_weights`);
- ``features/<profile>-<protocol>-<kind>``: the feature cache (:func:`feature_cache`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hiar_lib.errors import HiarError
from hiar_lib.profiles import DEFAULT_PROFILE, DETECTOR_DATA_SEED, PROFILE_NAMES, get_profile

__all__ = [
    "DATASETS", "SuiteParams", "contact_sheet", "detector_weights", "feature_cache", "feature_cache_dir", "head_run_dir",
    "head_runs", "joint_caches", "profiles_table",
    "run_name", "suite_params", "synthetic_benchmark",
]  # fmt: skip

DATASETS = ("synthetic", "ntu60", "nucla", "generic")
"""The datasets a notebook takes (``synthetic``: the embedded default)."""


@dataclass(frozen=True)
class SuiteParams:
    """A notebook's parameters, checked (:func:`suite_params`).

    Attributes:
        profile: one of :data:`hiar_lib.profiles.PROFILE_NAMES`.
        dataset: one of :data:`DATASETS`.
        data_root: the dataset's folder; ``None`` on the synthetic benchmark, which is
            then generated under ``cache_dir`` at the profile's settings.
        protocol: the dataset's protocol name as the dataset spells it (e.g. ``"cs"``).
        seeds: the seeds of the heads trained.
        device: ``"cpu"`` or ``"cuda[:N]"``.
        cache_dir: where benchmarks, detectors, feature caches and trained heads live.
        results_dir: where the notebook writes its records, tables and figures.
        weights: the detector's weights: on a real dataset torchvision's COCO files (a
            folder, or ``None`` for the torch hub cache); on the synthetic benchmark a
            checkpoint, or ``None`` for the one made under ``cache_dir``.
    """

    profile: str
    dataset: str
    data_root: Path | None
    protocol: str
    seeds: tuple[int, ...]
    device: str
    cache_dir: Path
    results_dir: Path
    weights: Path | None = None

    @property
    def meaningful(self) -> bool:
        """Whether the profile's numbers mean anything (``smoke``'s do not)."""
        return get_profile(self.profile).meaningful


def suite_params(
    profile: str | None = None,
    dataset: str = "synthetic",
    data_root: str | os.PathLike | None = None,
    protocol: str = "cs",
    seeds: Sequence[int] | int = (0,),
    device: str = "cpu",
    cache_dir: str | os.PathLike | None = None,
    results_dir: str | os.PathLike | None = None,
    weights: str | os.PathLike | None = None,
) -> SuiteParams:
    """Check a notebook's parameters; every refusal is one line naming the parameter.

    ``cache_dir`` and ``results_dir`` default to ``HIAR_CACHE_DIR`` and
    ``HIAR_RESULTS_DIR``, else ``cache/`` and ``results/`` of the checkout the library
    runs from (of the working folder for an installed library), so a notebook finds
    what ``make reproduce`` made wherever Jupyter was started.

    Raises:
        HiarError: an unknown profile or dataset, a real dataset without ``data_root``
            or with one that does not exist or holds none of its videos, a protocol the
            dataset does not have, no seeds, a CUDA device this machine lacks, or the
            ``paper`` profile without the COCO detector weights.
    """
    from hiar_lib.data.datasets import dataset_name

    profile = profile or os.environ.get("HIAR_PROFILE") or DEFAULT_PROFILE
    if profile not in PROFILE_NAMES:
        raise HiarError(f"profile {profile!r} is not one of {', '.join(PROFILE_NAMES)}")
    try:
        dataset = dataset_name(dataset)
    except HiarError:
        raise HiarError(f"dataset {dataset!r} is not one of {', '.join(DATASETS)}") from None
    seeds = (int(seeds),) if isinstance(seeds, int) else tuple(int(s) for s in seeds)
    if not seeds:
        raise HiarError("seeds is empty: give at least one seed, e.g. [0]")
    _check_device(device)
    root = Path(data_root).expanduser() if data_root not in (None, "") else None
    if root is None and dataset != "synthetic":
        raise HiarError(f"data_root is not set: dataset {dataset!r} needs the folder holding its videos")
    if root is not None and not root.exists():
        raise HiarError(f"data_root {str(root)!r} does not exist")
    if root is None and get_profile(profile).synth is None:
        raise HiarError(f"profile {profile!r} runs on real data: set dataset and data_root")
    protocol = _check_protocol(dataset, root, protocol, profile)
    weights = Path(weights).expanduser() if weights not in (None, "") else None
    if dataset != "synthetic" or profile == "paper":
        from hiar_lib.detection.weights import find_paper_weights

        find_paper_weights(weights)  # the COCO files, or one line naming the missing ones
    elif weights is not None and not weights.is_file():
        raise HiarError(f"weights {str(weights)!r}: no such detector checkpoint")
    cache = Path(cache_dir or os.environ.get("HIAR_CACHE_DIR") or _home() / "cache")
    results = Path(results_dir or os.environ.get("HIAR_RESULTS_DIR") or _home() / "results")
    return SuiteParams(profile, dataset, root, protocol, seeds, device, cache, results, weights)


def _home() -> Path:
    """The checkout the library runs from (the folder holding its Makefile), else the working folder."""
    repo = Path(__file__).resolve().parents[2]
    return repo if (repo / "Makefile").is_file() and (repo / "hiar_lib").is_dir() else Path.cwd()


def _check_device(device: str) -> None:
    if device == "cpu":
        return
    if not device.startswith("cuda"):
        raise HiarError(f"device {device!r} is not 'cpu' or 'cuda[:N]'")
    import torch

    if not torch.cuda.is_available():
        raise HiarError(f"device {device!r}: this machine has no CUDA GPU (use device='cpu')")


def _check_protocol(dataset: str, root: Path | None, protocol: str, profile: str) -> str:
    """The protocol's name, checked against the dataset (its videos indexed, not opened)."""
    from hiar_lib.data.datasets import index_dataset

    if root is None:  # the synthetic benchmark, rendered later: its protocols' names are known now
        from hiar_lib.data.index import find_protocol
        from hiar_lib.data.synthetic import SYNTHETIC_TITLE, synthetic_protocols

        names_only = {"protocols": {"cs": {"train_subjects": []}, "cv": {"train_views": []}}, "views": []}
        return find_protocol(synthetic_protocols(names_only), protocol, SYNTHETIC_TITLE).name
    index = index_dataset(dataset, root, protocol=protocol, probe=False, progress=False)
    if not index.samples:
        raise HiarError(f"data_root {str(root)!r} holds no {dataset} videos")
    return index.get_protocol(protocol).name


def synthetic_benchmark(params: SuiteParams, progress: bool = True) -> Path:
    """The synthetic benchmark of ``params.profile`` under ``cache_dir`` (rendered if absent).

    Returns the dataset root to index (``params.data_root`` when one is set)."""
    if params.data_root is not None:
        return params.data_root
    from hiar_lib.synth.benchmark import generate_benchmark

    root = params.cache_dir / "synthetic" / params.profile
    config = get_profile(params.profile).synth
    if config is None:
        raise HiarError(f"profile {params.profile!r} has no synthetic benchmark: set dataset and data_root")
    generate_benchmark(root, config, seed=0, progress=progress)  # a complete one is reused as it is
    return root


def detector_preset(params: SuiteParams) -> str:
    """The detector preset of ``params``: ``"synthetic"`` (ours, trained on rendered
    people) on the synthetic benchmark below the paper profile, else ``"paper"`` (the
    COCO one)."""
    return "synthetic" if params.dataset == "synthetic" and params.profile != "paper" else "paper"


def detector_weights(params: SuiteParams, progress: bool = True) -> Path | None:
    """The detector the feature cache is extracted with.

    ``params.weights`` when set. On the synthetic benchmark:
    ``cache_dir/detectors/synthetic-<profile>.pt`` of the profile whose detector this
    profile uses (:func:`hiar_lib.profiles.detector_profile`: its own, or quick's for
    synthetic-full), trained
    (the profile's fixed number of iterations, on a benchmark generated for it alone)
    and scored into ``results_dir/detector_synthetic_<profile>.json`` when absent. On a
    real dataset ``None``: the COCO detector (its files were checked by
    :func:`suite_params`).
    """
    if params.dataset != "synthetic" or params.profile == "paper" or params.weights is not None:
        return params.weights
    from dataclasses import replace

    from hiar_lib.experiments.detector import train_synthetic_detector
    from hiar_lib.profiles import detector_profile
    from hiar_lib.synth.benchmark import generate_benchmark

    owner = detector_profile(params.profile)
    if owner != params.profile:  # another profile's detector (synthetic-full: quick's), made as that profile makes it
        return detector_weights(replace(params, profile=owner), progress=progress)
    out = params.cache_dir / "detectors" / f"synthetic-{params.profile}.pt"
    if out.is_file():
        return out
    profile = get_profile(params.profile)
    benchmark = synthetic_benchmark(params, progress=progress)
    train_data = benchmark
    if profile.detector_data is not None:
        train_data = params.cache_dir / "synthetic" / f"{params.profile}-detector"
        generate_benchmark(train_data, profile.detector_data, seed=DETECTOR_DATA_SEED, progress=progress)
    train_synthetic_detector(
        train_data, profile.detector, eval_data=benchmark, out=out,
        results=params.results_dir / f"detector_synthetic_{params.profile}.json", device=params.device,
        progress=progress, profile=params.profile, cache_dir=params.cache_dir,
    )  # fmt: skip
    return out


def feature_cache_dir(params: SuiteParams, instances: str = "detected") -> Path:
    """Where :func:`feature_cache` keeps ``params``' cache (whether or not it is made yet);
    ``instances="ground_truth"``: the oracle's (``...-crops-oracle``)."""
    from hiar_lib.experiments.extraction import extraction_settings

    kind = extraction_settings(params.profile).kind
    parts = [params.profile]
    if not (params.dataset == "synthetic" and params.data_root is None):
        parts.append(params.dataset)
    if kind != "crops":  # a crops cache serves every protocol of its dataset
        parts.append(params.protocol)
    oracle = ["oracle"] if instances == "ground_truth" else []
    return params.cache_dir / "features" / "-".join([*parts, kind, *oracle])


def joint_caches(params: SuiteParams) -> tuple[Path, Path] | None:
    """The detected and the ground-truth instances caches that one detector pass fills
    together (:func:`feature_cache`): those of the embedded synthetic benchmark, whose
    caches are crops; ``None`` elsewhere (each cache is extracted alone)."""
    from hiar_lib.experiments.extraction import extraction_settings

    if params.dataset != "synthetic" or params.data_root is not None or extraction_settings(params.profile).kind != "crops":
        return None
    return feature_cache_dir(params), feature_cache_dir(params, "ground_truth")


def feature_cache(params: SuiteParams, progress: bool = True, instances: str = "detected") -> Path:
    """The feature cache of ``params``' dataset and protocol at its profile's settings,
    extracted when absent (a cache left half-done is completed).

    ``cache_dir/features/<profile>-<protocol>-<kind>`` on the synthetic benchmark (the
    folder ``make reproduce`` fills), ``<profile>-<dataset>-<protocol>-<kind>`` otherwise;
    a crops cache serves every protocol of its dataset, so its name has none
    (``<profile>-crops``, ``<profile>-<dataset>-crops``). ``instances="ground_truth"``:
    the synthetic benchmark's annotated people instead of the detected ones, pooled from
    the same detector's maps (the oracle rows; ``...-crops-oracle``).

    On the embedded synthetic benchmark (:func:`joint_caches`) a cache with videos left to
    extract is made together with the other one (detected and ground truth) in one
    detector pass, so the oracle rows cost no second pass; a cache already complete is
    returned as it is, the other left alone.
    """
    from hiar_lib.experiments.extraction import extract_dataset, extraction_settings
    from hiar_lib.features import cache_share_left

    settings = extraction_settings(params.profile)
    cache = feature_cache_dir(params, instances)
    weights = detector_weights(params, progress=progress)
    data = synthetic_benchmark(params, progress=progress)
    target, source, oracle = cache, instances, None
    pair = joint_caches(params)
    if pair is not None and cache_share_left(cache) > 0:  # one detector pass fills both
        (target, oracle), source = pair, "detected"
    extract_dataset(
        params.dataset, data, params.protocol, settings=settings,
        detector=detector_preset(params),
        weights=weights, device=params.device,
        cache=target, progress=progress, instances=source, oracle_cache=oracle,
    )  # fmt: skip
    return cache


def profiles_table() -> Any:
    """Every profile in one table (a ``pandas.DataFrame``, one line per profile): what
    each stage does at it."""
    import pandas as pd

    from hiar_lib.profiles import PROFILES

    lines = []
    for p in PROFILES.values():
        s, e, h = p.synth, p.extraction, p.head_fields()
        clips = None if s is None else len(s.classes) * s.takes_per_class * len(s.views)
        lines.append({
            "profile": p.name,
            "benchmark": "real data (data_root)" if s is None else f"{clips} synthetic clips, {s.num_frames} frames of {s.width}x{s.height}",
            "detector": "torchvision COCO weights" if p.detector is None else f"synthetic, {p.detector.iterations} iterations",
            "extraction": f"{e.kind}, stride {e.stride}" + (f", first {e.videos_per_split} videos per split" if e.videos_per_split else ""),
            "heads": f"{h['iterations']} iterations of {h.get('batch_size', 4)} videos, {p.widths.describe()}",
            "numbers_mean_something": p.meaningful,
            "purpose": p.purpose,
        })  # fmt: skip
    return pd.DataFrame(lines)


def contact_sheet(params: SuiteParams, progress: bool = True) -> Path:
    """The synthetic benchmark's contact sheet (one clip per class, ground truth drawn),
    written to ``results_dir/figures/synthetic_samples_<profile>.png`` as ``make
    reproduce`` does."""
    from hiar_lib.synth.sheet import make_contact_sheet

    root = synthetic_benchmark(params, progress=progress)
    return make_contact_sheet(root, params.results_dir / "figures" / f"synthetic_samples_{params.profile}.png")


def run_name(base: str, head_options: dict[str, Any] | None) -> str:
    """A run folder per head: ``base`` (:func:`hiar_lib.experiments.heads.default_run_dir`'s
    name), then the head's options hashed when it has any (key order does not matter)."""
    import hashlib
    import json

    if not head_options:
        return base
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(head_options.items())}
    return f"{base}_{hashlib.sha1(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:8]}"


def head_run_dir(
    params: SuiteParams,
    cache: str | os.PathLike,
    head: str = "tahnet_v1",
    clip: dict[str, Any] | None = None,
    head_options: dict[str, Any] | None = None,
    init_from: str | None = None,
) -> Path:
    """The run folder of :func:`head_runs` (``cache_dir/runs/<name>``): named by the cache,
    protocol, head, profile, clip settings, head options and, for a fine-tuned head, the
    folder it starts from. ``results.json`` there means the head's seeds are trained and
    scored."""
    from hiar_lib.engine.data import read_cache_info
    from hiar_lib.experiments.heads import clip_settings, default_run_dir

    settings = clip_settings(read_cache_info(cache).config, params.profile, clip)
    base = default_run_dir(cache, params.protocol, head, params.profile, settings).name
    name = run_name(base, head_options)
    if init_from is not None:  # named by where it starts from, relative to cache_dir (the same on any machine)
        import hashlib

        name += "_init-" + hashlib.sha1(str(init_from).replace(str(params.cache_dir), "").encode()).hexdigest()[:8]
    return params.cache_dir / "runs" / name


def figure_head(params: SuiteParams, cache: str | os.PathLike, progress: bool = True) -> Any:
    """TAHNet-v1 over the outermost action region (Table 3's outermost row), the head that
    Figures 5 and 6 and the demo read: :func:`head_runs` of that row, trained once and
    shared (the same run folder as Table 3's)."""
    return head_runs(params, cache, "tahnet_v1", clip={"box": "outermost"}, progress=progress)


def head_runs(
    params: SuiteParams,
    cache: str | os.PathLike,
    head: str = "tahnet_v1",
    clip: dict[str, Any] | None = None,
    head_options: dict[str, Any] | None = None,
    progress: bool = True,
    init_from: str | None = None,
) -> Any:
    """One head trained per seed of ``params`` on ``cache`` and scored on its test split,
    in a run folder under ``cache_dir/runs`` named by the cache, protocol, head, profile,
    clip settings and head options, so that every notebook asking for the same head
    reuses the same checkpoints (a rerun trains nothing).

    Args:
        head: a preset or a head spec; ``head_options`` are taken as they are (the
            profile's width rule applies to a preset's own widths only).
        clip: the clip settings changed from the profile's (``{"box": "basic"}``, ...).
        init_from: fine-tune from these checkpoints instead of starting from scratch
            (``{seed}`` is each run's seed, as in
            :func:`~hiar_lib.experiments.heads.train_heads`).

    Returns:
        The :class:`~hiar_lib.experiments.records.ResultsRecord` of
        :func:`~hiar_lib.experiments.heads.train_heads`.
    """
    from hiar_lib.experiments.heads import train_heads

    overrides: dict[str, Any] = {"head_options": head_options} if head_options else {}
    if init_from is not None:
        overrides["init_from"] = str(init_from)
    record = train_heads(
        cache, params.protocol, head=head, profile=params.profile, seeds=params.seeds, clip=clip,
        out=head_run_dir(params, cache, head, clip, head_options, init_from), device=params.device, progress=progress,
        log=None, **overrides,
    )  # fmt: skip
    assert record is not None  # one process, never a torchrun rank
    return record
