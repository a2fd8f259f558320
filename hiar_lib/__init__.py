"""hiar_lib: human instance-level video action recognition (Lee et al., Sensors 2021).

Stages, each a plain function over dataclasses of tensors, runnable and testable alone:

- :mod:`hiar_lib.data`: video reading/writing (PyAV) and dataset indexes (NTU RGB+D 60,
  N-UCLA, a generic CSV dataset, the synthetic benchmark) with their protocols.
- :mod:`hiar_lib.synth`: the synthetic multi-person action benchmark, the embedded
  default that everything runs on when no real dataset is present.
- :mod:`hiar_lib.detection`: the human detector (Keypoint R-CNN + mask head, FPN P2..P5).
- :mod:`hiar_lib.vocabulary`: the COCO keypoint names, skeleton, flip index and OKS
  sigmas, and the FPN level names and strides every stage shares.
- :mod:`hiar_lib.track`: the keypoint-distance tracker (eq. 3);
  :mod:`hiar_lib.tracking_eval` scores it on the synthetic benchmark.
- :mod:`hiar_lib.pool`: the action pooler (basic and outermost boxes, eqs. 5-9).
- :mod:`hiar_lib.pipeline`: one clip through detector, tracker and pooler, every stage's
  output kept (:func:`hiar_lib.pipeline.run_clip`).
- :mod:`hiar_lib.features`: the per-video feature cache (``hiar extract``).
- :mod:`hiar_lib.models`: the TAHNet family of temporal action heads and their GFLOPs.
- :mod:`hiar_lib.engine`: training and evaluation of heads, DDP under ``torchrun``.
- :mod:`hiar_lib.experiments`: what notebooks call: results records and provenance, the
  seed loop, the synthetic detector's run, the paper's tables (package data).
- :mod:`hiar_lib.cli`: the ``hiar`` command line (parse, call the library, print).
"""

from hiar_lib.errors import DatasetError, HiarError, VideoError

__version__ = "0.1.0"

__all__ = ["DatasetError", "HiarError", "VideoError", "__version__"]
