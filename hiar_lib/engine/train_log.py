"""Reading a head's training log: ``<run>/seed<N>/train_log.jsonl``, one JSON line per
``log_every`` iterations (:func:`hiar_lib.engine.train.train_head`): ``iteration``,
``loss`` (the mean over the ``steps`` steps since the line before), ``lr``, ``epoch``,
``steps``, ``instances``, ``elapsed_s`` (seconds since the process started or resumed),
``started_at`` (the iteration that process started at; absent from older logs).

A resumed run starts again from its last checkpoint and logs those iterations again:
the log then holds an iteration twice, and the later line is the one that counts.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

__all__ = ["final_loss", "read_train_log", "stretches", "training_seconds"]


def read_train_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The log's lines in file order, each a dict; lines that are not JSON objects with a
    numeric ``iteration`` are left out (a line cut short by a kill). A missing file gives
    ``[]``."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    entries = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            int(entry["iteration"])
        except (ValueError, KeyError, TypeError):
            continue
        entries.append(entry)
    return entries


def final_loss(entries: list[dict[str, Any]], fraction: float = 0.2) -> float | None:
    """The mean training loss over the last ``fraction`` of the iterations logged
    (each line weighted by its ``steps``; an iteration logged twice counts its later
    line): where a head ended, not where one noisy batch left it.

    Returns:
        The loss, or ``None`` when no line has a finite loss.

    Raises:
        ValueError: ``fraction`` not in (0, 1].
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    last: dict[int, dict[str, Any]] = {}
    for entry in entries:
        last[int(entry["iteration"])] = entry
    if not last:
        return None
    end = max(last)
    kept = [e for it, e in last.items() if it > end * (1.0 - fraction) or it == end]
    pairs = []
    for e in kept:
        try:
            loss, steps = float(e["loss"]), int(e.get("steps", 1))
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(loss) and steps > 0:
            pairs.append((loss, steps))
    if not pairs:
        return None
    return sum(loss * steps for loss, steps in pairs) / sum(steps for _, steps in pairs)


def stretches(entries: list[dict[str, Any]]) -> list[list[tuple[int, float]]]:
    """The log cut into the stretches each process trained, as ``(iteration,
    elapsed_s)`` pairs: a resumed run's log keeps the lines up to its checkpoint and then
    counts ``elapsed_s`` from zero again. A stretch ends where ``started_at`` changes (in
    logs without it, where ``elapsed_s`` goes down). Lines without a finite ``elapsed_s``
    are passed over."""
    out: list[list[tuple[int, float]]] = []
    stretch = None
    for entry in entries:
        try:
            now = (int(entry["iteration"]), float(entry["elapsed_s"]))
        except (KeyError, TypeError, ValueError):
            continue
        if not math.isfinite(now[1]):
            continue
        started = entry.get("started_at")
        if not out or now[1] < out[-1][-1][1] or (started is not None and stretch is not None and started != stretch):
            out.append([])
        out[-1].append(now)
        stretch = started
    return out


def training_seconds(entries: list[dict[str, Any]]) -> float:
    """The seconds a head's training took, over every process that trained it: the sum of
    each of its :func:`stretches`' last ``elapsed_s``. The time between a stretch's last
    line and its end (an interrupted process's last minutes, the scoring after training)
    is not in the log.

    Returns:
        Seconds; ``0.0`` for a log without ``elapsed_s``.
    """
    return sum(stretch[-1][1] for stretch in stretches(entries))
