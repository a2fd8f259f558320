"""Our construction of every head the paper reports for its own method (Tables 1, 2, 4-7).

The model layer (:mod:`hiar_lib.models.tahnet`) knows heads, not the paper's tables; this
module reads the transcribed tables (:func:`hiar_lib.experiments.paper.paper_table`) and
turns each of the authors' rows into a :class:`~hiar_lib.models.tahnet.TAHNetConfig`::

    rows = paper_rows()            # every row of Tables 1, 2, 4-7
    rows = paper_rows((7,))        # Table 7 only

**Dimensions the tables leave out.** Table 4's Conv3D width is 256 (its Conv3Dx3+FCx2
row equals Table 5 block 1, DIM 256); Table 5 block 3 and Table 6 use 1024 (they equal
Table 7 block 1); "TAHNet-v2 w/o CB" uses 1024 (that gives the printed 105.4). FC width
is 1024 wherever a table omits it. Each row's ``notes`` lists what was inferred.

**Table 7's blocks** change the head as the module docstring of
:mod:`hiar_lib.models.tahnet` (items 6-8) explains; ``block_change`` in the transcribed
table names the change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hiar_lib.errors import HiarError
from hiar_lib.experiments.paper import paper_table
from hiar_lib.models.tahnet import TAHNetConfig, Triple, parse_head_spec, preset_config

__all__ = ["PaperRow", "paper_rows"]

# Table 7's block_change (paper_tables) -> the options that block changes (docstring 6-8).
_TABLE7_BLOCK_OPTIONS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "dim_conv_512": {},
    "cb_first_conv_temporal_kernel3_stride2": dict(cb_temporal_kernel=3, cb_temporal_stride=2, last_conv_stride=(1, 2, 2)),
    "input_28x28_no_fc_first_conv3d_stride2": dict(
        cb_temporal_kernel=3, cb_temporal_stride=2, first_conv_stride=(2, 2, 2), last_conv_stride=(1, 2, 2)
    ),
}

_SOTA_PRESETS: dict[str, str] = {
    "TAHNet-v1": "tahnet_v1",
    "TAHNet-v2": "tahnet_v2",
    "TAHNet-v2 w/o CB": "tahnet_v2_wo_cb",
    "TAHNet-v3": "tahnet_v3",
    "TAHNet-v4": "tahnet_v4",
}
_TABLE_FILES: dict[int, str] = {
    1: "table1_ntu_sota",
    2: "table2_nucla_sota",
    4: "table4_layers",
    5: "table5_gap_cb",
    6: "table6_fpn_levels",
    7: "table7_complexity",
}
_TABLE_CLASSES: dict[int, int] = {1: 60, 2: 10, 4: 60, 5: 60, 6: 60, 7: 60}


@dataclass(frozen=True)
class PaperRow:
    """One of the authors' heads in Tables 1, 2, 4-7, as transcribed in ``paper_tables/``.

    ``config`` is our construction of the row; ``paper_gflops`` and
    ``paper_output_size`` are the paper's printed values (``None`` where none is printed);
    ``notes`` lists every value that the table does not state and we inferred.
    """

    table: int
    row: int
    block: int | None
    name: str
    config: TAHNetConfig
    paper_gflops: float | None
    paper_output_size: Triple | None
    notes: tuple[str, ...]


def _cell(record: dict[str, Any], key: str) -> Any:
    value = record.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _size(text: str) -> Triple:
    parts = str(text).lower().split("x")
    if len(parts) != 3:
        raise HiarError(f"cannot read a TxHxW size from {text!r} in paper_tables")
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def _inferred_dim_conv(table: int, block: int | None) -> tuple[int, str]:
    if table == 4:
        return 256, "dim_conv 256 inferred: Table 4's Conv3Dx3+FCx2 equals Table 5 block 1 (DIM 256)"
    if table in (5, 6):
        return 1024, "dim_conv 1024 inferred: these heads equal Table 7 block 1 (DIM 1024)"
    raise HiarError(f"paper_tables gives no dim_conv for a Table {table} row (block {block}) and no rule infers one")


def paper_rows(tables: Sequence[int] = (1, 2, 4, 5, 6, 7)) -> list[PaperRow]:
    """Our config for each of the authors' rows of the given tables, read from ``paper_tables/``.

    Tables 1 and 2 give only the model name and input size; their rows are the presets
    (``TAHNet-v1`` -> :func:`tahnet_v1`, ...) at the printed input size, checked against
    the transcribed ``head_spec``/``dim_conv``. Tables 4-7 are built from their
    ``head_spec``, ``input_size``, ``dim_conv``, ``dim_fc`` and (Table 7) ``block_change``
    columns; gaps are filled as the module docstring says and noted in ``notes``.
    Classifier width: 60 (NTU RGB+D) except Table 2 (10, N-UCLA).
    """
    out: list[PaperRow] = []
    for table in tables:
        if table not in _TABLE_FILES:
            raise HiarError(f"no TAHNet rows in Table {table}; tables with TAHNet rows: {sorted(_TABLE_FILES)}")
        frame = paper_table(_TABLE_FILES[table])
        for record in frame.to_dict("records"):
            notes: list[str] = []
            gflops = _cell(record, "gflops")
            gflops = None if gflops is None else float(gflops)
            if table in (1, 2):
                if not bool(record["ours"]):
                    continue
                preset = _SOTA_PRESETS.get(str(record["method"]))
                if preset is None:
                    raise HiarError(f"Table {table} row {record['row']}: no preset for the authors' model {record['method']!r}")
                config = preset_config(
                    preset,
                    in_channels=int(record["input_c"]),
                    input_size=(int(record["input_t"]), int(record["input_h"]), int(record["input_w"])),
                    num_classes=_TABLE_CLASSES[table],
                )
                spec = _cell(record, "head_spec")
                if spec is not None and str(parse_head_spec(spec)) != config.spec:
                    raise HiarError(f"Table {table} row {record['row']}: paper_tables says {spec!r} but preset {preset} is {config.spec!r}")
                dim = _cell(record, "dim_conv")
                if dim is not None and int(dim) != config.dim_conv:
                    raise HiarError(f"Table {table} row {record['row']}: paper_tables says dim_conv {dim} but preset {preset} has {config.dim_conv}")
                if dim is None:
                    notes.append(f"dim_conv {config.dim_conv} from preset {preset}, not stated in the table")
                out.append(PaperRow(table, int(record["row"]), None, str(record["method"]), config, gflops, None, tuple(notes)))
                continue
            block = int(record["block"])
            dim = _cell(record, "dim_conv")
            if dim is None:
                dim, note = _inferred_dim_conv(table, block)
                notes.append(note)
            dim_fc = _cell(record, "dim_fc")
            if dim_fc is None and int(record["n_fc"]) > 0:
                dim_fc = 1024
                notes.append("dim_fc 1024 assumed (not stated for this table)")
            options: dict[str, Any] = {}
            if table == 7:
                change = str(record["block_change"])
                if change not in _TABLE7_BLOCK_OPTIONS:
                    raise HiarError(f"Table 7 row {record['row']}: unknown block_change {change!r}")
                options = dict(_TABLE7_BLOCK_OPTIONS[change])
            config = TAHNetConfig(
                str(record["head_spec"]),
                input_size=_size(record["input_size"]),
                dim_conv=int(dim),
                dim_fc=int(dim_fc) if dim_fc is not None else 1024,
                num_classes=_TABLE_CLASSES[table],
                **options,
            )
            out_size = _cell(record, "output_size")
            name = _cell(record, "named_as") or ""
            out.append(PaperRow(table, int(record["row"]), block, str(name), config, gflops, None if out_size is None else _size(out_size), tuple(notes)))
    return out
