"""hiar_lib: human instance-level video action recognition (Lee et al., Sensors 2021).

Stages, each a plain function over dataclasses of tensors:

- :mod:`hiar_lib.data`: video reading/writing and dataset indexes (NTU RGB+D 60,
  N-UCLA, a generic CSV dataset, the synthetic benchmark).
- :mod:`hiar_lib.synth`: the synthetic multi-person action benchmark, the embedded
  default that every notebook runs on when no real dataset is present.
"""

from hiar_lib.errors import DatasetError, HiarError, VideoError

__version__ = "0.1.0"

__all__ = ["DatasetError", "HiarError", "VideoError", "__version__"]
