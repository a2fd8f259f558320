"""Action scripts of the synthetic benchmark: per-frame body controls for each class.

Twelve classes, named as their NTU RGB+D counterparts:

- whole-body displacement: ``jump up``, ``sitting down``, ``falling``;
- mutual, two actors: ``walking towards each other``, ``walking apart from each other``,
  ``hugging other person``, ``pushing other person``, ``handshaking``;
- pairs that differ only in a small hand motion: ``clapping`` vs ``rub two hands
  together`` (hands before the chest, apart and together vs together and circling) and
  ``hand waving`` vs ``touch head (headache)`` (a hand by the head, swinging vs resting).

Distractors (label ``-1``) do something else: stand idle, turn on the spot, or pace
across the stage, which makes people cross in front of or behind the actors.

Every script is a function of the subjects, the clip length, the frame rate and a random
generator, and returns :class:`~hiar_lib.synth.body.Controls`; timing, amplitudes,
positions and headings vary with the generator.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hiar_lib.synth.body import Controls, Subject, rest_controls

__all__ = [
    "CLASSES",
    "DISTRACTOR_BEHAVIOURS",
    "HAND_ONLY_PAIRS",
    "MUTUAL_CLASSES",
    "NO_ACTION",
    "script_action",
    "script_distractor",
]

CLASSES = (
    "jump up",
    "sitting down",
    "falling",
    "walking towards each other",
    "walking apart from each other",
    "hugging other person",
    "pushing other person",
    "handshaking",
    "clapping",
    "rub two hands together",
    "hand waving",
    "touch head (headache)",
)
MUTUAL_CLASSES = frozenset({3, 4, 5, 6, 7})
HAND_ONLY_PAIRS = ((8, 9), (10, 11))
NO_ACTION = -1  # label of distractors
DISTRACTOR_BEHAVIOURS = ("idle", "turn", "pace")


# -- timing helpers -------------------------------------------------------------------


def _timeline(t: int, rng: np.random.Generator, start=(0.02, 0.2), dur=(0.6, 0.85)) -> np.ndarray:
    """Action progress ``s`` in 0..1 per frame: 0 before a random start, 1 after its end."""
    x = np.arange(t) / max(t - 1, 1)
    t0 = rng.uniform(*start)
    d = min(rng.uniform(*dur), 1.0 - t0)
    return np.clip((x - t0) / d, 0.0, 1.0)


def _smooth(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _window(s: np.ndarray, a: float, b: float, ramp: float = 0.1) -> np.ndarray:
    """1 inside ``[a, b]`` of the progress, smooth ramps of width ``ramp`` either side."""
    return _smooth((s - a) / ramp + 1.0) * _smooth((b - s) / ramp + 1.0)


def _blend(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per-frame blend from ``a`` (w=0) to ``b`` (w=1); ``w`` is ``(T,)``."""
    w = w.reshape((-1,) + (1,) * (np.ndim(a) - 1)) if np.ndim(a) > 1 else w
    return a + (b - a) * w


def _yaw_of(direction: np.ndarray) -> float:
    return float(np.arctan2(direction[0], direction[2]))


def _place(c: Controls, x: float, z: float, yaw: float) -> Controls:
    c.root[:, 0], c.root[:, 2] = x, z
    c.yaw[:] = yaw
    return c


def _chest(s: Subject) -> float:
    return s.shoulder_height - 0.08 * s.height


def _gait(c: Controls, s: Subject, travelled: np.ndarray) -> None:
    """Swing legs and arms for a walk that has covered ``travelled`` metres by each frame."""
    stride = 1.45 * s.leg_ratio * s.height  # two steps
    phase = 2 * np.pi * travelled / stride
    speed = np.abs(np.gradient(travelled))
    amp = np.clip(speed / max(speed.max(), 1e-6), 0, 1) if speed.max() > 1e-4 else np.zeros_like(speed)
    for side, ph in ((0, phase), (1, phase + np.pi)):
        c.ankles[:, side, 2] += 0.2 * s.leg_ratio * s.height * np.sin(ph) * amp
        c.ankles[:, side, 1] += 0.06 * s.height * np.clip(np.cos(ph), 0, None) * amp
        c.wrists[:, side, 2] -= 0.1 * s.height * np.sin(ph) * amp
    c.pelvis[:, 1] -= 0.012 * s.height * np.abs(np.sin(phase)) * amp


def _walk(c: Controls, s: Subject, start: np.ndarray, direction: np.ndarray, travelled: np.ndarray) -> None:
    """Move the root from ``start`` along ``direction`` by ``travelled`` metres, with gait."""
    direction = np.asarray(direction, float) / np.linalg.norm(direction)
    c.root[:] = np.asarray(start, float) + travelled[:, None] * direction
    _gait(c, s, travelled)


# -- single-person classes ---------------------------------------------------------------


def _jump_up(s: Subject, c: Controls, t: int, fps: float, rng: np.random.Generator) -> None:
    p = _timeline(t, rng, dur=(0.55, 0.75))
    crouch = _window(p, 0.08, 0.25, 0.12) + _window(p, 0.78, 0.82, 0.1)
    c.pelvis[:, 1] -= 0.13 * s.height * crouch
    c.lean += 0.35 * crouch
    air = np.clip((p - 0.32) / 0.4, 0, 1)
    lift = rng.uniform(0.22, 0.42) * np.sin(np.pi * air)
    c.root[:, 1] += lift
    arms_up = _window(p, 0.35, 0.65, 0.12)
    for side, sx in ((0, -1), (1, 1)):
        up = np.array([sx * (s.shoulder_width / 2 + 0.05 * s.height), s.shoulder_height + 0.35 * s.height, 0.08 * s.height])
        back = c.wrists[:, side] + np.array([0.0, 0.05 * s.height, -0.15 * s.height])
        c.wrists[:, side] = _blend(_blend(c.wrists[:, side], back, crouch), up, arms_up)
    # Feet tuck a little while airborne.
    c.ankles[:, :, 1] += (0.05 * s.height * np.sin(np.pi * air))[:, None]


def _sitting_down(s: Subject, c: Controls, t: int, fps: float, rng: np.random.Generator) -> None:
    p = _smooth(_timeline(t, rng, dur=(0.5, 0.75)))
    drop = s.hip_height - (s.shin + s.ankle_height + 0.02 * s.height)
    c.pelvis[:, 1] -= drop * p
    c.pelvis[:, 2] -= 0.85 * s.thigh * p
    c.lean += 0.45 * np.sin(np.pi * p) + 0.1 * p
    for side, sx in ((0, -1), (1, 1)):
        knee_top = np.array([sx * s.hip_width / 2 * 1.1, s.shin + s.ankle_height + 0.09 * s.height, -0.1 * s.thigh])
        c.wrists[:, side] = _blend(c.wrists[:, side], knee_top, p)


def _falling(s: Subject, c: Controls, t: int, fps: float, rng: np.random.Generator) -> None:
    p = _timeline(t, rng, start=(0.1, 0.3), dur=(0.4, 0.6))
    direction = 1.0 if rng.random() < 0.65 else -1.0  # forwards or backwards
    fall = p**2
    c.pitch += direction * np.radians(rng.uniform(80, 88)) * fall
    c.root[:, 1] += 0.08 * s.height * s.girth * fall  # lie on the floor, not in it
    c.pelvis[:, 1] -= 0.05 * s.height * np.sin(np.pi * np.clip(p, 0, 1))
    c.lean += direction * 0.3 * np.sin(np.pi * p)
    for side, sx in ((0, -1), (1, 1)):
        brace = np.array([sx * (s.shoulder_width / 2 + 0.12 * s.height), _chest(s), direction * 0.3 * s.height])
        c.wrists[:, side] = _blend(c.wrists[:, side], brace, _smooth(p * 1.5))


def _hands_before_chest(s: Subject, c: Controls, half_gap: np.ndarray, offset: np.ndarray, w: np.ndarray) -> None:
    centre = np.array([0.0, _chest(s), 0.2 * s.height])
    for side, sx in ((0, -1), (1, 1)):
        target = centre + offset * (1 if side else -1) + np.stack([sx * (half_gap + 0.025 * s.height), 0 * half_gap, 0 * half_gap], -1)
        c.wrists[:, side] = _blend(c.wrists[:, side], target, w)


def _clapping(s: Subject, c: Controls, t: int, fps: float, rng: np.random.Generator) -> None:
    p = _timeline(t, rng, dur=(0.75, 0.95))
    w = _window(p, 0.1, 0.9, 0.1)
    freq = rng.uniform(2.0, 3.0)
    ph = 2 * np.pi * freq * np.arange(t) / fps + rng.uniform(0, 2 * np.pi)
    half_gap = 0.01 + rng.uniform(0.08, 0.12) * (0.5 + 0.5 * np.cos(ph))
    _hands_before_chest(s, c, half_gap, np.zeros((t, 3)), w)


def _rub_two_hands(s: Subject, c: Controls, t: int, fps: float, rng: np.random.Generator) -> None:
    p = _timeline(t, rng, dur=(0.75, 0.95))
    w = _window(p, 0.1, 0.9, 0.1)
    freq = rng.uniform(2.5, 3.5)
    ph = 2 * np.pi * freq * np.arange(t) / fps + rng.uniform(0, 2 * np.pi)
    r = rng.uniform(0.025, 0.04)
    offset = np.stack([np.zeros(t), r * np.sin(ph), r * np.cos(ph)], -1)
    _hands_before_chest(s, c, np.full(t, 0.005), offset, w)


def _hand_by_head(s: Subject, c: Controls, w: np.ndarray, sway: np.ndarray, top: bool) -> None:
    head_y = s.hip_height + s.torso_length + s.neck_length + s.head_radius
    if top:
        target = np.array([0.03 * s.height, head_y + 0.02 * s.height, 0.03 * s.height])
    else:
        target = np.array([s.shoulder_width / 2 + 0.08 * s.height, head_y + 0.05 * s.height, 0.06 * s.height])
    target = target + np.stack([sway, np.zeros_like(sway), np.zeros_like(sway)], -1)
    c.wrists[:, 1] = _blend(c.wrists[:, 1], target, w)


def _hand_waving(s: Subject, c: Controls, t: int, fps: float, rng: np.random.Generator) -> None:
    p = _timeline(t, rng, dur=(0.75, 0.95))
    w = _window(p, 0.12, 0.88, 0.12)
    ph = 2 * np.pi * rng.uniform(1.5, 2.5) * np.arange(t) / fps + rng.uniform(0, 2 * np.pi)
    _hand_by_head(s, c, w, rng.uniform(0.06, 0.1) * s.height * np.sin(ph) * w, top=False)


def _touch_head(s: Subject, c: Controls, t: int, fps: float, rng: np.random.Generator) -> None:
    p = _timeline(t, rng, dur=(0.75, 0.95))
    w = _window(p, 0.15, 0.85, 0.15)
    ph = 2 * np.pi * rng.uniform(0.5, 1.0) * np.arange(t) / fps
    _hand_by_head(s, c, w, 0.008 * s.height * np.sin(ph) * w, top=True)


_SINGLE: dict[int, Callable[..., None]] = {
    0: _jump_up,
    1: _sitting_down,
    2: _falling,
    8: _clapping,
    9: _rub_two_hands,
    10: _hand_waving,
    11: _touch_head,
}


# -- mutual classes ----------------------------------------------------------------------


def _pair(subjects, t, rng, gap, centre):
    """Two people at ``centre`` facing each other across ``gap`` metres (root distance)."""
    theta = rng.uniform(-0.5, 0.5)  # the line joining them, radians off the x axis
    axis = np.array([np.cos(theta), 0.0, -np.sin(theta)])
    cs = []
    for k, s in enumerate(subjects):
        sign = -1 if k == 0 else 1
        pos = np.asarray(centre) + sign * gap / 2 * axis
        c = rest_controls(s, t)
        _place(c, pos[0], pos[2], _yaw_of(-sign * axis))
        cs.append(c)
    return cs, axis


def _walking_towards(subjects, t, fps, rng, centre):
    start_gap, end_gap = rng.uniform(2.8, 3.4), rng.uniform(0.7, 0.95)
    cs, axis = _pair(subjects, t, rng, start_gap, centre)
    p = _timeline(t, rng, start=(0.0, 0.1), dur=(0.8, 0.95))
    for k, (c, s) in enumerate(zip(cs, subjects)):
        sign = -1 if k == 0 else 1
        travelled = (start_gap - end_gap) / 2 * _smooth(p) ** 0.9
        _walk(c, s, c.root[0].copy(), -sign * axis, travelled)
    return cs


def _walking_apart(subjects, t, fps, rng, centre):
    start_gap = rng.uniform(0.75, 1.0)
    cs, axis = _pair(subjects, t, rng, start_gap, centre)
    p = _timeline(t, rng, start=(0.0, 0.1), dur=(0.8, 0.95))
    turn = _smooth(p / 0.25)
    dist = rng.uniform(1.0, 1.3) * _smooth(np.clip((p - 0.2) / 0.8, 0, 1))
    for k, (c, s) in enumerate(zip(cs, subjects)):
        sign = -1 if k == 0 else 1
        spin = rng.choice([-1.0, 1.0])
        c.yaw[:] = c.yaw + spin * np.pi * turn
        _walk(c, s, c.root[0].copy(), sign * axis, dist)
    return cs


def _hugging(subjects, t, fps, rng, centre):
    start_gap, end_gap = rng.uniform(1.1, 1.4), rng.uniform(0.34, 0.42)
    cs, axis = _pair(subjects, t, rng, start_gap, centre)
    p = _timeline(t, rng, start=(0.0, 0.1), dur=(0.8, 0.95))
    approach = _smooth(p / 0.45)
    hold = _window(p, 0.4, 1.2, 0.15)
    for k, (c, s) in enumerate(zip(cs, subjects)):
        sign = -1 if k == 0 else 1
        _walk(c, s, c.root[0].copy(), -sign * axis, (start_gap - end_gap) / 2 * approach)
        height = _chest(s) + (0.05 if k == 0 else -0.05) * s.height
        for side, sx in ((0, -1), (1, 1)):
            around = np.array([sx * 0.1 * s.height, height, end_gap + 0.05 * s.height])
            c.wrists[:, side] = _blend(c.wrists[:, side], around, hold)
        c.lean += 0.12 * hold
    return cs


def _pushing(subjects, t, fps, rng, centre):
    gap = rng.uniform(0.85, 1.05)
    cs, axis = _pair(subjects, t, rng, gap, centre)
    p = _timeline(t, rng, start=(0.05, 0.2), dur=(0.6, 0.8))
    reach = _window(p, 0.25, 0.5, 0.15)
    step = 0.25 * _smooth(p / 0.5)
    shove = rng.uniform(0.4, 0.6) * _smooth((p - 0.35) / 0.4)
    a, b = subjects
    ca, cb = cs
    _walk(ca, a, ca.root[0].copy(), axis, step)
    for side, sx in ((0, -1), (1, 1)):
        push = np.array([sx * 0.1 * a.height, _chest(a), gap - 0.1 * a.height])
        ca.wrists[:, side] = _blend(ca.wrists[:, side], push, reach)
    ca.lean += 0.25 * reach
    # The pushed one staggers back without turning; arms fly forwards.
    cb.root[:] = cb.root[0] + shove[:, None] * axis
    _gait(cb, b, shove)
    jolt = _window(p, 0.4, 0.7, 0.1)
    cb.lean -= 0.35 * jolt
    for side, sx in ((0, -1), (1, 1)):
        fly = np.array([sx * 0.2 * b.height, _chest(b), 0.3 * b.height])
        cb.wrists[:, side] = _blend(cb.wrists[:, side], fly, jolt)
    return cs


def _handshaking(subjects, t, fps, rng, centre):
    gap = rng.uniform(0.85, 1.0)
    cs, axis = _pair(subjects, t, rng, gap, centre)
    p = _timeline(t, rng, start=(0.0, 0.15), dur=(0.75, 0.9))
    w = _window(p, 0.25, 0.85, 0.15)
    ph = 2 * np.pi * rng.uniform(2.0, 3.0) * np.arange(t) / fps
    step = 0.08 * _smooth(p / 0.3)
    for k, (c, s) in enumerate(zip(cs, subjects)):
        sign = -1 if k == 0 else 1
        _walk(c, s, c.root[0].copy(), -sign * axis, step)
        meet = np.stack(
            [np.full(t, 0.02), np.full(t, 0.56 * subjects[0].height) + 0.025 * np.sin(ph) * w, gap / 2 - step], -1
        )
        c.wrists[:, 1] = _blend(c.wrists[:, 1], meet, w)
    return cs


_MUTUAL: dict[int, Callable[..., list[Controls]]] = {
    3: _walking_towards,
    4: _walking_apart,
    5: _hugging,
    6: _pushing,
    7: _handshaking,
}


def script_action(
    label: int,
    actors: list[Subject],
    num_frames: int,
    fps: float,
    rng: np.random.Generator,
    centre: tuple[float, float] = (0.0, 0.0),
    facing: float = np.pi,
) -> list[Controls]:
    """Controls of the actors of one performance of class ``label``.

    Args:
        actors: one subject, or two for a mutual class (:data:`MUTUAL_CLASSES`).
        centre: ``(x, z)`` world metres where the action takes place.
        facing: yaw of a single actor (``pi`` faces the front camera).
    """
    if not 0 <= label < len(CLASSES):
        raise ValueError(f"label must be in 0..{len(CLASSES) - 1}, got {label}")
    need = 2 if label in MUTUAL_CLASSES else 1
    if len(actors) != need:
        raise ValueError(f"class {CLASSES[label]!r} takes {need} actor(s), got {len(actors)}")
    cx, cz = centre
    if label in _MUTUAL:
        return _MUTUAL[label](actors, num_frames, fps, rng, np.array([cx, 0.0, cz]))
    s = actors[0]
    c = _place(rest_controls(s, num_frames), cx, cz, facing + rng.uniform(-0.35, 0.35))
    _SINGLE[label](s, c, num_frames, fps, rng)
    return [c]


def script_distractor(
    behaviour: str,
    subject: Subject,
    num_frames: int,
    fps: float,
    rng: np.random.Generator,
    start: tuple[float, float],
    end: tuple[float, float] | None = None,
) -> Controls:
    """Controls of a person doing something else: ``idle``, ``turn`` or ``pace``.

    ``start`` is the ``(x, z)`` position; ``pace`` walks in a straight line to ``end``.
    """
    t = num_frames
    c = rest_controls(subject, t)
    yaw0 = np.pi + rng.uniform(-0.8, 0.8)
    _place(c, start[0], start[1], yaw0)
    x = np.arange(t) / fps
    if behaviour == "idle":
        sway = 0.025 * np.sin(2 * np.pi * rng.uniform(0.3, 0.6) * x + rng.uniform(0, 6.3))
        c.root[:, 0] += sway
        c.wrists[:, :, 2] += (0.03 * np.sin(2 * np.pi * 0.4 * x))[:, None]
    elif behaviour == "turn":
        c.yaw[:] = yaw0 + rng.choice([-1, 1]) * rng.uniform(1.0, 2.0) * _smooth(x / x[-1])
    elif behaviour == "pace":
        if end is None:
            raise ValueError("pace needs an end position")
        d = np.array([end[0] - start[0], 0.0, end[1] - start[1]])
        length = float(np.linalg.norm(d))
        c.yaw[:] = _yaw_of(d)
        _walk(c, subject, c.root[0].copy(), d, length * x / x[-1])
    else:
        raise ValueError(f"unknown distractor behaviour {behaviour!r}: expected one of {DISTRACTOR_BEHAVIOURS}")
    return c
