"""Results records: one JSON shape that every command and notebook writes and reads back.

A record is::

    {
      "format": "hiar.results", "version": 1,
      "artefact": "table1_ntu",              # what the numbers are for
      "parameters": {...},                   # what was asked: profile, dataset, protocol, head, ...
      "metrics": {...},                      # what was measured
      "provenance": {...}                    # hiar_lib.experiments.provenance.provenance(...)
    }

The provenance always holds ``wall_time_s`` (seconds of the work that produced the
numbers, never ``None`` in a written record), ``date`` and ``git_commit``, in that one
place. :func:`write_record` checks the shape and writes atomically; :func:`read_record`
checks it again and names the file and the key when something is wrong.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hiar_lib.errors import HiarError
from hiar_lib.fileio import write_json

__all__ = ["RECORD_FORMAT", "RECORD_VERSION", "RecordError", "ResultsRecord", "no_value_as_none", "read_record", "write_record"]

RECORD_FORMAT = "hiar.results"
RECORD_VERSION = 1
_REQUIRED_PROVENANCE = ("git_commit", "date", "wall_time_s")


class RecordError(HiarError):
    """A results record is missing, unreadable, or not in the expected shape."""


@dataclass(frozen=True)
class ResultsRecord:
    """A results record as read back: see the module docstring for each field."""

    artefact: str
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    provenance: dict[str, Any]
    path: Path | None = None

    @property
    def wall_time_s(self) -> float:
        """Seconds of the work that produced the numbers (the original work's when reused)."""
        return float(self.provenance["wall_time_s"])

    @property
    def reused(self) -> bool:
        """Whether the numbers were read back from a cache rather than computed by this run."""
        return bool(self.provenance.get("reused"))


def _check_jsonable(value: Any, where: str) -> None:
    if value is None or isinstance(value, (bool, int, str)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RecordError(f"{where} is {value!r}: results records hold finite numbers only (write None for 'no value')")
        return
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_jsonable(v, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise RecordError(f"{where} has a key {k!r} of type {type(k).__name__}: keys must be strings")
            _check_jsonable(v, f"{where}.{k}")
        return
    raise RecordError(
        f"{where} is a {type(value).__module__}.{type(value).__name__}: results records hold plain JSON values "
        "(convert tensors and NumPy scalars with .item() or .tolist())"
    )


def no_value_as_none(value: Any) -> Any:
    """``value`` with every non-finite float (a metric with no value, e.g. the mean IoU of
    zero matches) replaced by ``None``, through dicts, lists and tuples (tuples become lists)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: no_value_as_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [no_value_as_none(v) for v in value]
    return value


def _check(artefact: Any, parameters: Any, metrics: Any, provenance: Any, where: str) -> None:
    if not isinstance(artefact, str) or not artefact:
        raise RecordError(f"{where}: 'artefact' must be a non-empty string, got {artefact!r}")
    for name, value in (("parameters", parameters), ("metrics", metrics), ("provenance", provenance)):
        if not isinstance(value, dict):
            raise RecordError(f"{where}: '{name}' must be a JSON object, got {type(value).__name__}")
    missing = [k for k in _REQUIRED_PROVENANCE if k not in provenance]
    if missing:
        raise RecordError(f"{where}: the provenance lacks {', '.join(missing)}")
    wall = provenance["wall_time_s"]
    if isinstance(wall, bool) or not isinstance(wall, (int, float)) or not math.isfinite(wall) or wall < 0:
        raise RecordError(f"{where}: provenance.wall_time_s must be the seconds the work took (a number >= 0), got {wall!r}")
    reused = provenance.get("reused")
    if reused is not None and not isinstance(reused, dict):
        raise RecordError(f"{where}: provenance.reused must be null or an object saying where from, got {reused!r}")


def write_record(
    path: str | os.PathLike,
    artefact: str,
    parameters: dict[str, Any],
    metrics: dict[str, Any],
    provenance: dict[str, Any],
) -> Path:
    """Write a results record to ``path`` (JSON, atomically; parent folders created).

    Raises:
        RecordError: a field is missing or not plain JSON (the message names the key), or
            the provenance has no ``wall_time_s`` >= 0.
    """
    where = f"results record {path}"
    _check(artefact, parameters, metrics, provenance, where)
    for name, value in (("parameters", parameters), ("metrics", metrics), ("provenance", provenance)):
        _check_jsonable(value, f"{where}: {name}")
    data = {
        "format": RECORD_FORMAT,
        "version": RECORD_VERSION,
        "artefact": artefact,
        "parameters": parameters,
        "metrics": metrics,
        "provenance": provenance,
    }
    return write_json(path, data)


def read_record(path: str | os.PathLike) -> ResultsRecord:
    """Read a record written by :func:`write_record`.

    Raises:
        RecordError: no file, not JSON, not a results record, a newer format version, or
            a missing field (the message names the file and what is wrong).
    """
    p = Path(path)
    if not p.is_file():
        raise RecordError(f"no results record at {p}")
    try:
        data = json.loads(p.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RecordError(f"{p} is not a readable JSON results record ({e})") from None
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise RecordError(f"{p} is not a results record (format {got!r}, expected {RECORD_FORMAT!r})")
    version = data.get("version")
    if not isinstance(version, int) or version > RECORD_VERSION:
        raise RecordError(f"{p} is results record version {version!r}; this hiar_lib reads up to version {RECORD_VERSION}")
    _check(data.get("artefact"), data.get("parameters"), data.get("metrics"), data.get("provenance"), str(p))
    return ResultsRecord(data["artefact"], data["parameters"], data["metrics"], data["provenance"], p)
