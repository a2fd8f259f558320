"""Our GMACs beside the paper's GFLOPs for every GFLOPs cell of Tables 1, 2 and 7.

The paper's "GFLOPs" are multiply-accumulates (see :mod:`hiar_lib.models.flops`); each
head is built as :func:`hiar_lib.experiments.paper_heads.paper_rows` constructs it, on
the meta device, and counted with :func:`hiar_lib.models.flops.count_gflops`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import torch

from hiar_lib.experiments.paper_heads import paper_rows
from hiar_lib.models.flops import count_gflops
from hiar_lib.models.tahnet import TAHNet

__all__ = ["GFLOPS_TABLES", "gflops_table"]

GFLOPS_TABLES: tuple[int, ...] = (1, 2, 7)


def _size_text(size: Sequence[int] | None) -> str:
    return "" if size is None else "x".join(str(s) for s in size)


def gflops_table() -> pd.DataFrame:
    """Our GMACs next to the paper's for every GFLOPs cell of Tables 1, 2 and 7.

    Columns: ``table``, ``row``, ``model`` (TAHNet-vN name where the paper gives one),
    ``head_spec``, ``frames``, ``input_size`` (``TxHxW``), ``dim_conv``, ``output_size``
    (ours, end of the conv stack), ``paper_output_size`` (Table 7 only), ``ours_gflops``,
    ``paper_gflops``, ``rel_error`` = (ours - paper) / paper. The paper's numbers come
    from ``paper_tables/``; the heads are built on the meta device.
    """
    records = []
    for r in paper_rows(GFLOPS_TABLES):
        if r.paper_gflops is None:
            continue
        with torch.device("meta"):
            model = TAHNet(r.config)
        ours = count_gflops(model, model.expected_input_shape)
        records.append(
            dict(
                table=r.table,
                row=r.row,
                model=r.name,
                head_spec=r.config.spec,
                frames=r.config.input_size[0],
                input_size=_size_text(r.config.input_size),
                dim_conv=r.config.dim_conv,
                output_size=_size_text(r.config.output_size),
                paper_output_size=_size_text(r.paper_output_size),
                ours_gflops=ours,
                paper_gflops=r.paper_gflops,
                rel_error=(ours - r.paper_gflops) / r.paper_gflops,
            )
        )
    return pd.DataFrame.from_records(records)
