"""What notebooks and commands call above the stages: the paper's transcribed tables and
our constructions of its rows.

- :mod:`hiar_lib.experiments.paper`: the paper's own numbers (:func:`paper_table`), shipped
  as package data in ``paper_tables/``.
- :mod:`hiar_lib.experiments.paper_heads`: every head of Tables 1, 2, 4-7 as a TAHNet config
  (:func:`paper_rows`).
- :mod:`hiar_lib.experiments.gflops`: our GMACs beside the paper's GFLOPs (:func:`gflops_table`).

Submodules are imported on use, so ``import hiar_lib.experiments`` stays cheap.
"""
