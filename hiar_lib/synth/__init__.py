"""The synthetic multi-person action benchmark, generated: the embedded default data set.

Articulated 3D bodies (17 COCO joints, volumetric limbs) perform 12 action classes in
front of three cameras; clips are written as mp4 plus exact ground truth (boxes, masks,
keypoints with visibility, track ids, per-person labels). This package only generates
and draws a benchmark; :mod:`hiar_lib.data.synthetic` defines its layout on disk, its
protocols and its index, and :mod:`hiar_lib.data.synthetic_annotation` reads its ground
truth back.

One module per concept; import from them (this package exports nothing itself):

- :mod:`~hiar_lib.synth.config`: ``SynthConfig`` (a benchmark's size) and ``with_overrides``.
- :mod:`~hiar_lib.synth.benchmark`: ``plan_benchmark``, ``generate_benchmark``, ``clip_name``.
- :mod:`~hiar_lib.synth.actions`: the 12 classes (``CLASSES``) and their motion scripts.
- :mod:`~hiar_lib.synth.body`: subjects and their posed 3D bodies.
- :mod:`~hiar_lib.synth.render`: cameras and the renderer.
- :mod:`~hiar_lib.synth.sheet`: the contact sheet.
"""
