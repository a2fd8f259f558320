"""Linking per-frame human instances into tracks (paper section 3.1.3, eq. 3).

The detector finds people independently in every frame; this module connects them over
the frames of a clip. The cost between an instance ``n`` of frame ``i`` and a track is
eq. 3 of the paper, the summed per-joint Euclidean pixel distance to the track's last
instance::

    cost(n, track) = sum_{j=0}^{16} || k_{i,n,j} - k_{last(track),j} ||_2      (pixels)

The paper links adjacent frames greedily: the pair with the globally smallest cost is
linked first, then the smallest among the remaining tracks and instances, and so on
(``method="greedy"``). ``method="hungarian"`` instead minimises the total cost of the
frame's links (``scipy.optimize.linear_sum_assignment``). Beyond the paper, and both
switchable off (``gate=None, max_gap=0`` is the paper's tracker):

- a distance gate: a link is allowed only when the mean per-joint distance
  ``cost / 17`` is below ``gate`` times the diagonal of the track's last box;
- gaps: a track not matched in a frame survives up to ``max_gap`` frames without an
  instance; it is matched with the keypoints where it was last seen;
- births: every instance left unmatched starts a new track.

Joint visibility: keypoints may carry a third channel (visibility or score). A joint
whose third channel is ``<= min_joint_score`` is treated as missing. The cost then
averages the per-joint distance over the joints valid in *both* instances and scales it
back to 17 joints, ``cost = 17 * sum_{j valid in both} d_j / #valid in both``, so that
costs stay comparable with the all-visible case; with all 17 joints valid it is exactly
eq. 3's plain sum. Two instances with no joint valid in both cannot be linked.

Tracking evaluation against ground truth (MOTA, IDF1, ID switches) with motmetrics is
:func:`evaluate_tracking`; it works on per-frame ids and boxes only, independently of
any dataset format.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from hiar_lib.track_config import Method, TrackerConfig
from hiar_lib.vocabulary import NUM_KEYPOINTS

__all__ = [
    "Tracks",
    "evaluate_tracking",
    "greedy_assignment",
    "hungarian_assignment",
    "keypoint_distance_matrix",
    "track_instances",
]

_INF = math.inf



# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class Tracks:
    """Instances linked over the ``F`` frames of a clip into ``T`` tracks.

    Attributes:
        assignment: ``(F, T)`` int64; ``assignment[f, t]`` is the index, among frame
            ``f``'s detected instances, of track ``t``'s instance in that frame, or
            ``-1`` where the track has no instance (not yet born, a gap, or ended).
        track_ids: ``(T,)`` int64, the id of each column of ``assignment``; distinct.
            :func:`track_instances` numbers tracks ``0, 1, ...`` in order of birth.
        num_instances: ``(F,)`` int64, the number of detected instances ``N_f`` of
            each frame.
    """

    assignment: np.ndarray
    track_ids: np.ndarray
    num_instances: np.ndarray

    def __post_init__(self) -> None:
        a, ids, n = self.assignment, self.track_ids, self.num_instances
        if not (isinstance(a, np.ndarray) and a.ndim == 2 and a.dtype == np.int64):
            raise ValueError("assignment must be an int64 array of shape (F, T)")
        if not (isinstance(ids, np.ndarray) and ids.shape == (a.shape[1],) and ids.dtype == np.int64):
            raise ValueError(f"track_ids must be an int64 array of shape ({a.shape[1]},)")
        if len(np.unique(ids)) != len(ids):
            raise ValueError("track_ids must be distinct")
        if not (isinstance(n, np.ndarray) and n.shape == (a.shape[0],) and n.dtype == np.int64):
            raise ValueError(f"num_instances must be an int64 array of shape ({a.shape[0]},)")
        if a.size and (a.min() < -1 or (a >= n[:, None]).any()):
            raise ValueError("assignment entries must be -1 or an instance index < num_instances")

    @property
    def num_frames(self) -> int:
        """``F``, the number of frames."""
        return int(self.assignment.shape[0])

    @property
    def num_tracks(self) -> int:
        """``T``, the number of tracks."""
        return int(self.assignment.shape[1])

    def lengths(self) -> np.ndarray:
        """``(T,)`` int64: the number of frames in which each track has an instance."""
        return (self.assignment >= 0).sum(axis=0).astype(np.int64)

    def instance_track_ids(self, frame: int) -> np.ndarray:
        """``(N_f,)`` int64: the track id of each instance of ``frame`` (``-1`` if none);
        a negative ``frame`` counts from the end, as a Python index does.

        Every instance belongs to a track in :func:`track_instances`'s output; ``-1``
        appears only after tracks were removed, e.g. by :meth:`filter_min_length`.
        """
        if not -self.num_frames <= frame < self.num_frames:
            f = self.num_frames
            raise ValueError(f"frame must be in [0, {f}), or in [-{f}, -1] counting from the end; got {frame}")
        row = self.assignment[frame]
        out = np.full(int(self.num_instances[frame]), -1, dtype=np.int64)
        cols = np.flatnonzero(row >= 0)
        out[row[cols]] = self.track_ids[cols]
        return out

    def per_frame_ids(self) -> list[np.ndarray]:
        """``instance_track_ids(f)`` for every frame: a list of ``F`` arrays ``(N_f,)``."""
        return [self.instance_track_ids(f) for f in range(self.num_frames)]

    def track(self, track_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Where track ``track_id`` is: ``(frames (L,), instance indices (L,))``, int64."""
        cols = np.flatnonzero(self.track_ids == track_id)
        if len(cols) == 0:
            raise ValueError(f"no track with id {track_id}; ids are {self.track_ids.tolist()}")
        col = self.assignment[:, cols[0]]
        frames = np.flatnonzero(col >= 0).astype(np.int64)
        return frames, col[frames]

    def filter_min_length(self, min_length: int) -> Tracks:
        """The tracks present in at least ``min_length`` frames, ids kept."""
        keep = self.lengths() >= min_length
        return Tracks(
            assignment=np.ascontiguousarray(self.assignment[:, keep]),
            track_ids=self.track_ids[keep],
            num_instances=self.num_instances,
        )


# --------------------------------------------------------------------------- input


def _to_numpy(x: Any) -> np.ndarray:
    """An array from a NumPy array, a (CPU or GPU) torch tensor or a nested list."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch.Tensor, without importing torch
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def _check_frame_keypoints(x: Any, where: str) -> np.ndarray:
    a = _to_numpy(x)
    if a.ndim == 1 and a.shape[0] == 0:  # an empty frame given as np.array([])
        return np.zeros((0, NUM_KEYPOINTS, 2))
    if a.ndim != 3 or a.shape[1] != NUM_KEYPOINTS or a.shape[2] not in (2, 3):
        raise ValueError(
            f"{where} must have shape (N, {NUM_KEYPOINTS}, 2) or (N, {NUM_KEYPOINTS}, 3) "
            f"(x, y[, visibility or score] in pixels, N >= 0 instances); got shape {a.shape}"
        )
    if a.dtype.kind not in "fiu":
        raise ValueError(f"{where} must hold numbers; got dtype {a.dtype}")
    return a


@dataclass(frozen=True)
class _Clip:
    """All instances of a clip, concatenated over frames (``S = sum_f N_f``)."""

    z: np.ndarray  # (S, 17) complex128: x + i*y, 0 at missing joints
    w: np.ndarray | None  # (S, 17) float64 joint validity (1/0); None when all valid
    diag: np.ndarray  # (S,) float64 box diagonal in pixels
    counts: np.ndarray  # (F,) int64 N_f
    offsets: np.ndarray  # (F + 1,) int64


def _stack_keypoints(
    keypoints: Sequence[Any], min_joint_score: float, name: str = "keypoints"
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """``(z (S,17) complex, valid (S,17) bool | None, xy (S,17,2), counts (F,))``."""
    if isinstance(keypoints, np.ndarray) and keypoints.ndim == 3:
        raise ValueError(
            f"{name} must be a sequence of per-frame arrays (N_f, {NUM_KEYPOINTS}, 2|3); got "
            f"one array of shape {keypoints.shape} (wrap a single frame in a list)"
        )
    frames = [_check_frame_keypoints(k, f"{name}[{f}]") for f, k in enumerate(keypoints)]
    counts = np.array([a.shape[0] for a in frames], dtype=np.int64)
    nonempty = [a for a in frames if a.shape[0]]
    if not nonempty:
        s = np.zeros((0, NUM_KEYPOINTS))
        return s.astype(np.complex128), None, np.zeros((0, NUM_KEYPOINTS, 2)), counts
    channels = {a.shape[2] for a in nonempty}
    if channels == {2, 3}:  # mixed: a frame without scores has all joints visible
        nonempty = [
            a if a.shape[2] == 3 else np.concatenate([a, np.ones_like(a[..., :1])], axis=2)
            for a in nonempty
        ]
    allk = np.concatenate(nonempty, axis=0).astype(np.float64, copy=False)
    xy = allk[..., :2]
    valid: np.ndarray | None = None
    if allk.shape[2] == 3:
        valid = allk[..., 2] > min_joint_score
        if valid.all():
            valid = None
    finite = np.isfinite(xy).all(axis=-1)
    if not (finite.all() if valid is None else finite[valid].all()):
        raise ValueError(f"{name} must have finite x, y at every valid joint")
    z = xy[..., 0] + 1j * xy[..., 1]
    if valid is not None:
        z[~valid] = 0.0
    return z, valid, xy, counts


def _prepare_clip(
    keypoints: Sequence[Any], boxes: Sequence[Any] | None, min_joint_score: float
) -> _Clip:
    z, valid, xy, counts = _stack_keypoints(keypoints, min_joint_score)
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    if boxes is not None:
        if len(boxes) != len(counts):
            raise ValueError(
                f"boxes must have one entry per frame like keypoints: got {len(boxes)} "
                f"frames of boxes for {len(counts)} frames of keypoints"
            )
        per_frame = []
        for f, b in enumerate(boxes):
            b = _to_numpy(b)
            if b.ndim == 1 and b.shape[0] == 0:
                b = np.zeros((0, 4))
            if b.ndim != 2 or b.shape[1] != 4 or b.dtype.kind not in "fiu":
                raise ValueError(
                    f"boxes[{f}] must be an (N, 4) array of x1, y1, x2, y2 in pixels; "
                    f"got shape {b.shape}, dtype {b.dtype}"
                )
            if b.shape[0] != counts[f]:
                raise ValueError(
                    f"boxes[{f}] has {b.shape[0]} boxes but keypoints[{f}] has "
                    f"{counts[f]} instances; they must match"
                )
            per_frame.append(b)
        allb = (
            np.concatenate(per_frame, axis=0).astype(np.float64, copy=False)
            if per_frame
            else np.zeros((0, 4))
        )
        if not np.isfinite(allb).all():
            raise ValueError("boxes must be finite")
        diag = np.hypot(allb[:, 2] - allb[:, 0], allb[:, 3] - allb[:, 1])
    else:  # the extent of the valid keypoints
        if valid is None:
            lo, hi = xy.min(axis=1), xy.max(axis=1)
        else:
            lo = np.where(valid[..., None], xy, _INF).min(axis=1)
            hi = np.where(valid[..., None], xy, -_INF).max(axis=1)
        ext = np.nan_to_num(hi - lo, nan=0.0, posinf=0.0, neginf=0.0)  # no valid joint: 0
        diag = np.hypot(ext[:, 0], ext[:, 1])
    w = None if valid is None else valid.astype(np.float64)
    return _Clip(z=z, w=w, diag=diag, counts=counts, offsets=offsets)


# --------------------------------------------------------------------------- cost


def _cost(zt: np.ndarray, zi: np.ndarray, wt: np.ndarray | None, wi: np.ndarray | None) -> np.ndarray:
    """Eq. 3 between ``zt (M, 17)`` and ``zi (N, 17)`` complex keypoints: ``(M, N)``.

    ``wt``/``wi`` are joint validities (1/0) or None (all valid).
    """
    d = np.abs(zi - zt[:, None])  # (M, N, 17) per-joint pixel distance
    if wt is None:
        return d.sum(axis=-1)
    w = wt[:, None] * wi  # (M, N, 17): valid in both
    count = w.sum(axis=-1)
    total = (d * w).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = total * (NUM_KEYPOINTS / count)
    cost[count == 0] = _INF
    return cost


def keypoint_distance_matrix(
    keypoints_a: Any, keypoints_b: Any, min_joint_score: float = 0.0
) -> np.ndarray:
    """Eq. 3's cost between every instance of ``a`` and every instance of ``b``.

    Args:
        keypoints_a: ``(M, 17, 2|3)`` keypoints (x, y[, visibility or score]), pixels.
        keypoints_b: ``(N, 17, 2|3)`` keypoints.
        min_joint_score: joints whose third channel is ``<= min_joint_score`` are
            missing.

    Returns:
        ``(M, N)`` float64, pixels: the summed per-joint Euclidean distance; with
        missing joints, ``17 *`` the mean distance over the joints valid in both
        (``inf`` when no joint is valid in both).
    """
    za, va, _, ca = _stack_keypoints([keypoints_a], min_joint_score, "keypoints_a")
    zb, vb, _, cb = _stack_keypoints([keypoints_b], min_joint_score, "keypoints_b")
    if ca[0] == 0 or cb[0] == 0:
        return np.zeros((int(ca[0]), int(cb[0])))
    if va is None and vb is None:
        return _cost(za, zb, None, None)
    wa = np.ones(za.shape) if va is None else va.astype(np.float64)
    wb = np.ones(zb.shape) if vb is None else vb.astype(np.float64)
    return _cost(za, zb, wa, wb)


# --------------------------------------------------------------------------- assignment


def _greedy(cost: np.ndarray) -> tuple[list[int], list[int]]:
    """Greedy one-to-one matching; ``(rows, cols)`` in the order they are picked."""
    m, n = cost.shape
    flat = cost.ravel()
    order = np.argsort(flat, kind="stable")
    k_max = min(m, n)
    rows: list[int] = []
    cols: list[int] = []
    used_r = [False] * m
    used_c = [False] * n
    for k, v in zip(order.tolist(), flat[order].tolist()):
        if not v < _INF:  # inf (gated) and nan sort last: nothing left to link
            break
        r, c = divmod(k, n)
        if used_r[r] or used_c[c]:
            continue
        used_r[r] = used_c[c] = True
        rows.append(r)
        cols.append(c)
        if len(rows) == k_max:
            break
    return rows, cols


def _hungarian(cost: np.ndarray) -> tuple[list[int], list[int]]:
    """Minimum-total-cost matching among finite entries; ``(rows, cols)``, rows ascending."""
    finite = np.isfinite(cost)
    if finite.all():
        r, c = linear_sum_assignment(cost)
        return r.tolist(), c.tolist()
    if not finite.any():
        return [], []
    # Forbidden pairs get a cost larger than any sum of min(M, N) allowed ones, so the
    # solver first maximises the number of allowed links, then minimises their cost.
    big = (float(cost[finite].max()) + 1.0) * (min(cost.shape) + 1)
    r, c = linear_sum_assignment(np.where(finite, cost, big))
    keep = finite[r, c]
    return r[keep].tolist(), c[keep].tolist()


def _check_cost(cost: Any) -> np.ndarray:
    c = np.asarray(cost, dtype=np.float64)
    if c.ndim != 2:
        raise ValueError(f"cost must be a 2-D (M, N) matrix; got shape {c.shape}")
    if np.isnan(c).any() or (c < 0).any():
        raise ValueError("cost must be >= 0 and not NaN (inf marks a forbidden pair)")
    return c


def greedy_assignment(cost: Any) -> tuple[np.ndarray, np.ndarray]:
    """The paper's greedy matching of a cost matrix.

    Repeatedly links the pair with the globally smallest remaining cost (ties: the
    smallest row-major index) and removes its row and column, until rows or columns
    run out or only ``inf`` (forbidden) entries remain.

    Args:
        cost: ``(M, N)`` non-negative costs; ``inf`` forbids a pair.

    Returns:
        ``(rows, cols)``, int64 arrays of equal length ``<= min(M, N)``, in pick order.
    """
    rows, cols = _greedy(_check_cost(cost))
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def hungarian_assignment(cost: Any) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-total-cost one-to-one matching (``scipy.optimize.linear_sum_assignment``).

    With forbidden (``inf``) pairs it links as many allowed pairs as possible and,
    among those matchings, minimises the total cost.

    Args:
        cost: ``(M, N)`` non-negative costs; ``inf`` forbids a pair.

    Returns:
        ``(rows, cols)``, int64 arrays of equal length ``<= min(M, N)``, rows ascending.
    """
    rows, cols = _hungarian(_check_cost(cost))
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


# --------------------------------------------------------------------------- tracker


def track_instances(
    keypoints: Sequence[Any],
    boxes: Sequence[Any] | None = None,
    method: Method = "greedy",
    gate: float | None = 1.0,
    max_gap: int | None = 3,
    min_joint_score: float = 0.0,
) -> Tracks:
    """Link the instances of a clip's frames into tracks with eq. 3's keypoint cost.

    Frames are processed in order. In each frame, the cost matrix between the live
    tracks (their last instance) and the frame's instances is computed at once; pairs
    failing the gate are forbidden; the pairs chosen by ``method`` are linked; every
    unmatched instance starts a new track; a track unmatched for more than
    ``max_gap`` consecutive frames ends.

    Args:
        keypoints: ``F`` per-frame arrays or tensors ``(N_f, 17, 2)`` or
            ``(N_f, 17, 3)``: x, y in pixels[, visibility or score]; ``N_f`` may be 0
            (an empty frame may also be given as an empty 1-D array).
        boxes: optional ``F`` per-frame arrays ``(N_f, 4)``, x1, y1, x2, y2 in pixels,
            used only for the gate; without them the gate uses the box spanned by
            the valid keypoints.
        method: ``"greedy"`` (the paper) or ``"hungarian"``.
        gate: a link needs ``cost / 17 < gate * diagonal`` of the track's last box;
            ``None`` disables it.
        max_gap: the most consecutive frames a track may miss and still be continued
            (``0``: adjacent frames only, as in the paper; ``None``: unlimited).
        min_joint_score: a joint whose third channel is ``<= min_joint_score`` is
            missing (see the module docstring for how the cost handles it).

    Returns:
        :class:`Tracks` with ``F`` rows; track ids ``0, 1, ...`` in order of birth.

    Raises:
        ValueError: keypoints not ``(N, 17, 2|3)``, boxes not matching the keypoints
            frame by frame, or a bad option (unknown method, gate <= 0, max_gap < 0).
    """
    config = TrackerConfig(method, gate, max_gap, min_joint_score)
    clip = _prepare_clip(keypoints, boxes, config.min_joint_score)
    num_frames = len(clip.counts)
    z, w = clip.z, clip.w
    match = _greedy if config.method == "greedy" else _hungarian
    # A link is allowed when cost < thr[last instance of the track].
    thr = None if config.gate is None else clip.diag * (NUM_KEYPOINTS * config.gate)
    oldest_gap = None if config.max_gap is None else config.max_gap + 1

    inst_track = np.empty(z.shape[0], dtype=np.int64)  # track id of every instance
    act_inst: list[int] = []  # live tracks: global index of their last instance,
    act_tid: list[int] = []  # their id,
    act_last: list[int] = []  # and the frame they were last seen in
    num_tracks = 0
    offsets = clip.offsets.tolist()
    for f in range(num_frames):
        a, b = offsets[f], offsets[f + 1]
        if oldest_gap is not None and act_last and min(act_last) < f - oldest_gap:
            keep = [i for i, last in enumerate(act_last) if last >= f - oldest_gap]
            act_inst = [act_inst[i] for i in keep]
            act_tid = [act_tid[i] for i in keep]
            act_last = [act_last[i] for i in keep]
        if a == b:
            continue
        n = b - a
        unmatched = range(n)
        if act_inst:
            idx = np.array(act_inst)
            if w is None:
                cost = np.abs(z[a:b] - z[idx][:, None]).sum(axis=-1)
            else:
                cost = _cost(z[idx], z[a:b], w[idx], w[a:b])
            if thr is not None:
                cost = np.where(cost < thr[idx][:, None], cost, _INF)
            rows, cols = match(cost)
            if rows:
                matched = [False] * n
                for r, c in zip(rows, cols):
                    g = a + c
                    inst_track[g] = act_tid[r]
                    act_inst[r] = g
                    act_last[r] = f
                    matched[c] = True
                unmatched = [c for c in range(n) if not matched[c]]
        for c in unmatched:  # births
            inst_track[a + c] = num_tracks
            act_inst.append(a + c)
            act_tid.append(num_tracks)
            act_last.append(f)
            num_tracks += 1

    assignment = np.full((num_frames, num_tracks), -1, dtype=np.int64)
    if z.shape[0]:
        frame_of = np.repeat(np.arange(num_frames), clip.counts)
        assignment[frame_of, inst_track] = np.arange(z.shape[0]) - clip.offsets[frame_of]
    return Tracks(
        assignment=assignment,
        track_ids=np.arange(num_tracks, dtype=np.int64),
        num_instances=clip.counts,
    )


# --------------------------------------------------------------------------- evaluation


def _iou_distance(gt_xywh: np.ndarray, pred_xywh: np.ndarray, max_distance: float) -> np.ndarray:
    """motmetrics' IoU distance ``1 - IoU``, ``nan`` where ``> max_distance``: ``(G, P)``."""
    import motmetrics as mm

    if len(gt_xywh) == 0 or len(pred_xywh) == 0:
        return np.empty((len(gt_xywh), len(pred_xywh)))
    try:
        return mm.distances.iou_matrix(gt_xywh, pred_xywh, max_iou=max_distance)
    except AttributeError:
        # motmetrics <= 1.4 calls np.asfarray, removed in NumPy 2.0; this is the same
        # computation through the IoU function iou_matrix itself uses.
        dist = 1.0 - mm.distances.boxiou(gt_xywh[:, None], pred_xywh[None, :])
        return np.where(dist > max_distance, np.nan, dist)


def _check_ids_boxes(ids: Any, boxes: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    i = _to_numpy(ids)
    b = _to_numpy(boxes)
    if i.ndim != 1 or (i.size and i.dtype.kind not in "iu"):
        raise ValueError(f"{where} ids must be a 1-D integer array (G_f,); got shape {i.shape}, dtype {i.dtype}")
    if b.ndim == 1 and b.shape[0] == 0:
        b = np.zeros((0, 4))
    if b.ndim != 2 or b.shape[1] != 4 or b.dtype.kind not in "fiu":
        raise ValueError(f"{where} boxes must be an (G_f, 4) x1, y1, x2, y2 array; got shape {b.shape}")
    if b.shape[0] != i.shape[0]:
        raise ValueError(f"{where} has {i.shape[0]} ids but {b.shape[0]} boxes; they must match")
    if len(np.unique(i)) != len(i):
        raise ValueError(f"{where} ids must be distinct within a frame; got {i.tolist()}")
    if not np.isfinite(b).all():
        raise ValueError(f"{where} boxes must be finite")
    b = b.astype(np.float64)
    xywh = np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1)
    return i.astype(np.int64), xywh


def evaluate_tracking(
    gt_ids: Sequence[Any],
    gt_boxes: Sequence[Any],
    pred_ids: Sequence[Any],
    pred_boxes: Sequence[Any],
    min_iou: float = 0.5,
) -> dict[str, float | int]:
    """CLEAR-MOT and identity metrics of predicted tracks against ground truth.

    Uses motmetrics (``MOTAccumulator``) with the IoU distance: a ground-truth box and
    a predicted box may be matched only when their IoU is ``>= min_iou`` (motmetrics'
    ``iou_matrix`` with ``max_iou = 1 - min_iou``; 0.5 by default).

    Args:
        gt_ids: ``F`` per-frame int arrays ``(G_f,)``, distinct within a frame.
        gt_boxes: ``F`` per-frame arrays ``(G_f, 4)``, x1, y1, x2, y2 in pixels.
        pred_ids: ``F`` per-frame int arrays ``(P_f,)`` (e.g. ``Tracks.per_frame_ids()``).
        pred_boxes: ``F`` per-frame arrays ``(P_f, 4)``, x1, y1, x2, y2 in pixels.
        min_iou: the least IoU of a match, in ``(0, 1]``.

    Returns:
        A dict of plain numbers: ``mota``, ``idf1``, ``idp``, ``idr``, ``precision``,
        ``recall`` (fractions; ``mota`` may be negative, ``nan`` without ground
        truth), ``mean_matched_iou`` (mean IoU of matched pairs, i.e. ``1 - motp`` in
        motmetrics' distance convention), and counts ``id_switches``,
        ``fragmentations``, ``num_frames``, ``num_gt``, ``num_predictions``,
        ``num_matches``, ``num_misses``, ``num_false_positives``, ``num_unique_gt``,
        ``mostly_tracked``, ``partially_tracked``, ``mostly_lost``.

    Raises:
        ValueError: sequences of different lengths, or a frame's ids and boxes not
            matching in count or shape.
        ImportError: motmetrics is not installed.
    """
    try:
        import motmetrics as mm
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("evaluate_tracking needs motmetrics: pip install motmetrics") from e
    lengths = {len(gt_ids), len(gt_boxes), len(pred_ids), len(pred_boxes)}
    if len(lengths) != 1:
        raise ValueError(
            "gt_ids, gt_boxes, pred_ids and pred_boxes must have one entry per frame; got "
            f"lengths {len(gt_ids)}, {len(gt_boxes)}, {len(pred_ids)}, {len(pred_boxes)}"
        )
    if not (isinstance(min_iou, (int, float)) and 0.0 < min_iou <= 1.0):
        raise ValueError(f"min_iou must be in (0, 1]; got {min_iou!r}")

    acc = mm.MOTAccumulator(auto_id=True)
    for f in range(len(gt_ids)):
        gi, gb = _check_ids_boxes(gt_ids[f], gt_boxes[f], f"ground truth frame {f}")
        pi, pb = _check_ids_boxes(pred_ids[f], pred_boxes[f], f"prediction frame {f}")
        acc.update(gi.tolist(), pi.tolist(), _iou_distance(gb, pb, 1.0 - min_iou))

    names = {
        "mota": "mota",
        "idf1": "idf1",
        "idp": "idp",
        "idr": "idr",
        "precision": "precision",
        "recall": "recall",
        "motp": "motp",
        "id_switches": "num_switches",
        "fragmentations": "num_fragmentations",
        "num_frames": "num_frames",
        "num_gt": "num_objects",
        "num_predictions": "num_predictions",
        "num_matches": "num_matches",
        "num_misses": "num_misses",
        "num_false_positives": "num_false_positives",
        "num_unique_gt": "num_unique_objects",
        "mostly_tracked": "mostly_tracked",
        "partially_tracked": "partially_tracked",
        "mostly_lost": "mostly_lost",
    }
    summary = mm.metrics.create().compute(acc, metrics=list(names.values()), name="clip")
    row = summary.iloc[0]
    out: dict[str, float | int] = {}
    for key, col in names.items():
        value = row[col]
        if key == "motp":
            out["mean_matched_iou"] = float(1.0 - value) if np.isfinite(value) else math.nan
        elif key in ("mota", "idf1", "idp", "idr", "precision", "recall"):
            out[key] = float(value)
        else:
            out[key] = int(value)
    return out
