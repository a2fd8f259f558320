"""Data layer: video I/O, class labels, dataset indexes and the synthetic benchmark's format.

- :mod:`hiar_lib.data.video`: reading clips and probing/writing videos (PyAV).
- :mod:`hiar_lib.data.labels`: the class names of NTU RGB+D 60 and N-UCLA.
- :mod:`hiar_lib.data.index`: what an index holds (samples, protocols, bad files).
- :mod:`hiar_lib.data.datasets`: :func:`~hiar_lib.data.datasets.index_dataset`, the
  indexer by dataset name; one module per dataset (``ntu``, ``nucla``, ``generic``,
  ``synthetic``) and what they share (``scan``).
- :mod:`hiar_lib.data.synthetic`, :mod:`hiar_lib.data.synthetic_annotation`: the
  synthetic benchmark's layout on disk and its ground truth.

Import from the submodules; this package imports nothing itself, so that reading a
dataset's names (``hiar --help``) does not load torch or PyAV.
"""
