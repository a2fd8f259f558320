"""``hiar flops``: our TAHNet GFLOPs (multiply-accumulates) next to the paper's.

Prints one CSV row per GFLOPs cell of Tables 1, 2 and 7 (the paper's numbers read from
``paper_tables/``): table, row, model, head_spec, frames, input_size, dim_conv,
output_size (ours), paper_output_size, ours_gflops, paper_gflops, rel_error. Counting
runs on the meta device, so it takes seconds on any machine and needs no GPU.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

_FORMATS = {"ours_gflops": "{:.3f}", "paper_gflops": "{:g}", "rel_error": "{:+.5f}"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "flops",
        help="TAHNet GFLOPs (GMACs) of every head of Tables 1, 2 and 7, ours vs the paper's",
        description=(
            "Count the multiply-accumulates of every TAHNet head with a GFLOPs cell in "
            "Tables 1, 2 and 7 (one clip, batch 1) and print them as CSV beside the "
            "paper's numbers with the relative error (ours - paper) / paper."
        ),
    )
    p.add_argument("--out", type=Path, default=None, help="also write the CSV to this file")
    p.set_defaults(func=run_flops)


def run_flops(args: argparse.Namespace) -> int:
    from hiar_lib.experiments.gflops import gflops_table

    table = gflops_table()
    shown = table.copy()
    for column, fmt in _FORMATS.items():
        shown[column] = shown[column].map(fmt.format)
    text = shown.to_csv(index=False)
    sys.stdout.write(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        worst = table.rel_error.abs().max()
        print(f"{len(table)} cells written to {args.out}; largest |relative error| {worst:.2%}", file=sys.stderr)
    return 0
