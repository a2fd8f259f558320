"""The synthetic benchmark's on-disk format, read back: manifest, protocols and index.

A benchmark is written by :func:`hiar_lib.synth.generate_benchmark`. Every take (one
performance) is recorded by three cameras at once (view 1 in front, views 2 and 3 at
-45 and +45 degrees), giving three clips. Protocols mirror the real ones:

- ``cs`` (cross-subject): clips whose performer is in the manifest's
  ``train_subjects`` train, the others test.
- ``cv`` (cross-view): the manifest's ``train_views`` (2 and 3) train, the other views
  (1) test.
- ``v12_3``, ``v31_2``, ``v23_1``: N-UCLA's cross-view protocols on the three cameras
  (two train, the third tests), Table 2's synthetic analogue.

On disk (``ROOT``)::

    manifest.json                 profile, seed, size, classes, protocols, clip list
    videos/<name>.mp4             H.264 video
    annotations/<name>.json       per person: track id, subject, label, role;
                                  per frame: instances with box, 17 keypoints, area
    annotations/<name>_masks.npz  packed bool masks (T, P, H, W)

Each clip of the manifest's ``clips`` list has ``name``, ``video`` and ``annotation``
(paths relative to ``ROOT``), ``label``, ``subject`` (the first actor), ``view``,
``take`` and ``num_persons``. The ground truth of one clip is read by
:func:`hiar_lib.data.synthetic_annotation.load_annotation`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from hiar_lib.data.index import BadFile, DatasetIndex, Protocol, Sample, choose_protocol
from hiar_lib.data.scan import probe_samples
from hiar_lib.errors import DatasetError

__all__ = [
    "MANIFEST_FILE",
    "SYNTHETIC_TITLE",
    "VIEW_PROTOCOLS",
    "crowded_test_clips",
    "annotation_file",
    "index_synthetic",
    "load_manifest",
    "masks_file",
    "summarize_benchmark",
    "synthetic_protocols",
    "video_file",
]

SYNTHETIC_TITLE = "synthetic benchmark"
MANIFEST_FILE = "manifest.json"


def video_file(name: str) -> str:
    """Where clip ``name``'s video is, relative to the benchmark root: ``videos/<name>.mp4``."""
    return f"videos/{name}.mp4"


def annotation_file(name: str) -> str:
    """Where clip ``name``'s annotation is, relative to the root: ``annotations/<name>.json``."""
    return f"annotations/{name}.json"


def masks_file(name: str) -> str:
    """Where clip ``name``'s masks are, relative to the root: ``annotations/<name>_masks.npz``."""
    return f"annotations/{name}_masks.npz"


def load_manifest(root: str | os.PathLike) -> dict:
    """Read ``root/manifest.json``; a clear error if ``root`` is not a synthetic benchmark.

    Raises:
        DatasetError: ``root`` is not a folder, has no manifest, or its manifest is not
            JSON or lacks ``clips`` or ``classes``.
    """
    p = Path(root)
    m = p / MANIFEST_FILE
    if not p.is_dir():
        raise DatasetError(f"synthetic benchmark root not found: {p} (expected a folder made by `hiar synth`)")
    if not m.is_file():
        raise DatasetError(f"not a synthetic benchmark: {m} is missing (generate one with `hiar synth --out {p}`)")
    try:
        manifest = json.loads(m.read_text())
    except json.JSONDecodeError as e:
        raise DatasetError(f"unreadable manifest {m}: {e}") from None
    if "clips" not in manifest or "classes" not in manifest:
        raise DatasetError(f"{m} is not a synthetic benchmark manifest (no 'clips' or 'classes')")
    return manifest


VIEW_PROTOCOLS: tuple[tuple[int, int, int], ...] = ((1, 2, 3), (3, 1, 2), (2, 3, 1))
"""N-UCLA's three cross-view protocols as (train view, train view, test view); on the
synthetic benchmark its three cameras stand for N-UCLA's (Table 2's analogue)."""


def synthetic_protocols(manifest: dict) -> dict[str, Protocol]:
    """The benchmark's protocols, from its manifest: ``cs`` by subject, ``cv`` by view
    (the manifest's training views), and N-UCLA's three cross-view protocols ``v12_3``,
    ``v31_2``, ``v23_1`` (two cameras train, the third tests)."""
    cs = manifest["protocols"]["cs"]["train_subjects"]
    cv = manifest["protocols"]["cv"]["train_views"]
    protocols = {
        "cs": Protocol("cs", "subject", frozenset(cs), None, "cross-subject", aliases=("xsub", "cross-subject")),
        "cv": Protocol(
            "cv", "view", frozenset(cv), frozenset(set(manifest["views"]) - set(cv)), "cross-view",
            aliases=("xview", "cross-view"),
        ),  # fmt: skip
    }
    for a, b, t in VIEW_PROTOCOLS:
        name = f"v{a}{b}_{t}"
        protocols[name] = Protocol(
            name, "view", frozenset({a, b}), frozenset({t}),
            f"cross-view V({a},{b})->{t} (N-UCLA's protocol on the synthetic cameras): views {a} and {b} train, view {t} tests",
            (f"V({a},{b})->{t}",),
        )  # fmt: skip
    return protocols


def index_synthetic(
    root: str | os.PathLike, protocol: str | None = None, probe: bool = True, progress: bool = True
) -> DatasetIndex:
    """Index a generated benchmark from its manifest.

    Clips listed in the manifest whose video or annotation is missing are listed in
    :attr:`DatasetIndex.bad` rather than raised.

    Args:
        root: the benchmark folder.
        protocol: ``"cs"`` or ``"cv"`` (or an alias), checked once the manifest is read
            and then used by :meth:`DatasetIndex.split` when given none; ``None``:
            choose later.
        probe: open every video (:func:`hiar_lib.data.scan.probe_samples`), moving
            unreadable ones to :attr:`DatasetIndex.bad` after the missing ones;
            ``False``: trust the manifest.
        progress: show a progress bar while probing.

    Raises:
        DatasetError: not a benchmark (see :func:`load_manifest`), or an unknown protocol.
    """
    manifest = load_manifest(root)
    protocols = synthetic_protocols(manifest)
    chosen = choose_protocol(protocols, protocol, SYNTHETIC_TITLE)
    root = Path(root)
    samples, bad = [], []
    for c in manifest["clips"]:
        video, ann = root / c["video"], root / c["annotation"]
        missing = [str(p) for p in (video, ann) if not p.is_file()]
        if missing:
            bad.append(BadFile(video, f"listed in the manifest but missing: {', '.join(missing)}"))
            continue
        samples.append(
            Sample(path=video, name=c["name"], label=c["label"], subject=c["subject"], view=c["view"], take=c["take"])
        )
    samples = sorted(samples, key=lambda s: s.name)
    if probe:
        samples, unreadable = probe_samples(samples, progress, f"probing {SYNTHETIC_TITLE}")
        bad += unreadable
    return DatasetIndex(
        dataset="synthetic",
        root=root,
        classes=list(manifest["classes"]),
        samples=samples,
        bad=bad,
        protocols=protocols,
        protocol=chosen,
        title=SYNTHETIC_TITLE,
    )


def summarize_benchmark(root: str | os.PathLike) -> dict:
    """Counts a person can check: clips, frames, people per clip, per split and class.

    Read from the manifest and the files present; videos are not opened.
    """
    manifest = load_manifest(root)
    index = index_synthetic(root, probe=False)
    people = np.bincount([c.get("num_persons", 0) for c in manifest["clips"]], minlength=5)
    out = {
        "profile": manifest["profile"],
        "seed": manifest["seed"],
        "clips": len(manifest["clips"]),
        "clips_readable": len(index.samples),
        "frames": len(manifest["clips"]) * manifest["num_frames"],
        "frame_size": [manifest["width"], manifest["height"]],
        "fps": manifest["fps"],
        "classes": len(index.classes),
        "subjects": manifest["num_subjects"],
        "views": manifest["views"],
        "clips_by_people": {str(k): int(v) for k, v in enumerate(people) if k > 0 and v},
        "generation_wall_time_s": manifest.get("wall_time_s"),
        "protocols": {},
    }
    for proto in index.protocols:
        split = index.split(proto)
        missing = index.missing_classes(proto)
        out["protocols"][proto] = {
            name: {
                "clips": len(items),
                "classes_missing": missing[name],
                "min_clips_per_class": int(np.bincount([s.label for s in items], minlength=len(index.classes)).min()),
            }
            for name, items in split.items()
        }
    return out


def crowded_test_clips(root: str | os.PathLike, count: int = 1, protocol: str = "cs") -> list[dict]:
    """The benchmark's test clips with the most people, ``count`` of them, each of another
    action while there are actions left (the first by name among equals): what a figure
    or a timing of several people shows.

    Returns:
        The manifest's clip entries (``name``, ``video``, ``label``, ``num_persons``, ...).
    """
    manifest = load_manifest(root)
    proto = synthetic_protocols(manifest)[protocol]
    test = [c for c in manifest["clips"] if proto.split_of_value(c[proto.by]) == "test"]
    ranked = sorted(test, key=lambda c: (-c["num_persons"], c["name"]))
    chosen: list[dict] = []
    for c in ranked:  # other actions first
        if len(chosen) < count and c["label"] not in {x["label"] for x in chosen}:
            chosen.append(c)
    chosen += [c for c in ranked if c not in chosen][: count - len(chosen)]
    return chosen
