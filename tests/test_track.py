"""Tests of hiar_lib.track: eq. 3's keypoint tracker and its motmetrics evaluation."""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import asdict

import numpy as np
import pytest

from hiar_lib.track import (
    Tracks,
    evaluate_tracking,
    greedy_assignment,
    hungarian_assignment,
    keypoint_distance_matrix,
    track_instances,
)
from hiar_lib.track_config import PAPER_CONFIG, TRACKER_NAMES, TrackerConfig, tracker_config
from hiar_lib.vocabulary import NUM_KEYPOINTS

ANGLES = np.linspace(0.0, 2.0 * np.pi, NUM_KEYPOINTS, endpoint=False)
UNIT = np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)  # (17, 2), sums to 0


def person(cx: float, cy: float, radius: float = 10.0) -> np.ndarray:
    """(17, 2) joints on a circle of ``radius`` px around the centre (cx, cy)."""
    return np.array([cx, cy]) + radius * UNIT


def frame(*people: np.ndarray) -> np.ndarray:
    """(N, 17, 2) keypoints of one frame."""
    if not people:
        return np.zeros((0, NUM_KEYPOINTS, 2))
    return np.stack(people)


def extent_boxes(kps: np.ndarray) -> np.ndarray:
    """(N, 4) xyxy boxes spanned by (N, 17, 2|3) keypoints."""
    if len(kps) == 0:
        return np.zeros((0, 4))
    return np.concatenate([kps[..., :2].min(1), kps[..., :2].max(1)], axis=1)


def track_of(tracks: Tracks, f: int, instance: int) -> int:
    return int(tracks.instance_track_ids(f)[instance])


# ---------------------------------------------------------------- eq. 3 cost


def test_cost_is_the_summed_per_joint_distance_of_eq3():
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 500, (3, NUM_KEYPOINTS, 2))
    b = rng.uniform(0, 500, (4, NUM_KEYPOINTS, 2))
    expected = np.array(
        [[sum(np.linalg.norm(a[m, j] - b[n, j]) for j in range(NUM_KEYPOINTS)) for n in range(4)] for m in range(3)]
    )
    np.testing.assert_allclose(keypoint_distance_matrix(a, b), expected, rtol=1e-12)
    # A visibility channel with every joint visible changes nothing.
    a3 = np.concatenate([a, np.ones((3, NUM_KEYPOINTS, 1))], axis=2)
    np.testing.assert_allclose(keypoint_distance_matrix(a3, b), expected, rtol=1e-12)


def test_cost_with_missing_joints_is_17_times_the_mean_over_joints_valid_in_both():
    rng = np.random.default_rng(1)
    a = np.concatenate([rng.uniform(0, 100, (1, NUM_KEYPOINTS, 2)), np.ones((1, NUM_KEYPOINTS, 1))], axis=2)
    b = np.concatenate([rng.uniform(0, 100, (1, NUM_KEYPOINTS, 2)), np.ones((1, NUM_KEYPOINTS, 1))], axis=2)
    a[0, :4, 2] = 0.0  # joints 0-3 not visible in a
    b[0, 10:, 2] = 0.0  # joints 10-16 not visible in b
    b[0, 12, :2] = np.nan  # a missing joint's coordinates do not matter
    d = np.linalg.norm(a[0, :, :2] - b[0, :, :2], axis=1)[4:10]
    assert keypoint_distance_matrix(a, b)[0, 0] == pytest.approx(NUM_KEYPOINTS * d.mean())


def test_cost_is_infinite_without_a_joint_valid_in_both():
    a = np.concatenate([frame(person(0, 0)), np.ones((1, NUM_KEYPOINTS, 1))], axis=2)
    b = a.copy()
    a[0, :8, 2] = 0.0
    b[0, 8:, 2] = 0.0
    assert keypoint_distance_matrix(a, b)[0, 0] == math.inf


def test_cost_without_a_common_joint_is_inf_without_numpy_warnings():
    a = np.concatenate([frame(person(0, 0), person(5, 0)), np.ones((2, NUM_KEYPOINTS, 1))], axis=2)
    b = a[:1].copy()
    a[0, :8, 2] = 0.0
    b[0, 8:, 2] = 0.0  # a[0] and b[0] share no valid joint; a[1] and b[0] share joints 0-7
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 / 0 must not leak out as a RuntimeWarning
        cost = keypoint_distance_matrix(a, b)
    d = np.linalg.norm(a[1, :8, :2] - b[0, :8, :2], axis=1)
    assert cost[0, 0] == math.inf
    assert cost[1, 0] == pytest.approx(NUM_KEYPOINTS * d.mean())


def test_min_joint_score_marks_low_score_joints_missing():
    a = np.concatenate([frame(person(0, 0)), np.full((1, NUM_KEYPOINTS, 1), 0.9)], axis=2)
    b = a.copy()
    b[0, 0, 0] += 1000.0
    b[0, 0, 2] = 0.2
    assert keypoint_distance_matrix(a, b)[0, 0] == pytest.approx(1000.0)
    assert keypoint_distance_matrix(a, b, min_joint_score=0.3)[0, 0] == pytest.approx(0.0)


def test_cost_with_an_empty_side_is_an_empty_matrix_of_that_shape():
    three = frame(person(0, 0), person(50, 0), person(100, 0))
    for a, b, shape in (
        (frame(), three, (0, 3)),
        (three[:2], frame(), (2, 0)),
        (frame(), np.zeros((0, NUM_KEYPOINTS, 3)), (0, 0)),
        (np.array([]), three, (0, 3)),
    ):
        cost = keypoint_distance_matrix(a, b)
        assert cost.shape == shape and cost.dtype == np.float64


def test_missing_joints_on_one_side_only_average_over_that_sides_valid_joints():
    rng = np.random.default_rng(2)
    a = np.concatenate([rng.uniform(100, 200, (1, NUM_KEYPOINTS, 2)), np.ones((1, NUM_KEYPOINTS, 1))], axis=2)
    a[0, :5, 2] = 0.0  # joints 0-4 missing in a
    b = rng.uniform(100, 200, (2, NUM_KEYPOINTS, 2))  # no visibility channel: all valid
    expected = np.array(
        [[NUM_KEYPOINTS * np.mean([np.linalg.norm(a[0, j, :2] - b[n, j]) for j in range(5, NUM_KEYPOINTS)]) for n in range(2)]]
    )
    np.testing.assert_allclose(keypoint_distance_matrix(a, b), expected, rtol=1e-12)
    np.testing.assert_allclose(keypoint_distance_matrix(b, a), expected.T, rtol=1e-12)


@pytest.mark.parametrize("bad_side", ["a", "b"])
def test_cost_errors_name_the_offending_argument(bad_side):
    good, bad = frame(person(0, 0)), np.zeros((1, 16, 2))
    a, b = (bad, good) if bad_side == "a" else (good, bad)
    with pytest.raises(ValueError, match=rf"^keypoints_{bad_side}\[0\] must have shape"):
        keypoint_distance_matrix(a, b)


# ---------------------------------------------------------------- assignment


def test_greedy_takes_the_global_minimum_first_and_hungarian_the_minimum_total():
    cost = np.array([[1.0, 2.0], [2.0, 5.0]])
    rows, cols = greedy_assignment(cost)
    assert list(zip(rows.tolist(), cols.tolist())) == [(0, 0), (1, 1)]  # total 6
    rows, cols = hungarian_assignment(cost)
    assert list(zip(rows.tolist(), cols.tolist())) == [(0, 1), (1, 0)]  # total 4


def test_assignment_skips_forbidden_pairs_and_handles_rectangular_matrices():
    inf = math.inf
    cost = np.array([[inf, 3.0, inf], [inf, 1.0, inf]])
    assert [p for p in zip(*map(np.ndarray.tolist, greedy_assignment(cost)))] == [(1, 1)]
    assert [p for p in zip(*map(np.ndarray.tolist, hungarian_assignment(cost)))] == [(1, 1)]
    # Hungarian links as many allowed pairs as possible before minimising their cost.
    cost = np.array([[1.0, 2.0], [inf, 50.0]])
    assert list(zip(*map(np.ndarray.tolist, hungarian_assignment(cost)))) == [(0, 0), (1, 1)]
    assert list(zip(*map(np.ndarray.tolist, greedy_assignment(cost)))) == [(0, 0), (1, 1)]
    for fn in (greedy_assignment, hungarian_assignment):
        rows, cols = fn(np.full((3, 0), 1.0))
        assert rows.shape == cols.shape == (0,)
        rows, cols = fn(np.full((2, 2), inf))
        assert len(rows) == 0


@pytest.mark.parametrize("fn", [greedy_assignment, hungarian_assignment])
def test_assignments_are_int64_index_arrays_even_when_nothing_is_linked(fn):
    inf = math.inf
    for cost, pairs in (
        (np.full((2, 2), inf), []),
        (np.zeros((0, 3)), []),
        (np.array([[inf, 3.0], [inf, inf]]), [(0, 1)]),
    ):
        rows, cols = fn(cost)
        assert rows.dtype == cols.dtype == np.int64
        assert list(zip(rows.tolist(), cols.tolist())) == pairs
        assert np.isfinite(cost[rows, cols]).all()  # usable as indices into the cost


@pytest.mark.parametrize("fn", [greedy_assignment, hungarian_assignment])
def test_half_precision_costs_with_forbidden_pairs_are_matched_in_double_precision(fn):
    # Large float16 costs: (max + 1) * 3 overflows float16, not float64.
    cost = np.array([[30000.0, math.inf], [math.inf, math.inf]], dtype=np.float16)
    rows, cols = fn(cost)
    assert list(zip(rows.tolist(), cols.tolist())) == [(0, 0)]


def reference_greedy(cost: np.ndarray) -> list[tuple[int, int]]:
    """The paper's greedy written plainly: take the global arg-min, drop its row and column."""
    c = cost.astype(float).copy()
    pairs = []
    for _ in range(min(c.shape)):
        k = int(np.argmin(c))  # first occurrence among ties: row-major order
        r, col = divmod(k, c.shape[1])
        if c[r, col] == math.inf:
            break
        pairs.append((r, col))
        c[r, :] = math.inf
        c[:, col] = math.inf
    return pairs


def test_greedy_and_hungarian_agree_with_plain_references_on_random_matrices():
    rng = np.random.default_rng(3)
    for _ in range(200):
        m, n = (int(v) for v in rng.integers(1, 6, size=2))
        cost = rng.integers(0, 6, size=(m, n)).astype(float)  # many ties
        cost[rng.random((m, n)) < 0.2] = math.inf
        rows, cols = greedy_assignment(cost)
        assert list(zip(rows.tolist(), cols.tolist())) == reference_greedy(cost)
        # Hungarian: the most allowed links, then the least total cost (brute force).
        rows, cols = hungarian_assignment(cost)
        best = (0, 0.0)
        small, large = (m, n) if m <= n else (n, m)
        for perm in itertools.permutations(range(large), small):
            pairs = list(zip(range(small), perm)) if m <= n else list(zip(perm, range(small)))
            vals = [cost[r, c] for r, c in pairs if cost[r, c] < math.inf]
            cand = (len(vals), -sum(vals))
            best = max(best, cand)
        assert (len(rows), -cost[rows, cols].sum()) == pytest.approx(best)
        assert np.isfinite(cost[rows, cols]).all()


def test_assignment_rejects_bad_costs():
    for fn in (greedy_assignment, hungarian_assignment):
        with pytest.raises(ValueError, match="2-D"):
            fn(np.ones(3))
        with pytest.raises(ValueError, match=r"^cost must be >= 0 and not NaN"):
            fn(np.array([[1.0, -1.0]]))
        with pytest.raises(ValueError, match="NaN"):
            fn(np.array([[1.0, np.nan]]))


# ---------------------------------------------------------------- tracker


def crossing_clip() -> tuple[list[np.ndarray], list[int]]:
    """A small person (radius 10) and a large one (radius 30) whose straight paths cross.

    Both centres are at (50, 50) in frame 5. Instance order is reversed on odd frames.
    Returns the keypoints and, per frame, the index of the small person.
    """
    kps, small_at = [], []
    for t in range(11):
        a = person(10.0 * t, 10.0 * t, radius=10.0)
        b = person(100.0 - 10.0 * t, 10.0 * t, radius=30.0)
        if t % 2:
            kps.append(frame(b, a))
            small_at.append(1)
        else:
            kps.append(frame(a, b))
            small_at.append(0)
    return kps, small_at


@pytest.mark.parametrize("method", ["greedy", "hungarian"])
def test_two_people_crossing_keep_their_identities(method):
    kps, small_at = crossing_clip()
    tracks = track_instances(kps, method=method)
    assert tracks.num_frames == 11 and tracks.num_tracks == 2
    assert (tracks.assignment >= 0).all()
    small = {track_of(tracks, f, small_at[f]) for f in range(11)}
    large = {track_of(tracks, f, 1 - small_at[f]) for f in range(11)}
    assert len(small) == 1 and len(large) == 1 and small != large
    # The same with boxes for the gate, and with torch tensors as input.
    torch = pytest.importorskip("torch")
    with_boxes = track_instances(
        [torch.from_numpy(k) for k in kps], [extent_boxes(k) for k in kps], method=method
    )
    np.testing.assert_array_equal(with_boxes.assignment, tracks.assignment)


@pytest.mark.parametrize("method", ["greedy", "hungarian"])
def test_crossing_is_tracked_perfectly_by_motmetrics(method):
    kps, small_at = crossing_clip()
    tracks = track_instances(kps, method=method)
    gt_ids = [np.array([0, 1]) if s == 0 else np.array([1, 0]) for s in small_at]
    boxes = [extent_boxes(k) for k in kps]
    m = evaluate_tracking(gt_ids, boxes, tracks.per_frame_ids(), boxes)
    assert m["mota"] == 1.0 and m["idf1"] == 1.0 and m["id_switches"] == 0


def test_greedy_and_hungarian_differ_where_greedy_is_suboptimal():
    # Frame 0: A at x=0, B at x=30. Frame 1: p at x=10, q at x=-20.
    # Per-joint costs: A-p 10, A-q 20, B-p 20, B-q 50. Greedy links A-p first (total
    # 60 per joint); Hungarian links A-q and B-p (total 40 per joint).
    kps = [frame(person(0, 0), person(30, 0)), frame(person(10, 0), person(-20, 0))]
    cost = keypoint_distance_matrix(kps[0], kps[1])
    np.testing.assert_allclose(cost, NUM_KEYPOINTS * np.array([[10.0, 20.0], [20.0, 50.0]]))
    greedy = track_instances(kps, method="greedy", gate=None)
    hungarian = track_instances(kps, method="hungarian", gate=None)
    assert greedy.num_tracks == hungarian.num_tracks == 2
    assert track_of(greedy, 1, 0) == track_of(greedy, 0, 0)  # A -> p
    assert track_of(greedy, 1, 1) == track_of(greedy, 0, 1)  # B -> q
    assert track_of(hungarian, 1, 1) == track_of(hungarian, 0, 0)  # A -> q
    assert track_of(hungarian, 1, 0) == track_of(hungarian, 0, 1)  # B -> p


def gap_clip() -> list[np.ndarray]:
    """Person A walks right over 10 frames and is not detected in frames 4 and 5;
    person B stands far away the whole time."""
    kps = []
    for t in range(10):
        a = person(5.0 * t, 0.0)
        b = person(1000.0, 1000.0)
        kps.append(frame(b) if t in (4, 5) else frame(a, b))
    return kps


@pytest.mark.parametrize("method", ["greedy", "hungarian"])
def test_a_track_survives_a_two_frame_gap_when_max_gap_allows(method):
    kps = gap_clip()
    tracks = track_instances(kps, method=method, max_gap=2)
    assert tracks.num_tracks == 2
    a = track_of(tracks, 0, 0)
    frames, instances = tracks.track(a)
    assert frames.tolist() == [0, 1, 2, 3, 6, 7, 8, 9]
    assert instances.tolist() == [0] * 8
    assert (tracks.assignment[[4, 5], a] == -1).all()
    assert tracks.lengths().tolist() == [8, 10]


@pytest.mark.parametrize("max_gap", [0, 1])
def test_a_gap_longer_than_max_gap_starts_a_new_track(max_gap):
    tracks = track_instances(gap_clip(), max_gap=max_gap)
    assert tracks.num_tracks == 3
    assert track_of(tracks, 6, 0) != track_of(tracks, 3, 0)
    assert track_of(tracks, 6, 0) == track_of(tracks, 9, 0) == 2
    assert tracks.track(0)[0].tolist() == [0, 1, 2, 3]
    assert tracks.track(1)[0].tolist() == list(range(10))  # B, never missing
    kept = tracks.filter_min_length(5)  # A's two 4-frame tracks go, B's stays
    assert kept.track_ids.tolist() == [1]
    assert kept.instance_track_ids(0).tolist() == [-1, 1]


def test_filter_min_length_keeps_tracks_of_exactly_that_length():
    tracks = track_instances(gap_clip(), max_gap=0)  # A: 4 + 4 frames, B: 10 frames
    lengths = tracks.lengths()
    assert lengths.dtype == np.int64
    assert lengths.tolist() == [4, 10, 4]
    assert tracks.filter_min_length(4).track_ids.tolist() == [0, 1, 2]
    assert tracks.filter_min_length(10).track_ids.tolist() == [1]
    assert tracks.filter_min_length(11).track_ids.tolist() == []


def test_instance_track_ids_give_every_instances_track_when_other_tracks_are_absent():
    # gap_clip with max_gap 0: track 0 = A in frames 0-3, 1 = B throughout, 2 = A in 6-9.
    # Frame f's instances are (A, B), or just B in frames 4 and 5.
    tracks = track_instances(gap_clip(), max_gap=0)
    want = [[0, 1]] * 4 + [[1]] * 2 + [[2, 1]] * 4
    assert [ids.tolist() for ids in tracks.per_frame_ids()] == want
    assert all(ids.dtype == np.int64 for ids in tracks.per_frame_ids())
    # Negative frame indices count from the end, down to -F.
    assert tracks.instance_track_ids(-1).tolist() == [2, 1]
    assert tracks.instance_track_ids(-10).tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"frame must be in \[0, 10\), or in \[-10, -1\] counting from the end; got -11"):
        tracks.instance_track_ids(-11)


def test_max_gap_none_never_ends_a_track():
    kps = [frame(person(0, 0))] + [frame()] * 50 + [frame(person(3, 0))]
    assert track_instances(kps, max_gap=None).num_tracks == 1
    assert track_instances(kps, max_gap=49).num_tracks == 2


def test_a_person_appearing_mid_clip_gets_a_new_track():
    kps = [frame(person(10.0 * t, 0.0)) for t in range(4)]
    kps += [frame(person(10.0 * t, 0.0), person(300.0, 300.0 + t)) for t in range(4, 8)]
    tracks = track_instances(kps)
    assert tracks.num_tracks == 2
    assert tracks.track_ids.tolist() == [0, 1]
    assert tracks.assignment[:, 0].tolist() == [0] * 8
    assert tracks.assignment[:, 1].tolist() == [-1] * 4 + [1] * 4
    assert tracks.instance_track_ids(5).tolist() == [0, 1]


def test_the_gate_starts_a_new_track_after_a_far_jump():
    kps = [frame(person(0, 0)), frame(person(2, 0)), frame(person(500, 0)), frame(person(502, 0))]
    assert track_instances(kps, gate=1.0).assignment.T.tolist() == [[0, 0, -1, -1], [-1, -1, 0, 0]]
    assert track_instances(kps, gate=None).num_tracks == 1


def test_the_gate_is_relative_to_the_tracks_last_box():
    # A jump of 60 px per joint: allowed with a 100 px box diagonal, not with 50 px.
    kps = [frame(person(0, 0)), frame(person(60, 0))]
    big = [np.array([[0.0, 0.0, 60.0, 80.0]])] * 2  # diagonal 100
    small = [np.array([[0.0, 0.0, 30.0, 40.0]])] * 2  # diagonal 50
    assert track_instances(kps, big, gate=1.0).num_tracks == 1
    assert track_instances(kps, small, gate=1.0).num_tracks == 2
    assert track_instances(kps, small, gate=1.25).num_tracks == 1


def test_empty_frames_and_an_empty_clip():
    tracks = track_instances([])
    assert tracks.assignment.shape == (0, 0) and tracks.num_tracks == 0
    tracks = track_instances([frame(), np.zeros((0, NUM_KEYPOINTS, 3)), np.array([])])
    assert tracks.assignment.shape == (3, 0)
    assert tracks.instance_track_ids(1).shape == (0,)
    kps = [frame(), frame(person(0, 0)), frame(), frame(person(1, 0))]
    tracks = track_instances(kps, boxes=[extent_boxes(k) for k in kps], max_gap=1)
    assert tracks.assignment.tolist() == [[-1], [0], [-1], [0]]
    assert tracks.num_instances.tolist() == [0, 1, 0, 1]


def test_frames_with_and_without_scores_can_be_mixed():
    with_scores = np.concatenate([frame(person(1, 0)), np.ones((1, NUM_KEYPOINTS, 1))], axis=2)
    tracks = track_instances([frame(person(0, 0)), with_scores, frame(person(2, 0))])
    assert tracks.num_tracks == 1


def test_paper_config_is_eq3_as_published_and_a_config_passes_its_options_through():
    # The paper: greedy global arg-min over adjacent frames only, no distance gate.
    assert (PAPER_CONFIG.method, PAPER_CONFIG.gate, PAPER_CONFIG.max_gap) == ("greedy", None, 0)
    kps, _ = crossing_clip()
    assert track_instances(kps, **asdict(PAPER_CONFIG)).num_tracks == 2
    # A two-frame gap: the paper's setting (max_gap 0) starts a new track, a config
    # allowing the gap keeps one; the options reach the tracker through asdict(config).
    assert track_instances(gap_clip(), **asdict(PAPER_CONFIG)).num_tracks == 3
    assert track_instances(gap_clip(), **asdict(TrackerConfig(method="hungarian", max_gap=2))).num_tracks == 2


def test_the_named_trackers_paper_links_a_far_jump_and_a_gap_ends_it_extended_does_neither():
    assert TRACKER_NAMES == ("paper", "extended") and tracker_config("paper") == PAPER_CONFIG
    far = [frame(person(0, 0)), frame(person(2, 0)), frame(person(500, 0)), frame(person(502, 0))]
    assert track_instances(far, **asdict(tracker_config("paper"))).num_tracks == 1  # no gate
    assert track_instances(far, **asdict(tracker_config("extended"))).num_tracks == 2
    assert track_instances(gap_clip(), **asdict(tracker_config("paper"))).num_tracks == 3  # no gap bridging
    assert track_instances(gap_clip(), **asdict(tracker_config("extended"))).num_tracks == 2
    with pytest.raises(ValueError, match="unknown tracker 'kalman': expected one of paper, extended"):
        tracker_config("kalman")


@pytest.mark.parametrize(
    "keypoints, match",
    [
        ([np.zeros((2, NUM_KEYPOINTS))], r"keypoints\[0\] must have shape \(N, 17, 2\)"),
        ([np.zeros((2, 16, 2))], r"got shape \(2, 16, 2\)"),
        ([frame(person(0, 0)), np.zeros((1, NUM_KEYPOINTS, 4))], r"keypoints\[1\]"),
        (np.zeros((2, NUM_KEYPOINTS, 2)), "sequence of per-frame arrays"),
        ([np.full((1, NUM_KEYPOINTS, 2), np.nan)], "finite"),
        ([np.zeros((1, NUM_KEYPOINTS, 2), dtype=bool)], "numbers"),
    ],
)
def test_bad_keypoints_raise_value_error(keypoints, match):
    with pytest.raises(ValueError, match=match):
        track_instances(keypoints)


def test_bad_boxes_raise_value_error():
    kps = [frame(person(0, 0)), frame(person(1, 0), person(50, 50))]
    with pytest.raises(ValueError, match="one entry per frame"):
        track_instances(kps, boxes=[np.zeros((1, 4))])
    with pytest.raises(ValueError, match=r"boxes\[1\] has 1 boxes but keypoints\[1\] has 2"):
        track_instances(kps, boxes=[np.zeros((1, 4)), np.zeros((1, 4))])
    with pytest.raises(ValueError, match=r"boxes\[0\] must be an \(N, 4\)"):
        track_instances(kps, boxes=[np.zeros((1, 5)), np.zeros((2, 4))])


def test_a_clip_of_no_frames_gives_no_tracks_with_or_without_boxes():
    for tracks in (track_instances([]), track_instances([], boxes=[])):
        assert tracks.assignment.shape == (0, 0) and tracks.num_frames == 0 and tracks.num_tracks == 0


def test_a_frame_without_people_may_give_its_boxes_as_an_empty_list():
    """An empty frame's boxes may come as ``[]`` (a 1-D empty array), as a detector's
    empty output often does: the same tracks as a ``(0, 4)`` array. One box given flat,
    ``(4,)``, is not taken for an empty frame: it is refused by its shape."""
    kps = [frame(person(0, 0)), frame(), frame(person(2, 0))]
    boxes = [extent_boxes(k) for k in kps]
    plain = track_instances(kps, boxes=boxes, max_gap=1)
    listed = track_instances(kps, boxes=[boxes[0], np.array([]), boxes[2]], max_gap=1)
    assert np.array_equal(listed.assignment, plain.assignment) and np.array_equal(listed.track_ids, plain.track_ids)
    assert listed.per_frame_ids()[1].size == 0 and plain.num_tracks == 1
    with pytest.raises(ValueError, match=r"boxes\[0\] must be an \(N, 4\) array of x1, y1, x2, y2 in pixels; got shape \(4,\)"):
        track_instances(kps, boxes=[boxes[0][0], np.array([]), boxes[2]])


@pytest.mark.parametrize(
    "options, match",
    [
        ({"method": "nearest"}, "method must be one of"),
        ({"gate": 0.0}, "gate"),
        ({"gate": -1.0}, "gate"),
        ({"max_gap": -1}, "max_gap"),
        ({"max_gap": 1.5}, "max_gap"),
        ({"min_joint_score": math.nan}, "min_joint_score"),
    ],
)
def test_bad_options_raise_value_error(options, match):
    with pytest.raises(ValueError, match=match):
        track_instances([frame(person(0, 0))], **options)


@pytest.mark.parametrize(
    ("assignment", "track_ids", "num_instances", "message"),
    [
        (np.zeros(2, dtype=np.int64), np.array([0]), np.array([1, 1]), r"^assignment must be an int64 array of shape \(F, T\)$"),
        (np.zeros((2, 1), dtype=np.int32), np.array([0]), np.array([1, 1]), r"^assignment must be an int64 array of shape \(F, T\)$"),
        ([[0], [0]], np.array([0]), np.array([1, 1]), r"^assignment must be an int64 array of shape \(F, T\)$"),
        (np.zeros((2, 1), dtype=np.int64), np.array([0, 1]), np.array([1, 1]), r"^track_ids must be an int64 array of shape \(1,\)$"),
        (np.zeros((2, 1), dtype=np.int64), np.array([0], dtype=np.int32), np.array([1, 1]), r"^track_ids must be an int64 array of shape \(1,\)$"),
        (np.zeros((2, 2), dtype=np.int64), np.array([4, 4]), np.array([1, 1]), r"^track_ids must be distinct$"),
        (np.zeros((2, 1), dtype=np.int64), np.array([0]), np.array([1]), r"^num_instances must be an int64 array of shape \(2,\)$"),
        (np.full((2, 1), -2, dtype=np.int64), np.array([0]), np.array([1, 1]), r"^assignment entries must be -1 or an instance index"),
        (np.ones((2, 1), dtype=np.int64), np.array([0]), np.array([2, 1]), r"^assignment entries must be -1 or an instance index"),
    ],
)
def test_tracks_refuses_each_malformed_field_by_name(assignment, track_ids, num_instances, message):
    """Each field's check on its own: a 1-D, int32 or list assignment; track ids of the
    wrong length, dtype or repeated; instance counts of the wrong length; an entry below -1,
    or one equal to its frame's instance count (indices run from 0)."""
    with pytest.raises(ValueError, match=message):
        Tracks(assignment, track_ids, num_instances)
    Tracks(np.zeros((2, 1), dtype=np.int64), np.array([0]), np.array([1, 1]))  # the well-formed one


def test_tracks_checks_its_fields_and_frame_index():
    with pytest.raises(ValueError, match="assignment"):
        Tracks(np.zeros((2, 1), dtype=np.int64) + 3, np.array([0]), np.array([1, 1]))
    tracks = track_instances([frame(person(0, 0))])
    with pytest.raises(ValueError, match="frame must be in"):
        tracks.instance_track_ids(1)
    with pytest.raises(ValueError, match="no track with id 7"):
        tracks.track(7)


# ---------------------------------------------------------------- evaluation


def two_people_gt(num_frames: int = 10) -> tuple[list[np.ndarray], list[np.ndarray]]:
    ids = [np.array([1, 2]) for _ in range(num_frames)]
    boxes = [np.array([[10.0 * t, 0, 10.0 * t + 50, 100], [300.0, 10.0 * t, 350, 10.0 * t + 100]])
             for t in range(num_frames)]
    return ids, boxes


def test_evaluate_perfect_prediction():
    gt_ids, gt_boxes = two_people_gt()
    pred_ids = [np.array([7, 3]) for _ in gt_ids]  # any labels, consistently used
    m = evaluate_tracking(gt_ids, gt_boxes, pred_ids, [b + 1.0 for b in gt_boxes])
    assert m["mota"] == 1.0 and m["idf1"] == 1.0 and m["id_switches"] == 0
    assert m["num_frames"] == 10 and m["num_gt"] == 20 and m["num_matches"] == 20
    assert m["num_misses"] == 0 and m["num_false_positives"] == 0
    assert 0.9 < m["mean_matched_iou"] < 1.0


def test_evaluate_swapped_ids_midway_counts_switches():
    gt_ids, gt_boxes = two_people_gt()
    pred_ids = [np.array([7, 3]) if t < 5 else np.array([3, 7]) for t in range(10)]
    m = evaluate_tracking(gt_ids, gt_boxes, pred_ids, gt_boxes)
    assert m["id_switches"] > 0
    assert m["idf1"] < 1.0
    assert m["mota"] < 1.0


def test_evaluate_misses_false_positives_and_empty_frames():
    gt_ids, gt_boxes = two_people_gt(4)
    pred_ids = [np.array([5]), np.array([], dtype=np.int64), np.array([5, 9]), np.array([5, 6])]
    far = np.array([[1000.0, 1000, 1050, 1100]])
    pred_boxes = [gt_boxes[0][:1], np.zeros((0, 4)), np.concatenate([gt_boxes[2][:1], far]), gt_boxes[3]]
    m = evaluate_tracking(gt_ids, gt_boxes, pred_ids, pred_boxes)
    assert m["num_matches"] == 4 and m["num_misses"] == 4 and m["num_false_positives"] == 1
    assert m["mota"] == pytest.approx(1.0 - (4 + 1 + m["id_switches"]) / 8)


def test_evaluate_iou_threshold():
    gt_ids = [np.array([1])]
    gt_boxes = [np.array([[0.0, 0.0, 10.0, 10.0]])]
    pred = [np.array([[0.0, 0.0, 10.0, 6.0]])]  # IoU 0.6
    assert evaluate_tracking(gt_ids, gt_boxes, gt_ids, pred)["num_matches"] == 1
    assert evaluate_tracking(gt_ids, gt_boxes, gt_ids, pred, min_iou=0.7)["num_matches"] == 0


def test_evaluate_rejects_bad_input():
    gt_ids, gt_boxes = two_people_gt(3)
    with pytest.raises(ValueError, match="^gt_ids, gt_boxes, pred_ids and pred_boxes must have one entry per frame"):
        evaluate_tracking(gt_ids, gt_boxes, gt_ids[:2], gt_boxes[:2])
    with pytest.raises(ValueError, match="2 ids but 1 boxes"):
        evaluate_tracking(gt_ids, gt_boxes, gt_ids, [b[:1] for b in gt_boxes])
    with pytest.raises(ValueError, match="distinct"):
        evaluate_tracking(gt_ids, gt_boxes, [np.array([4, 4])] * 3, gt_boxes)
    with pytest.raises(ValueError, match=r"\(G_f, 4\)"):
        evaluate_tracking(gt_ids, [b[:, :3] for b in gt_boxes], gt_ids, gt_boxes)
    with pytest.raises(ValueError, match="min_iou"):
        evaluate_tracking(gt_ids, gt_boxes, gt_ids, gt_boxes, min_iou=0.0)


def test_evaluate_matches_a_pair_whose_iou_equals_min_iou_exactly():
    gt_ids = [np.array([1])]
    gt_boxes = [np.array([[0.0, 0.0, 10.0, 10.0]])]
    half = [np.array([[0.0, 0.0, 10.0, 20.0]])]  # intersection 100, union 200: IoU exactly 0.5
    m = evaluate_tracking(gt_ids, gt_boxes, [np.array([4])], half, min_iou=0.5)
    assert m["num_matches"] == 1 and m["mean_matched_iou"] == pytest.approx(0.5)
    assert evaluate_tracking(gt_ids, gt_boxes, [np.array([4])], half, min_iou=0.51)["num_matches"] == 0
    # min_iou = 1 (allowed) still matches an identical box.
    assert evaluate_tracking(gt_ids, gt_boxes, gt_ids, gt_boxes, min_iou=1.0)["num_matches"] == 1


def test_evaluate_accepts_empty_frames_given_as_empty_1d_arrays():
    gt_ids = [np.array([1]), np.array([]), np.array([1])]
    gt_boxes = [np.array([[0.0, 0.0, 10.0, 10.0]]), np.array([]), np.array([[1.0, 0.0, 11.0, 10.0]])]
    pred_ids = [np.array([3]), np.array([3]), np.array([])]
    pred_boxes = [gt_boxes[0], np.array([[50.0, 50.0, 60.0, 60.0]]), np.array([])]
    m = evaluate_tracking(gt_ids, gt_boxes, pred_ids, pred_boxes)
    assert (m["num_frames"], m["num_gt"], m["num_predictions"]) == (3, 2, 2)
    assert (m["num_matches"], m["num_misses"], m["num_false_positives"]) == (1, 1, 1)


def test_evaluate_rejects_non_integer_or_2d_ids_and_flat_boxes():
    boxes = [np.array([[0.0, 0.0, 10.0, 10.0], [20.0, 0.0, 30.0, 10.0]])]
    ids_msg = r"^ground truth frame 0 ids must be a 1-D integer array"
    with pytest.raises(ValueError, match=ids_msg):
        evaluate_tracking([np.array([1.5, 2.0])], boxes, [np.array([1, 2])], boxes)
    with pytest.raises(ValueError, match=ids_msg):
        evaluate_tracking([np.array([[1, 2]])], boxes, [np.array([1, 2])], boxes)
    with pytest.raises(ValueError, match=r"^prediction frame 0 boxes must be an \(G_f, 4\)"):
        evaluate_tracking([np.array([1])], [boxes[0][:1]], [np.array([1])], [np.array([0.0, 0.0, 10.0, 10.0])])
    with pytest.raises(ValueError, match=r"^ground truth frame 0 boxes must be finite"):
        evaluate_tracking([np.array([1])], [np.array([[0.0, 0.0, np.inf, 10.0]])], [np.array([1])], [boxes[0][:1]])


@pytest.mark.parametrize("min_iou", [1.5, 2.0, -0.1])
def test_evaluate_refuses_min_iou_outside_0_to_1(min_iou):
    gt_ids, gt_boxes = two_people_gt(2)
    with pytest.raises(ValueError, match="min_iou must be in"):
        evaluate_tracking(gt_ids, gt_boxes, gt_ids, gt_boxes, min_iou=min_iou)


def test_evaluate_returns_every_documented_metric_with_hand_computed_values():
    # One person in 4 frames. The prediction finds it as id 7 in frames 0, 2 and 3 and
    # misses it in frame 1; ids 9 (frame 0) and 8 (frame 3) are far-away false positives.
    person_box, far = np.array([[0.0, 0, 50, 100]]), np.array([[500.0, 500, 550, 600]])
    pred_ids = [np.array([7, 9]), np.array([], dtype=np.int64), np.array([7]), np.array([7, 8])]
    pred_boxes = [np.concatenate([person_box, far]), np.zeros((0, 4)), person_box, np.concatenate([person_box, far])]
    m = evaluate_tracking([np.array([1])] * 4, [person_box] * 4, pred_ids, pred_boxes)
    # TP 3, FN 1, FP 2 of 4 ground-truth and 5 predicted boxes; the identity matching
    # pairs 1 with 7 (IDTP 3, IDFN 1, IDFP 2). Tracked 3 of 4 frames: partially tracked;
    # tracked -> missed -> tracked is one fragmentation.
    want = {
        "mota": 1 - (1 + 2 + 0) / 4,
        "idf1": 2 * 3 / (4 + 5),
        "idp": 3 / 5,
        "idr": 3 / 4,
        "precision": 3 / 5,
        "recall": 3 / 4,
        "mean_matched_iou": 1.0,
        "id_switches": 0,
        "fragmentations": 1,
        "num_frames": 4,
        "num_gt": 4,
        "num_predictions": 5,
        "num_matches": 3,
        "num_misses": 1,
        "num_false_positives": 2,
        "num_unique_gt": 1,
        "mostly_tracked": 0,
        "partially_tracked": 1,
        "mostly_lost": 0,
    }
    assert set(m) == set(want)
    for key, value in want.items():
        assert m[key] == pytest.approx(value), key
        assert isinstance(m[key], float if isinstance(value, float) else int), key


@pytest.mark.parametrize("name", TRACKER_NAMES)
def test_the_tracker_is_causal_a_prefix_of_the_frames_gets_the_same_tracks(name):
    """``hiar demo`` tracks the frames seen so far at each window and relies on this: the
    tracks of the first frames never change when later frames are added."""
    rng = np.random.default_rng(7)
    frames, centres = [], rng.uniform(30, 170, size=(5, 2))
    for _ in range(40):
        centres = centres + rng.normal(0, 4, size=centres.shape)
        present = rng.random(len(centres)) > 0.25  # people vanish and come back,
        present[0] &= not 10 <= len(frames) < 17  # one for longer than any tracker bridges
        frames.append(frame(*[person(x, y) for (x, y), p in zip(centres, present) if p]))
    kw = asdict(tracker_config(name))
    whole = track_instances(frames, **kw)
    assert whole.num_tracks > len(centres)  # gaps long enough to end some tracks: a real test of continuation
    for n in (1, 7, 20, 39):
        part = track_instances(frames[:n], **kw)
        assert np.array_equal(part.track_ids, whole.track_ids[: part.num_tracks])
        assert np.array_equal(part.assignment, whole.assignment[:n, : part.num_tracks])
        assert (whole.assignment[:n, part.num_tracks :] == -1).all()  # later tracks are born later


def test_evaluate_tracking_without_motmetrics_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """motmetrics is an optional dependency: without it (``None`` in ``sys.modules`` makes
    its import fail as a missing package does), the error names the package to install."""
    import sys

    gt_ids, gt_boxes = two_people_gt(2)
    monkeypatch.setitem(sys.modules, "motmetrics", None)
    with pytest.raises(ImportError, match=r"^evaluate_tracking needs motmetrics: pip install motmetrics$"):
        evaluate_tracking(gt_ids, gt_boxes, gt_ids, gt_boxes)
