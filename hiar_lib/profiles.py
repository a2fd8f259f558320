"""One profile name selects every stage's settings: ``smoke``, ``quick``, ``synthetic-full``, ``paper``.

A :class:`Profile` yields the synthetic benchmark's size (:attr:`Profile.synth`), the
synthetic detector's training (:attr:`Profile.detector`: a fixed number of iterations,
so the same commit on the same kind of machine gives the same weights; the wall time is
recorded, never budgeted), the feature extraction (:attr:`Profile.extraction`) and the
head training (:meth:`Profile.head_config`). Every command and notebook takes the name::

    from hiar_lib.profiles import get_profile

    p = get_profile("quick")
    p.synth            # SynthConfig: 216 clips of 32 frames, 192x144
    p.detector         # DetectorTrainConfig: iterations, schedule, augmentation
    p.extraction       # ExtractionSettings: clip length, stride, pooler (PoolerConfig)
    p.head_config(head="tahnet_v3", seed=1)   # engine TrainConfig

- ``smoke``: the smallest settings that still run every code path (the notebooks' checks
  in CI). Its numbers mean nothing, and every record made with it says so
  (:attr:`Profile.meaningful` is ``False``).
- ``quick`` (the default): the synthetic benchmark, the synthetic detector trained on
  this machine's CPUs, one seed, heads scaled down; ``make reproduce``.
- ``synthetic-full``: a larger synthetic benchmark and longer training, for the claims
  over seeds (hours on CPU, minutes on a GPU).
- ``paper``: the paper's recipe on NTU RGB+D 60 / N-UCLA with torchvision's COCO
  detector weights (no synthetic benchmark, no synthetic detector).

This module imports no deep-learning library: the command line reads the profile names
from it before parsing arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hiar_lib.detection.config import DetectorTrainConfig
from hiar_lib.errors import HiarError
from hiar_lib.head_widths import WidthRule, head_widths
from hiar_lib.pool_config import CACHE_KINDS, PoolerConfig
from hiar_lib.synth.config import SynthConfig
from hiar_lib.track_config import TRACKER_NAMES

__all__ = ["DEFAULT_PROFILE", "DETECTOR_DATA_SEED", "PROFILES", "PROFILE_NAMES", "ExtractionSettings", "Profile", "detector_profile", "get_profile"]


@dataclass(frozen=True)
class ExtractionSettings:
    """How ``hiar extract`` turns videos into a feature cache, and the clips heads pool.

    Attributes:
        kind: ``"crops"`` (track crops: every clip and pooler setting is pooled when a
            head reads the cache, a fresh random clip each time a video is drawn) or
            ``"tubes"`` (fixed clips pooled at extraction); :mod:`hiar_lib.features`.
        clip_len: ``T`` frames per clip (crops: the default of the heads).
        stride: temporal stride between the clip's frames.
        train_clips: (tubes) random temporal clips kept per training video.
        pooler: the action region, FPN levels, ``S`` and level combination
            (:class:`hiar_lib.pool_config.PoolerConfig`; the paper's outermost box over
            P2 and P3 at 14 x 14 by default; crops: the default of the heads).
        levels: (crops) the FPN levels kept.
        max_clip_len: (crops) the longest clip a head may pool.
        score_thresh: person score threshold of the detector (paper: 0.5).
        max_people: at most this many people a frame, the highest-scoring (the
            detector's ``detections_per_img``; 100, torchvision's, unless a profile says).
        tracker: ``"paper"`` (eq. 3 alone) or ``"extended"`` (eq. 3 with a gate and gap
            bridging): :data:`hiar_lib.track_config.TRACKERS`.
        frame_size: per dataset name, ``(width, height)`` every frame is resized to
            before detection (the paper's NTU RGB+D videos converted to 1280 x 720);
            a dataset not named keeps its frames' own size.
        detector_size: per dataset name, the detector's resize rule ``(min_size,
            max_size)`` in pixels, set to the frames' own size so that the detector sees
            them unscaled (Sections 4.2, 4.4: NTU RGB+D at 1280 x 720, padded to
            1280 x 736 by the detector's multiple-of-32 rule; N-UCLA at 640 x 480); a
            dataset not named keeps the detector's own rule (the synthetic detector's
            from its checkpoint, torchvision's 800 / 1333 for the COCO one).
        videos_per_split: extract only the first this many videos of each split
            (``None``: all; the smoke profile keeps CI's cache small).
    """

    kind: str = "tubes"
    clip_len: int = 8
    stride: int = 4
    train_clips: int = 1
    pooler: PoolerConfig = PoolerConfig()
    levels: tuple[str, ...] = ("P2", "P3", "P4", "P5")
    max_clip_len: int = 16
    score_thresh: float = 0.5
    max_people: int = 100
    tracker: str = "extended"
    frame_size: dict[str, tuple[int, int]] = field(default_factory=dict)
    detector_size: dict[str, tuple[int, int]] = field(default_factory=dict)
    videos_per_split: int | None = None

    def __post_init__(self) -> None:
        if self.videos_per_split is not None and self.videos_per_split < 1:
            raise ValueError(f"videos_per_split must be >= 1 or None, got {self.videos_per_split}")
        if self.kind not in CACHE_KINDS:
            raise ValueError(f"kind must be 'tubes' or 'crops', got {self.kind!r}")
        if min(self.clip_len, self.stride, self.train_clips, self.max_clip_len) < 1:
            raise ValueError("clip_len, stride, train_clips and max_clip_len must be >= 1")
        if self.kind == "crops" and self.clip_len > self.max_clip_len:
            raise ValueError(f"clip_len {self.clip_len} is longer than max_clip_len {self.max_clip_len}")
        object.__setattr__(self, "levels", tuple(self.levels))
        PoolerConfig(levels=self.levels)  # valid level names
        if not 0.0 <= self.score_thresh <= 1.0:
            raise ValueError(f"score_thresh must be in [0, 1], got {self.score_thresh}")
        if self.max_people < 1:
            raise ValueError(f"max_people must be >= 1, got {self.max_people}")
        if self.tracker not in TRACKER_NAMES:
            raise ValueError(f"tracker must be one of {', '.join(TRACKER_NAMES)}, got {self.tracker!r}")
        for name, (lo, hi) in self.detector_size.items():
            if not 32 <= lo <= hi:
                raise ValueError(f"detector_size[{name!r}] must be (min_size, max_size) with 32 <= min <= max, got {(lo, hi)}")


@dataclass(frozen=True)
class Profile:
    """Every stage's settings under one name.

    Attributes:
        name: ``smoke``, ``quick``, ``synthetic-full`` or ``paper``.
        purpose: one line on what the profile is for.
        meaningful: whether its numbers mean anything (``smoke``'s do not).
        synth: the synthetic benchmark's size (``None``: the profile runs on real datasets).
        detector: the synthetic detector's training (``None``: torchvision's COCO weights).
        extraction: the feature extraction.
        heads: head training fields per dataset (``"default"``, or a dataset name such as
            ``"nucla"``), applied by :meth:`head_config`.
        widths: how the heads' widths are shrunk (:class:`hiar_lib.head_widths.WidthRule`,
            one rule for every head; the identity at ``paper``).
        detector_data: the benchmark generated for the synthetic detector alone, which it
            trains on in full (``detector.split == "all"``), with seed
            :data:`DETECTOR_DATA_SEED`: other people than the evaluation benchmark's, as the
            paper's COCO-trained detector never saw NTU's or N-UCLA's. ``None``: the
            detector trains on the evaluation benchmark's training split.
        claim_seeds: ``(first, most)``: the seeds every claim of
            :mod:`hiar_lib.experiments.claims` is measured over, and how many a claim
            whose interval straddles zero grows to, a seed at a time.
    """

    name: str
    purpose: str
    meaningful: bool
    synth: SynthConfig | None
    detector: DetectorTrainConfig | None
    extraction: ExtractionSettings
    heads: dict[str, dict[str, Any]] = field(default_factory=dict)
    detector_data: SynthConfig | None = None
    widths: WidthRule = WidthRule()
    claim_seeds: tuple[int, int] = (3, 5)

    def __post_init__(self) -> None:
        if not 2 <= self.claim_seeds[0] <= self.claim_seeds[1]:
            raise ValueError(f"profile {self.name}: claim_seeds must be (first, most) with 2 <= first <= most, got {self.claim_seeds}")
        trains_on_own = self.detector is not None and self.detector.split == "all"
        if trains_on_own != (self.detector_data is not None):
            raise ValueError(f"profile {self.name}: a detector trained on every clip (split 'all') needs detector_data, "
                             "and detector_data needs such a detector")  # fmt: skip

    def head_fields(self, dataset: str = "synthetic", finetune: bool = False) -> dict[str, Any]:
        """The head training fields of ``dataset`` (its own entry, else ``"default"``); of
        a head fine-tuned from another one, the ``"finetune"`` entry where the profile has
        one (the synthetic profiles: the N-UCLA analogues start from cross-subject heads)."""
        if finetune and "finetune" in self.heads:
            return dict(self.heads["finetune"])
        return dict(self.heads.get(dataset, self.heads["default"]))

    def head_config(self, dataset: str = "synthetic", finetune: bool = False, **overrides: Any) -> Any:
        """The :class:`hiar_lib.engine.train.TrainConfig` of a head trained on ``dataset``
        (``finetune``: fine-tuned from another head, :meth:`head_fields`).

        ``overrides`` are ``TrainConfig`` fields (``head``, ``seed``, ``iterations``, ...).
        The head's widths are its own (a preset's, or a spec's defaults) under the
        profile's :attr:`widths` rule; ``head_options`` given here are taken as they are,
        over the rule's and the profile's. An ``iterations`` override drops the profile's
        milestones past it (unless ``milestones`` is given too).
        """
        from hiar_lib.engine.train import TrainConfig

        base = self.head_fields(dataset, finetune)
        head = overrides.get("head", base.get("head", TrainConfig.head))
        scaled = {} if self.widths.identity else self.widths.scale(*head_widths(head))  # the paper's widths: the head's own
        options = {**scaled, **base.get("head_options", {}), **overrides.get("head_options", {})}
        if options:
            overrides = {**overrides, "head_options": options}
        merged = {**base, **overrides}
        if "iterations" in overrides and "milestones" not in overrides:  # keep milestones inside the budget
            merged["milestones"] = tuple(m for m in merged.get("milestones", ()) if m < merged["iterations"])
        return TrainConfig(**merged)


DETECTOR_DATA_SEED = 1
"""Seed of every benchmark generated for the synthetic detector to train on (evaluation
benchmarks are generated with seed 0): ``hiar synth --for-detector`` uses it."""

QUICK_DETECTOR = DetectorTrainConfig(minutes=None, iterations=3200, split="all")
"""The quick profile's detector: 3,200 iterations on every clip of the quick profile's
``detector_data`` (40 performers, none of them in the evaluation benchmark). On 2 CPU
cores about 20 minutes on an Intel Xeon with AMX (bfloat16 autocast, chosen by
``amp=None``) and 85 on an AMD EPYC with AVX2 (float32); the training record says which.
Why 3,200 (``benchmarks/detector_recipes.py``, records in ``results/bench/``): on an
H200, recipes stopped at ~1,100 iterations all reached keypoint AP 0.37-0.39 whatever
else they changed (input scale 2, a wider keypoint head, batch 8), while 2,906
iterations reached 0.518 (box AP 0.731, IDF1 after tracking 0.845); on the AMD CPU in
float32, 1,600 iterations gave 0.410 and 3,200 give 0.526 (box AP 0.741, IDF1 0.843:
``results/detector_synthetic_quick.json``). At ~67 px a person, the ground truth itself with 1.5 px of
Gaussian noise per coordinate scores keypoint AP 0.516. Halving it costs the heads more
than the detector's own numbers suggest: trained for 1,600 iterations on a faster AMD
EPYC (19 minutes), the detector scored box AP 0.692 (mask 0.632, keypoint 0.430), and
TAHNet-v1 on its crops reached 34.3 % and 29.6 % cross-subject (seeds 0 and 1, 400
iterations) against 45.4 +- 0.9 % on this detector's: the detector is not where the quick
run's time is cut."""

QUICK_EXTRACTION = ExtractionSettings(kind="crops", clip_len=8, stride=2, max_clip_len=16)
"""The synthetic benchmark's extraction (quick and synthetic-full): track crops of every
level at stride 2, so that a 32-frame quick video holds 18 distinct clips of T = 8 (a fresh
random one each time training draws the video) and T = 16 spans 31 of its frames, never
padding; heads pool the paper's outermost region over P2 and P3 at 14 x 14 by default."""

PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        name="smoke",
        purpose="the smallest settings that run every code path (CI); its numbers mean nothing",
        meaningful=False,
        synth=SynthConfig(profile="smoke", num_frames=16, takes_per_class=2, num_subjects=4),
        detector=DetectorTrainConfig(minutes=None, iterations=20, warmup_iterations=5, batch_size=2, split="all"),
        detector_data=SynthConfig(profile="smoke-detector", num_frames=16, takes_per_class=2, num_subjects=8),
        # A 20-iteration detector scores people about 0.3-0.6, and another CPU's kernels
        # (bfloat16 autocast or not among them) move that: at the paper's 0.5 a smoke cache
        # can hold no track at all (CI's did, in 8 training videos). At 0.05 every frame
        # has someone (about 9 people a frame); the 2 highest-scoring are kept, so several
        # people are still tracked and the cache stays small.
        extraction=ExtractionSettings(kind="crops", clip_len=8, stride=2, max_clip_len=16, videos_per_split=8,
                                      score_thresh=0.05, max_people=2),  # fmt: skip
        heads={"default": dict(iterations=5, lr=0.01, batch_size=4, checkpoint_every=5, log_every=1)},
        widths=WidthRule(conv_divisor=64, fc_divisor=32),
        claim_seeds=(2, 2),  # an interval needs two; CI's claims notebook trains each arm twice
    ),
    "quick": Profile(
        name="quick",
        purpose="the synthetic benchmark on 2 CPU cores: make reproduce, one seed, heads scaled down",
        meaningful=True,
        synth=SynthConfig(),
        detector=QUICK_DETECTOR,
        detector_data=SynthConfig(profile="quick-detector", num_subjects=40),
        extraction=QUICK_EXTRACTION,
        # The raised rate stands in for the paper's long schedule; 8 videos a batch (about
        # 24 tracks) keep BatchNorm's batch statistics usable (with 4 videos of a 108-video
        # training set SGD stalled near ln 12). TAHNet-v1 so scaled takes about 0.5 s per
        # iteration on 2 CPU cores (AMD EPYC): about 3.5 minutes per seed; a head
        # fine-tuned from another protocol's (the N-UCLA analogues, as the paper's N-UCLA
        # heads start from its NTU RGB+D ones) takes a quarter of that at a constant rate.
        # Chosen so that make reproduce's ~70 heads take hours, not a day: at widths / 16,
        # batch 16 and lr 0.01, TAHNet-v1 reached 55.9 +- 2.3 % cross-subject in 13 minutes
        # a seed; here 46 % in about 3.
        heads={
            "default": dict(iterations=400, lr=0.05, batch_size=8, milestones=(300,), checkpoint_every=100),
            "finetune": dict(iterations=100, lr=0.01, batch_size=8, milestones=(), checkpoint_every=100),
        },
        # TAHNet-v1's convolutions at 32 channels, its FC at 64 (v3's and v4's at 16).
        widths=WidthRule(conv_divisor=32, fc_divisor=16),
    ),
    "synthetic-full": Profile(
        name="synthetic-full",
        purpose="three times quick's clips and three times its head training: the claims over seeds (hours on 2 CPU cores)",
        meaningful=True,
        # Quick's frames (192 x 144, 32 frames), three times its takes and twice its
        # subjects: a test set three times larger (324 cross-subject videos) for paired
        # differences of a few points. The paper's widths at 4,000 iterations (this
        # profile's first settings) take about a minute a head on an H200, but on 2 CPU
        # cores the forward pass alone of 8 TAHNet-v1 clips at those widths takes 5.4 s
        # (results/bench/tahnet.json): 6 hours a head. Quick's width rule keeps a head
        # near quick's 0.25-0.5 s an iteration.
        synth=SynthConfig(profile="synthetic-full", takes_per_class=18, num_subjects=20),
        # Quick's detector, trained on the same benchmark of its own with the same
        # settings, so the same cached checkpoint (its key): the claims and the quick
        # tables share one instance stage, and the claims add no detector training.
        detector=QUICK_DETECTOR,
        detector_data=SynthConfig(profile="quick-detector", num_subjects=40),
        extraction=QUICK_EXTRACTION,
        heads={
            "default": dict(iterations=1200, lr=0.05, batch_size=8, milestones=(900,), checkpoint_every=200),
            "finetune": dict(iterations=300, lr=0.01, batch_size=8, milestones=(), checkpoint_every=100),
        },
        widths=WidthRule(conv_divisor=32, fc_divisor=16),
    ),
    "paper": Profile(
        name="paper",
        purpose="the paper's recipe on NTU RGB+D 60 / N-UCLA with torchvision's COCO detector",
        meaningful=True,
        synth=None,
        detector=None,
        extraction=ExtractionSettings(clip_len=8, stride=4, train_clips=1, tracker="paper",
                                      frame_size={"ntu60": (1280, 720)},
                                      detector_size={"ntu60": (720, 1280), "nucla": (480, 640)}),  # fmt: skip
        # Section 4.2: SGD lr 0.001, batch 4 (momentum not stated: TrainConfig's 0.9); NTU RGB+D (and the synthetic
        # benchmark, which mirrors it) 120,000 iterations, x0.1 at 80,000 and 100,000;
        # N-UCLA 10,000 iterations at a constant rate, fine-tuned from NTU RGB+D.
        heads={
            "default": dict(iterations=120_000, milestones=(80_000, 100_000), checkpoint_every=5000),
            "nucla": dict(iterations=10_000, milestones=()),
        },
    ),
}
"""Every profile, by name."""

PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)
DEFAULT_PROFILE = "quick"


def detector_profile(name: str) -> str:
    """The profile whose synthetic detector profile ``name`` uses: the first of
    :data:`PROFILES` with the same detector settings and the same benchmark of its own
    (``synthetic-full`` uses ``quick``'s), else ``name`` itself."""
    me = get_profile(name)
    if me.detector is None:
        return name
    return next(n for n, p in PROFILES.items() if (p.detector, p.detector_data) == (me.detector, me.detector_data))


def get_profile(name: str) -> Profile:
    """The profile called ``name``.

    Raises:
        HiarError: an unknown name (the message lists the profiles).
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise HiarError(f"unknown profile {name!r}: expected one of {', '.join(PROFILE_NAMES)}") from None
