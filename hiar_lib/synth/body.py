"""Articulated 3D human bodies for the synthetic benchmark.

A body is a skeleton of the 17 COCO joints plus a few helper points (pelvis, neck,
head centre, hand and toe ends), posed from a small set of per-frame controls and dressed
in volumetric parts (capsules and spheres) that the renderer rasterises.

Coordinates: metres. World axes: ``x`` right, ``y`` up, ``z`` forward (away from the
front camera). A body's own frame has the same axes with the origin on the floor between
its feet, ``x`` to the body's right, ``z`` where it faces; ``yaw`` turns it about ``y``,
``pitch`` tips it forwards about its ankles (a fall).

Arms and legs are posed by two-bone inverse kinematics: the controls give wrist and
ankle targets in the body frame; elbows and knees follow from the bone lengths and a
pole direction (elbows outwards and back, knees forwards).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "Controls",
    "Pose",
    "Subject",
    "make_subjects",
    "pose_body",
    "rest_controls",
]

# Side index: 0 = left (body -x), 1 = right (body +x).
_SIDE_SIGN = np.array([-1.0, 1.0])


@dataclass(frozen=True)
class Subject:
    """One performer: proportions (metres) and appearance (RGB in 0..255).

    Attributes:
        subject_id: 1-based id, as in dataset file names.
        height: standing height.
        girth: multiplies every limb radius (thin < 1 < broad).
        shoulder_width, hip_width: full widths.
        leg_ratio: leg length / height (about 0.5).
        arm_ratio: arm length (shoulder to wrist) / height (about 0.33).
        skin, hair, shirt, pants, shoes: colours.
        long_sleeves: forearms in shirt colour rather than skin.
    """

    subject_id: int
    height: float
    girth: float
    shoulder_width: float
    hip_width: float
    leg_ratio: float
    arm_ratio: float
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    shirt: tuple[int, int, int]
    pants: tuple[int, int, int]
    shoes: tuple[int, int, int]
    long_sleeves: bool

    # Derived lengths (metres).
    @property
    def thigh(self) -> float:
        return 0.47 * self.leg_ratio * self.height

    @property
    def shin(self) -> float:
        return 0.45 * self.leg_ratio * self.height

    @property
    def ankle_height(self) -> float:
        return 0.08 * self.leg_ratio * self.height

    @property
    def hip_height(self) -> float:
        return self.thigh + self.shin + self.ankle_height

    @property
    def upper_arm(self) -> float:
        return 0.56 * self.arm_ratio * self.height

    @property
    def forearm(self) -> float:
        return 0.44 * self.arm_ratio * self.height

    @property
    def head_radius(self) -> float:
        return 0.062 * self.height

    @property
    def neck_length(self) -> float:
        return 0.035 * self.height

    @property
    def torso_length(self) -> float:
        # pelvis centre to neck base: what is left of the height.
        return self.height - self.hip_height - self.neck_length - 2.0 * self.head_radius

    @property
    def shoulder_height(self) -> float:
        return self.hip_height + self.torso_length - 0.02 * self.height


_SKINS = [(241, 194, 167), (224, 172, 138), (198, 134, 96), (141, 85, 54), (92, 58, 38), (255, 219, 190)]
_HAIRS = [(35, 25, 20), (90, 60, 30), (200, 170, 110), (120, 120, 120), (20, 20, 20), (150, 70, 30)]
_SHIRTS = [
    (200, 40, 40), (40, 90, 200), (40, 160, 70), (230, 200, 40), (130, 60, 170), (240, 240, 240),
    (250, 130, 30), (30, 170, 180), (60, 60, 60), (220, 90, 160), (120, 160, 40), (110, 80, 50),
]  # fmt: skip
_PANTS = [(40, 50, 90), (30, 30, 30), (110, 100, 80), (70, 90, 60), (150, 150, 160), (90, 40, 40)]
_SHOES = [(20, 20, 20), (240, 240, 240), (120, 70, 40), (60, 60, 120)]


def make_subjects(n: int, seed: int = 0) -> list[Subject]:
    """``n`` performers with distinct proportions and clothes, deterministic from ``seed``.

    Heights span about 1.50-1.95 m, girth 0.8-1.3; every subject's shirt colour differs
    from the others' as long as the palette lasts (12 colours).
    """
    if n < 1:
        raise ValueError(f"need at least one subject, got {n}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5B1]))
    shirt_order = rng.permutation(len(_SHIRTS))
    heights = np.linspace(1.50, 1.95, n) if n > 1 else np.array([1.72])
    heights = heights[rng.permutation(n)] + rng.uniform(-0.02, 0.02, n)
    subjects = []
    for i in range(n):
        girth = float(rng.uniform(0.8, 1.3))
        subjects.append(
            Subject(
                subject_id=i + 1,
                height=float(heights[i]),
                girth=girth,
                shoulder_width=float(heights[i] * rng.uniform(0.22, 0.27) * (0.9 + 0.1 * girth)),
                hip_width=float(heights[i] * rng.uniform(0.10, 0.13) * (0.9 + 0.1 * girth)),
                leg_ratio=float(rng.uniform(0.47, 0.54)),
                arm_ratio=float(rng.uniform(0.31, 0.35)),
                skin=_SKINS[int(rng.integers(len(_SKINS)))],
                hair=_HAIRS[int(rng.integers(len(_HAIRS)))],
                shirt=_SHIRTS[int(shirt_order[i % len(_SHIRTS)])],
                pants=_PANTS[int(rng.integers(len(_PANTS)))],
                shoes=_SHOES[int(rng.integers(len(_SHOES)))],
                long_sleeves=bool(rng.random() < 0.4),
            )
        )
    return subjects


@dataclass
class Controls:
    """Per-frame pose controls of one body; every array has ``T`` rows.

    Attributes:
        root: ``(T, 3)`` world position of the body frame's origin (floor between feet;
            ``y > 0`` while airborne).
        yaw: ``(T,)`` radians; the body faces ``(sin yaw, 0, cos yaw)``.
        pitch: ``(T,)`` radians; whole body tipped forwards about the ankles (falls).
        pelvis: ``(T, 3)`` pelvis offset from its standing place, body frame.
        lean: ``(T,)`` radians; the spine tipped forwards about the pelvis.
        wrists: ``(T, 2, 3)`` wrist targets (left, right), body frame.
        ankles: ``(T, 2, 3)`` ankle targets (left, right), body frame.
    """

    root: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    pelvis: np.ndarray
    lean: np.ndarray
    wrists: np.ndarray
    ankles: np.ndarray


def rest_controls(subject: Subject, num_frames: int) -> Controls:
    """Standing still at the world origin facing ``+z``, arms hanging."""
    t = num_frames
    s = subject
    wrists = np.zeros((t, 2, 3))
    ankles = np.zeros((t, 2, 3))
    for side in (0, 1):
        sx = _SIDE_SIGN[side]
        wrists[:, side] = (sx * (s.shoulder_width / 2 + 0.04 * s.height), s.shoulder_height - 0.97 * (s.upper_arm + s.forearm), 0.02)
        ankles[:, side] = (sx * s.hip_width / 2, s.ankle_height, 0.0)
    return Controls(
        root=np.zeros((t, 3)),
        yaw=np.zeros(t),
        pitch=np.zeros(t),
        pelvis=np.zeros((t, 3)),
        lean=np.zeros(t),
        wrists=wrists,
        ankles=ankles,
    )


@dataclass
class Pose:
    """A posed body in world coordinates (metres).

    Attributes:
        keypoints: ``(T, 17, 3)`` COCO joints (:data:`hiar_lib.vocabulary.KEYPOINT_NAMES` order).
        pelvis, neck, head: ``(T, 3)`` pelvis centre, neck base, head centre.
        hands, toes: ``(T, 2, 3)`` hand tips and toe tips (left, right).
        up, forward: ``(T, 3)`` unit vectors of the head (for hair placement).
    """

    keypoints: np.ndarray
    pelvis: np.ndarray
    neck: np.ndarray
    head: np.ndarray
    hands: np.ndarray
    toes: np.ndarray
    up: np.ndarray
    forward: np.ndarray


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _two_bone_ik(root: np.ndarray, target: np.ndarray, l1: float, l2: float, pole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint and (reachable) end of a two-bone chain; arrays ``(..., 3)``.

    The end goes to ``target`` when it is reachable, else as far as the chain reaches
    towards it. The middle joint bends towards ``pole`` (a direction).
    """
    d = target - root
    dist = np.linalg.norm(d, axis=-1, keepdims=True)
    dhat = d / np.maximum(dist, 1e-9)
    reach = np.clip(dist, abs(l1 - l2) + 1e-4, l1 + l2 - 1e-4)
    cos_a = (l1**2 + reach**2 - l2**2) / (2 * l1 * reach)
    sin_a = np.sqrt(np.clip(1 - cos_a**2, 0, 1))
    n = pole - np.sum(pole * dhat, axis=-1, keepdims=True) * dhat
    # When the pole is parallel to the limb, any perpendicular will do.
    fallback = np.cross(dhat, np.array([1.0, 0.0, 0.0]))
    n = np.where(np.linalg.norm(n, axis=-1, keepdims=True) < 1e-6, fallback, n)
    nhat = _unit(n)
    mid = root + l1 * (cos_a * dhat + sin_a * nhat)
    end = root + reach * dhat
    return mid, end


def _rot_x(angle: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` rotations about the body's x axis; positive tips +y towards +z."""
    c, s = np.cos(angle), np.sin(angle)
    r = np.zeros(angle.shape + (3, 3))
    r[..., 0, 0] = 1
    r[..., 1, 1], r[..., 1, 2] = c, -s
    r[..., 2, 1], r[..., 2, 2] = s, c
    # Applied as p' = r @ p: y' = c*y - s*z, z' = s*y + c*z: +y goes towards +z.
    return r


def _rot_y(angle: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` yaw rotations: body +z goes to ``(sin a, 0, cos a)``."""
    c, s = np.cos(angle), np.sin(angle)
    r = np.zeros(angle.shape + (3, 3))
    r[..., 1, 1] = 1
    r[..., 0, 0], r[..., 0, 2] = c, s
    r[..., 2, 0], r[..., 2, 2] = -s, c
    return r


def pose_body(subject: Subject, c: Controls) -> Pose:
    """Pose ``subject`` by the controls ``c``: joints in world coordinates."""
    s = subject
    t = c.yaw.shape[0]

    pelvis = np.array([0.0, s.hip_height, 0.0]) + c.pelvis  # (T,3)
    lean = _rot_x(c.lean)  # (T,3,3)

    def spine(v: np.ndarray) -> np.ndarray:  # body-frame offset v (..,3) from the pelvis, leaned
        return pelvis[:, None] + np.einsum("tij,tkj->tki", lean, np.broadcast_to(v, (t,) + v.shape[-2:]))

    up = np.array([0.0, 1.0, 0.0])
    neck = spine(np.array([[0.0, s.torso_length, 0.0]]))[:, 0]
    head = spine(np.array([[0.0, s.torso_length + s.neck_length + s.head_radius, 0.0]]))[:, 0]
    r = s.head_radius
    face = np.array(
        [
            [0.0, 0.0, r],  # nose
            [-0.38 * r, 0.28 * r, 0.85 * r],  # left eye
            [0.38 * r, 0.28 * r, 0.85 * r],
            [-0.97 * r, 0.12 * r, -0.05 * r],  # left ear
            [0.97 * r, 0.12 * r, -0.05 * r],
        ]
    )
    face_w = head[:, None] + np.einsum("tij,kj->tki", lean, face)
    shoulders = spine(np.array([[-s.shoulder_width / 2, s.torso_length - 0.02 * s.height, 0.0],
                                [s.shoulder_width / 2, s.torso_length - 0.02 * s.height, 0.0]]))  # fmt: skip
    hips = pelvis[:, None] + np.array([[-s.hip_width / 2, 0.0, 0.0], [s.hip_width / 2, 0.0, 0.0]])

    arm_pole = np.empty((t, 2, 3))
    arm_pole[..., 0], arm_pole[..., 1], arm_pole[..., 2] = 0.55 * _SIDE_SIGN, -0.6, -0.6
    elbows, wrists = _two_bone_ik(shoulders, c.wrists, s.upper_arm, s.forearm, arm_pole)
    knee_pole = np.broadcast_to(np.array([0.0, 0.15, 1.0]), (t, 2, 3))
    knees, ankles = _two_bone_ik(hips, c.ankles, s.thigh, s.shin, knee_pole)
    hands = wrists + 0.055 * s.height * _unit(wrists - elbows)
    toes = ankles + np.array([0.0, -s.ankle_height * 0.7, 0.11 * s.height])

    # Face (5), then (left, right) pairs of shoulders .. ankles: exactly the COCO order.
    keypoints = np.concatenate([face_w, shoulders, elbows, wrists, hips, knees, ankles], axis=1)

    head_up = np.einsum("tij,j->ti", lean, up)
    head_fwd = np.einsum("tij,j->ti", lean, np.array([0.0, 0.0, 1.0]))

    # Whole-body pitch about the ankles' midpoint on the floor, then yaw, then translate.
    pivot = np.array([0.0, 0.0, 0.0])
    world = _rot_y(c.yaw) @ _rot_x(c.pitch)  # (T,3,3)

    def to_world(p: np.ndarray) -> np.ndarray:
        flat = p.reshape(t, -1, 3) - pivot
        out = np.einsum("tij,tkj->tki", world, flat) + c.root[:, None]
        return out.reshape(p.shape)

    def dir_world(v: np.ndarray) -> np.ndarray:
        return np.einsum("tij,tj->ti", world, v)

    return Pose(
        keypoints=to_world(keypoints),
        pelvis=to_world(pelvis),
        neck=to_world(neck),
        head=to_world(head),
        hands=to_world(hands),
        toes=to_world(toes),
        up=dir_world(head_up),
        forward=dir_world(head_fwd),
    )


def body_parts(subject: Subject, pose: Pose) -> list[tuple[np.ndarray, np.ndarray, float, float, tuple[int, int, int]]]:
    """The volumetric parts of a posed body: ``(a, b, radius_a, radius_b, rgb)`` each.

    ``a`` and ``b`` are ``(T, 3)`` segment ends in world metres (``a == b`` for a
    sphere); radii in metres. Together the parts give the body's silhouette (its mask).
    """
    s = subject
    h, g = s.height, s.girth
    k = pose.keypoints
    L, R = 0, 1
    sh = {L: k[:, 5], R: k[:, 6]}
    el = {L: k[:, 7], R: k[:, 8]}
    wr = {L: k[:, 9], R: k[:, 10]}
    hp = {L: k[:, 11], R: k[:, 12]}
    kn = {L: k[:, 13], R: k[:, 14]}
    an = {L: k[:, 15], R: k[:, 16]}
    fore = s.shirt if s.long_sleeves else s.skin
    hair_c = pose.head + s.head_radius * (0.12 * pose.up - 0.16 * pose.forward)
    parts = [
        (pose.pelvis, pose.neck, 0.075 * h * g, 0.07 * h * g, s.shirt),
        (hp[L], sh[L], 0.055 * h * g, 0.05 * h * g, s.shirt),
        (hp[R], sh[R], 0.055 * h * g, 0.05 * h * g, s.shirt),
        (sh[L], sh[R], 0.04 * h * g, 0.04 * h * g, s.shirt),
        (hp[L], hp[R], 0.06 * h * g, 0.06 * h * g, s.pants),
        (pose.neck, pose.head, 0.028 * h, 0.028 * h, s.skin),
        (pose.head, pose.head, s.head_radius, s.head_radius, s.skin),
        (hair_c, hair_c, 0.98 * s.head_radius, 0.98 * s.head_radius, s.hair),
    ]
    for side in (L, R):
        parts += [
            (sh[side], el[side], 0.033 * h * g, 0.029 * h * g, s.shirt),
            (el[side], wr[side], 0.027 * h * g, 0.022 * h * g, fore),
            (wr[side], pose.hands[:, side], 0.022 * h, 0.02 * h, s.skin),
            (hp[side], kn[side], 0.05 * h * g, 0.04 * h * g, s.pants),
            (kn[side], an[side], 0.038 * h * g, 0.03 * h * g, s.pants),
            (an[side], pose.toes[:, side], 0.024 * h, 0.022 * h, s.shoes),
        ]
    return parts
