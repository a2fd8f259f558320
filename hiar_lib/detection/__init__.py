"""The human detector: boxes, masks, 17 keypoints and FPN features P2..P5 per frame.

Paper section 3.1: a ResNet-50-FPN backbone (eq. 1) and a human instance head network
(eq. 2) made of Mask R-CNN's box and mask heads and its keypoint head; here one
torchvision Keypoint R-CNN whose ``roi_heads`` also carries a Mask R-CNN mask branch.

Two presets, one builder (:func:`hiar_lib.detection.build.build_detector`):

- ``"paper"``: ResNet-50-FPN with torchvision's COCO weights. Backbone, RPN, box head and
  keypoint head come from ``KeypointRCNN_ResNet50_FPN_Weights.COCO_V1``; the mask head
  and the mask predictor come from ``MaskRCNN_ResNet50_FPN_Weights.COCO_V1``, whose
  91-class predictor is cut to its background and person channels. Caveat: that mask
  head was trained on Mask R-CNN's own backbone features, not on the keypoint model's
  backbone it runs on here, so its masks are plausible but not what a jointly trained
  model would give (boxes, keypoints and features are unaffected). Files come from the
  torch hub cache or a local path; nothing is ever downloaded.
- ``"synthetic"``: the same family on a ResNet-18-FPN (narrower FPN, slimmer keypoint and
  mask heads, small RoI samples) for CPU training on the synthetic benchmark (192x144 px
  frames in the quick profile, upsampled 1.5x inside the model).

One module per concept; import from them (this package exports nothing itself):

- :mod:`~hiar_lib.detection.outputs`: what inference returns (``FrameInstances``,
  ``Detections``, ``FeaturePyramid``) and ``map_boxes_to_level``.
- :mod:`~hiar_lib.detection.config`: the presets, ``SyntheticDetectorConfig``, the
  synthetic preset's training settings ``DetectorTrainConfig`` and the ``DetectorInfo``
  attached to every model.
- :mod:`~hiar_lib.detection.weights`: finding, loading and saving weights and checkpoints
  (``find_paper_weights``, ``load_paper_state_dict``, ``save_detector``,
  ``read_checkpoint``, ``WeightsError``).
- :mod:`~hiar_lib.detection.build`: ``build_detector``.
- :mod:`~hiar_lib.detection.inference`: ``detect_frames``, people plus the FPN maps of
  the same backbone pass.
- :mod:`~hiar_lib.detection.dataset`: ``SyntheticDetectionFrames``, a benchmark split as
  detection targets.
- :mod:`~hiar_lib.detection.augment`: the training augmentations.
- :mod:`~hiar_lib.detection.train`: ``train_detector`` (cached)
  and ``default_cache_dir``.
- :mod:`~hiar_lib.detection.coco_eval`: box, mask and keypoint AP with pycocotools
  (``evaluate_detector``, ``score_detections``).

Keypoint names, the skeleton, the flip index, OKS sigmas and the FPN level names and
strides are in :mod:`hiar_lib.vocabulary`.
"""
