"""The layer notebooks and commands call above the stages.

- :mod:`hiar_lib.experiments.records`: results records, written and read by one pair of
  functions (:func:`~hiar_lib.experiments.records.write_record`,
  :func:`~hiar_lib.experiments.records.read_record`).
- :mod:`hiar_lib.experiments.provenance`: commit, device, versions, seeds, date, wall time.
- :mod:`hiar_lib.experiments.heads`: TAHNet heads trained over seeds and evaluated
  (:func:`~hiar_lib.experiments.heads.train_heads`, what ``hiar train`` does).
- :mod:`hiar_lib.experiments.extraction`: a dataset's feature cache from a profile's
  settings (:func:`~hiar_lib.experiments.extraction.extract_dataset`, what ``hiar
  extract`` does).
- :mod:`hiar_lib.experiments.detector`: the synthetic detector trained and scored
  (:func:`~hiar_lib.experiments.detector.train_synthetic_detector`), checkpoints named by
  their content.
- :mod:`hiar_lib.experiments.paper`: the paper's own numbers
  (:func:`~hiar_lib.experiments.paper.paper_table`), shipped as package data in
  ``paper_tables/``.
- :mod:`hiar_lib.experiments.paper_heads`: every head of Tables 1, 2, 4-7 as a TAHNet
  config (:func:`~hiar_lib.experiments.paper_heads.paper_rows`).
- :mod:`hiar_lib.experiments.gflops`: our GMACs beside the paper's GFLOPs.

Submodules are imported on use, so ``import hiar_lib.experiments`` stays cheap.
"""
