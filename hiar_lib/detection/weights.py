"""Detector weights on disk: torchvision's COCO files of the paper preset, and the
library's own checkpoints.

- The ``paper`` preset reads two torchvision checkpoints (:data:`PAPER_WEIGHTS`) from the
  torch hub cache or a path given, never from the internet: :func:`find_paper_weights`
  locates them, :func:`load_paper_state_dict` merges them into one state dict (the mask
  predictor cut to background and person, pre-0.13 key names upgraded).
- :func:`save_detector` writes a model; :func:`read_checkpoint` reads and checks a
  synthetic detector checkpoint (``{"format": "hiar.detector", "version": 1, ...}``).

Every failure (missing, unreadable, wrong keys or shapes) is a :class:`WeightsError`
whose message names the file and what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torchvision.models.detection import (
    KeypointRCNN,
    KeypointRCNN_ResNet50_FPN_Weights,
    MaskRCNN_ResNet50_FPN_Weights,
)

from hiar_lib.detection.config import HOW_TO_TRAIN, DetectorInfo, SyntheticDetectorConfig
from hiar_lib.errors import HiarError
from hiar_lib.fileio import atomic_torch_save

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "PAPER_WEIGHTS",
    "PaperWeightFiles",
    "WeightsError",
    "check_state_dict",
    "find_paper_weights",
    "load_paper_state_dict",
    "read_checkpoint",
    "save_detector",
    "state_dict_sha256",
]

PAPER_WEIGHTS: dict[str, Any] = {
    "keypoint": KeypointRCNN_ResNet50_FPN_Weights.COCO_V1,
    "mask": MaskRCNN_ResNet50_FPN_Weights.COCO_V1,
}
"""The torchvision weight enums of the ``paper`` preset."""

CHECKPOINT_FORMAT = "hiar.detector"
"""The ``format`` entry of a synthetic detector checkpoint."""

CHECKPOINT_VERSION = 1
"""The checkpoint version :func:`read_checkpoint` reads."""

_MASK_PREFIXES = ("roi_heads.mask_head.", "roi_heads.mask_predictor.")


class WeightsError(HiarError):
    """Detector weights are missing, unreadable, or do not fit the model."""


# --------------------------------------------------------------------------- paper weights


@dataclass(frozen=True)
class PaperWeightFiles:
    """The two torchvision COCO checkpoints of the paper preset.

    Attributes:
        keypoint: ``keypointrcnn_resnet50_fpn_coco-fc266e95.pth``: backbone, RPN, box and
            keypoint heads.
        mask: ``maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth``: mask head and predictor.
    """

    keypoint: Path
    mask: Path


def _file_name(enum_value: Any) -> str:
    return os.path.basename(enum_value.url)


def _download_hint(folder: Path) -> str:
    return (
        "With internet here, `hiar weights download` fetches both into the torch hub cache and checks "
        "their hashes. Otherwise, on a machine with internet, run\n"
        "  python -c \"from torchvision.models.detection import keypointrcnn_resnet50_fpn as k, "
        "maskrcnn_resnet50_fpn as m; k(weights='COCO_V1'); m(weights='COCO_V1')\"\n"
        "which downloads both files into that machine's torch hub cache "
        "(python -c \"import torch; print(torch.hub.get_dir())\")/checkpoints, then copy them into "
        f"{folder} here (or pass their folder with weights=... / --weights). URLs: "
        f"{PAPER_WEIGHTS['keypoint'].url} and {PAPER_WEIGHTS['mask'].url}"
    )


def find_paper_weights(weights: str | os.PathLike | tuple | None = None) -> PaperWeightFiles | Path:
    """Locate the paper preset's weights without reading them.

    Args:
        weights: ``None`` (torch hub cache), a folder, a ``(keypoint, mask)`` pair, or
            one combined state-dict file (see
            :func:`~hiar_lib.detection.build.build_detector`).

    Returns:
        :class:`PaperWeightFiles` for torchvision's two files, or the ``Path`` of a
        combined file.

    Raises:
        WeightsError: a file is missing; the message names every missing file, the
            folder searched, and how to get the files.
    """
    names = {k: _file_name(v) for k, v in PAPER_WEIGHTS.items()}
    if isinstance(weights, (tuple, list)):
        if len(weights) != 2:
            raise WeightsError(f"expected a (keypoint_file, mask_file) pair, got {len(weights)} paths")
        kp, mk = Path(weights[0]), Path(weights[1])
        missing = [str(p) for p in (kp, mk) if not p.is_file()]
        if missing:
            raise WeightsError(f"paper detector weights not found: {', '.join(missing)}. " + _download_hint(kp.parent))
        return PaperWeightFiles(kp, mk)
    if weights is not None and Path(weights).is_file():
        return Path(weights)
    if weights is None:
        folder = Path(torch.hub.get_dir()) / "checkpoints"
        where = f"the torch hub cache {folder}"
    else:
        folder = Path(weights)
        if not folder.exists():
            raise WeightsError(
                f"paper detector weights not found: {folder} does not exist (expected a folder holding "
                f"{names['keypoint']} and {names['mask']}, or one weights file). " + _download_hint(folder)
            )
        where = str(folder)
    files = {k: folder / n for k, n in names.items()}
    missing = [n for k, n in names.items() if not files[k].is_file()]
    if missing:
        raise WeightsError(
            f"paper detector weights not found: {', '.join(missing)} missing from {where}. " + _download_hint(folder)
        )
    return PaperWeightFiles(files["keypoint"], files["mask"])


def _load_error_line(e: Exception) -> str:
    """The informative line of a ``torch.load`` error (its weights_only errors run long)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in lines:
        if "Unsupported global" in ln or "WeightsUnpickler error" in ln:
            return ln[:300]
    return (lines[0] if lines else type(e).__name__)[:300]


def _torch_load(path: Path) -> dict[str, Tensor]:
    """A state dict from a file: a bare one, or under ``model`` / ``state_dict``."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise WeightsError(f"weights file not found: {path}") from None
    except Exception as e:  # noqa: BLE001 (pickle, zip and weights_only errors all land here)
        raise WeightsError(f"cannot read weights file {path}: not a PyTorch state dict ({_load_error_line(e)})") from None
    if isinstance(obj, dict) and not any(isinstance(v, Tensor) for v in obj.values()):
        for key in ("model", "state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, Tensor) for v in obj.values()):
        raise WeightsError(f"weights file {path} does not hold a state dict (a dict of tensors)")
    return dict(obj)


# Keys of checkpoints written before torchvision 0.13 (the COCO files among them).
_LEGACY_KEYS = (
    (re.compile(r"^(backbone\.fpn\.(?:inner|layer)_blocks\.\d+)\.(weight|bias)$"), r"\1.0.\2"),
    (re.compile(r"^(rpn\.head\.conv)\.(weight|bias)$"), r"\1.0.0.\2"),
)
_LEGACY_MASK_FCN = re.compile(r"^(roi_heads\.mask_head\.)mask_fcn(\d+)\.(weight|bias)$")


def _upgrade_legacy_keys(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename pre-0.13 torchvision keys to today's names (what the modules' own
    ``_load_from_state_dict`` would do), so that keys can be checked before loading."""
    out: dict[str, Tensor] = {}
    for k, v in state.items():
        new = k
        for pattern, repl in _LEGACY_KEYS:
            new = pattern.sub(repl, new)
        m = _LEGACY_MASK_FCN.match(new)
        if m:
            new = f"{m.group(1)}{int(m.group(2)) - 1}.0.{m.group(3)}"
        out[new if new not in state else k] = v
    return out


def check_state_dict(state: dict[str, Tensor], expected: dict[str, Tensor], path: Path, what: str) -> None:
    """Raise a short :class:`WeightsError` naming the first mismatching keys."""
    ignore = ("num_batches_tracked",)
    have = {k for k in state if not k.endswith(ignore)}
    want = {k for k in expected if not k.endswith(ignore)}
    missing = sorted(want - have)
    unexpected = sorted(have - want)
    shapes = [
        f"{k}: file {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in sorted(want & have)
        if tuple(state[k].shape) != tuple(expected[k].shape)
    ]
    if not (missing or unexpected or shapes):
        return
    parts = []
    for label, items in (("shape mismatch", shapes), ("missing keys", missing), ("unexpected keys", unexpected)):
        if items:
            more = f" (+{len(items) - 3} more)" if len(items) > 3 else ""
            parts.append(f"{label} ({len(items)}): {'; '.join(items[:3])}{more}")
    raise WeightsError(f"weights file {path} does not fit {what}: " + " | ".join(parts))


def load_paper_state_dict(
    weights: str | os.PathLike | tuple | None, model: KeypointRCNN
) -> tuple[dict[str, Tensor], tuple[str, ...]]:
    """Read and merge the paper preset's weights into one state dict for ``model``.

    Everything but the mask branch comes from the Keypoint R-CNN file; the mask head and
    predictor come from the Mask R-CNN file, whose 91-class predictor
    (``mask_fcn_logits``, ``(91, 256, 1, 1)``) is cut to channels 0 (background) and 1
    (person). Legacy key names of these files are upgraded; ``num_batches_tracked``
    entries are dropped (frozen batch norm has none). Files are read with
    ``torch.load(..., map_location="cpu", weights_only=True)``.

    Returns:
        The state dict (keys of ``model``) and the files read.

    Raises:
        WeightsError: missing or unreadable files, or keys/shapes that do not fit (the
            message names the file and the first mismatching keys).
    """
    found = find_paper_weights(weights)
    expected = model.state_dict()
    if isinstance(found, Path):
        state = _upgrade_legacy_keys(_torch_load(found))
        state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
        check_state_dict(state, expected, found, "the paper detector (Keypoint R-CNN + 2-class mask branch)")
        return state, (str(found),)

    kp = _upgrade_legacy_keys(_torch_load(found.keypoint))
    kp = {k: v for k, v in kp.items() if not k.endswith("num_batches_tracked")}
    not_mask = {k: v for k, v in expected.items() if not k.startswith(_MASK_PREFIXES)}
    check_state_dict(kp, not_mask, found.keypoint, "torchvision's Keypoint R-CNN ResNet-50-FPN (COCO_V1)")

    mk_all = _upgrade_legacy_keys(_torch_load(found.mask))
    mk = {k: v for k, v in mk_all.items() if k.startswith(_MASK_PREFIXES)}
    logits_w = "roi_heads.mask_predictor.mask_fcn_logits.weight"
    logits_b = "roi_heads.mask_predictor.mask_fcn_logits.bias"
    mask_expected = {k: v for k, v in expected.items() if k.startswith(_MASK_PREFIXES)}
    # The file's predictor is 91-class: compare it as such, then cut it.
    mask_expected_91 = dict(mask_expected)
    for k in (logits_w, logits_b):
        if k in mask_expected_91:
            mask_expected_91[k] = torch.empty((91, *mask_expected[k].shape[1:]))
    check_state_dict(mk, mask_expected_91, found.mask, "torchvision's Mask R-CNN ResNet-50-FPN mask branch (COCO_V1, 91 classes)")
    person = torch.tensor([0, 1])  # COCO category index 1 is "person"
    mk[logits_w] = mk[logits_w].index_select(0, person).clone()
    mk[logits_b] = mk[logits_b].index_select(0, person).clone()
    return {**kp, **mk}, (str(found.keypoint), str(found.mask))


# --------------------------------------------------------------------------- checkpoints


def save_detector(model: KeypointRCNN, path: str | os.PathLike, training: dict[str, Any] | None = None) -> Path:
    """Write a detector checkpoint (atomically) that
    :func:`~hiar_lib.detection.build.build_detector` reads back.

    For a synthetic model the file is ``{"format", "version", "preset", "config",
    "state_dict", "training"}`` (readable with ``weights_only=True``); for a paper model
    it is the bare combined state dict.
    """
    info: DetectorInfo | None = getattr(model, "detector_info", None)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    if info is not None and info.preset == "paper":
        obj: Any = state
    else:
        cfg = {k: v for k, v in (info.config if info else {}).items() if k in {f.name for f in fields(SyntheticDetectorConfig)}}
        obj = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "preset": "synthetic",
            "config": cfg,
            "state_dict": state,
            "training": _jsonable(training if training is not None else (info.training if info else {})),
        }
    return atomic_torch_save(obj, out)


def state_dict_sha256(state: dict[str, Tensor]) -> str:
    """The SHA-256 (hex) of a model's weights alone: every tensor's name, dtype, shape and
    bytes, in name order. Two trainings that end in the same weights get the same hash,
    whatever else their checkpoint files hold (the training record's date, say)."""
    digest = hashlib.sha256()
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a synthetic detector checkpoint (``weights_only=True``) and check its format.

    Returns:
        ``{"config": dict, "state_dict": dict, "training": dict, ...}``.

    Raises:
        WeightsError: missing, unreadable, or not a checkpoint of this library.
    """
    p = Path(path)
    if not p.is_file():
        raise WeightsError(
            f"synthetic detector checkpoint not found: {p} (train one with {HOW_TO_TRAIN})"
        )
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001
        raise WeightsError(f"cannot read detector checkpoint {p}: {_load_error_line(e)}") from None
    if not isinstance(obj, dict) or obj.get("format") != CHECKPOINT_FORMAT:
        raise WeightsError(
            f"{p} is not a synthetic detector checkpoint of hiar (no format={CHECKPOINT_FORMAT!r}); "
            "for torchvision's COCO files use preset='paper'"
        )
    if obj.get("version") != CHECKPOINT_VERSION:
        raise WeightsError(f"{p}: checkpoint version {obj.get('version')} is not supported (expected {CHECKPOINT_VERSION})")
    for key in ("config", "state_dict"):
        if not isinstance(obj.get(key), dict):
            raise WeightsError(f"{p}: checkpoint has no {key!r}")
    try:
        SyntheticDetectorConfig.from_dict(obj["config"])
    except (TypeError, ValueError) as e:
        raise WeightsError(f"{p}: bad architecture config in checkpoint: {e}") from None
    return obj


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    return x
