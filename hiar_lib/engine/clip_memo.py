"""A bounded, least-recently-used memo of clips pooled from a cache of track crops.

Training from a crop cache pools each drawn clip anew (:func:`hiar_lib.crops.crop_window`,
about 0.2 s per video on 2 CPU cores at the quick profile), while a quick run draws
each of its ~970 distinct training clips about 3 times (400 iterations of 8 videos)
and every evaluation pools the same centred test clips again. The memo keeps pooled
clips in memory, keyed by the file (path, size, modification time), the clip's start,
``T`` and the pooler, so a clip is pooled once per process. The values it returns are
the very tensors :func:`~hiar_lib.crops.crop_window` returned, so training and
evaluation give the same numbers with or without it (tested).

The memo is per process: with DataLoader workers (``num_workers > 0``) each worker has
its own, and workers live one epoch, so it then helps little. Its size is bounded in
bytes of tensor storage: ``HIAR_CLIP_MEMO_GB`` (default 4; ``0`` turns it off) or
:func:`set_clip_memo_budget`. Returned values are shared: callers must not modify them
in place.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from torch import Tensor

__all__ = ["ClipMemo", "CLIP_MEMO", "clip_memo_key", "set_clip_memo_budget"]

DEFAULT_BUDGET_GB = 4.0


def _nbytes(value: Any) -> int:
    """Bytes of tensor storage in a (nested) dict, list or tuple of tensors."""
    if isinstance(value, Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    return 0


class ClipMemo:
    """Least-recently-used values under a budget of ``max_bytes`` of tensor storage.

    A value larger than the whole budget is returned without being kept. ``measure``
    gives a value's size against the budget (default: bytes of tensor storage; ``lambda
    v: 1`` makes the budget a count of values).

    Attributes:
        hits, misses: lookups answered from the memo, and those that computed.
    """

    def __init__(self, max_bytes: int, measure: Callable[[Any], int] = _nbytes) -> None:
        self.max_bytes = max(int(max_bytes), 0)
        self.measure = measure
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept for ``key``, or ``compute()`` (kept if it fits the budget)."""
        if key in self._items:
            self._items.move_to_end(key)
            self.hits += 1
            return self._items[key][0]
        self.misses += 1
        value = compute()
        size = self.measure(value)
        if size <= self.max_bytes:
            self._items[key] = (value, size)
            self.nbytes += size
            self._shrink()
        return value

    def resize(self, max_bytes: int) -> None:
        """Change the budget, dropping the least recently used values beyond it."""
        self.max_bytes = max(int(max_bytes), 0)
        self._shrink()

    def clear(self) -> None:
        self._items.clear()
        self.nbytes = 0
        self.hits = self.misses = 0

    def _shrink(self) -> None:
        while self.nbytes > self.max_bytes and self._items:
            _, (_, size) = self._items.popitem(last=False)
            self.nbytes -= size


def clip_memo_key(path: Path, start: int, clip_len: int, pooler: Hashable) -> tuple[Hashable, ...]:
    """The memo key of one pooled clip: the file as it is now, the clip and the pooler."""
    st = os.stat(path)
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, int(start), int(clip_len), pooler)


def _budget_from_env() -> int:
    raw = os.environ.get("HIAR_CLIP_MEMO_GB", "").strip()
    try:
        gb = float(raw) if raw else DEFAULT_BUDGET_GB
    except ValueError:
        raise ValueError(f"HIAR_CLIP_MEMO_GB must be a number of GiB (0 turns the clip memo off), got {raw!r}") from None
    return int(max(gb, 0.0) * 2**30)


CLIP_MEMO = ClipMemo(_budget_from_env())
"""The process's memo, used by :class:`~hiar_lib.engine.data.TrainTubes` and
:class:`~hiar_lib.engine.data.TestTubes`."""


def set_clip_memo_budget(gigabytes: float) -> None:
    """Bound :data:`CLIP_MEMO` to ``gigabytes`` GiB of pooled clips (0 turns it off)."""
    CLIP_MEMO.resize(int(max(float(gigabytes), 0.0) * 2**30))
