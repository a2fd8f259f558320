"""Do the paper's claims hold? Each ablation claim as a paired comparison over seeds.

A claim says that one head (the *claimed* arm) beats another (the *baseline*), or, for
the "keeps accuracy" claims, that it loses no more than :data:`KEEP_MARGIN` points.
Both arms are trained on the same feature cache with the same seeds (:func:`head_runs`,
cached per head and seed: a rerun trains nothing, a stopped run resumes at the head it
stopped in), so each seed gives one paired difference of top-1 accuracy, claimed minus
baseline, in points.

**The verdict rule** (:func:`verdict`): over the ``n`` seeds, the mean difference and a
95 % Student t interval with ``n - 1`` degrees of freedom (honest at small ``n``). With
margin ``m`` (0 for "beats", :data:`KEEP_MARGIN` for "keeps"):

- **holds** when the whole interval lies above ``-m`` (for "beats": above zero);
- **reversed** when the whole interval lies below ``-m`` (the baseline wins);
- **inconclusive** otherwise. Such a claim gets one more seed at a time, up to the
  profile's :attr:`~hiar_lib.profiles.Profile.claim_seeds` most.

Every claim is tested at 95 % on its own: with ``k`` claims, about ``0.05 k`` of the
"holds" or "reversed" verdicts may come from chance alone (the record says ``k``).

The paper's own difference for each claim (from its printed numbers, :mod:`paper_tables`)
stands beside ours, never in our columns. On the synthetic benchmark the N-UCLA claim is
an analogue (the cross-subject head standing for the NTU RGB+D one), said in its line.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hiar_lib.errors import HiarError
from hiar_lib.experiments.suite import SuiteParams

__all__ = [
    "CLAIMS", "KEEP_MARGIN", "SMALLER_BENCHMARK", "VERDICTS", "Arm", "Claim", "ClaimsResult", "arm_accuracies", "claim_params", "final_losses", "paired_difference", "run_claims", "seed_spread",
    "TRADE_OFF_HEADS", "trade_off", "trade_off_rows", "verdict",
]  # fmt: skip

KEEP_MARGIN = 2.0
"""Points of top-1 a head may lose and still "keep accuracy" (the paper's TAHNet-v4
loses 1.1 points to TAHNet-v1 on NTU RGB+D cross-subject while calling it kept)."""

VERDICTS = ("holds", "reversed", "inconclusive")
"""What :func:`verdict` answers."""

SMALLER_BENCHMARK = {"synthetic-full": "quick"}
"""Per profile, the profile whose benchmark plays the smaller dataset of the pretraining
claim without a leak (N-UCLA to the profile's NTU RGB+D): ``synthetic-full``'s 648 clips
of 20 performers before ``quick``'s 216 clips of 10 other performers (the same classes,
frames, extraction and head widths, so a head of one starts a head of the other). A
profile not listed is its own (at ``smoke`` the claim then repeats the leaky analogue)."""


@dataclass(frozen=True)
class Arm:
    """One side of a claim: a paper table's row, trained on a protocol.

    Attributes:
        table: the paper's table whose row this is (its measured spec,
            :func:`~hiar_lib.experiments.tables.table_spec`).
        row_ref: the row: its number in that table, or a TAHNet preset's name
            (``"tahnet_v4"``: its row at T = 8, in Tables 1 and 2).
        protocol: the synthetic benchmark's protocol it is trained and tested on.
        instances: ``"detected"`` (the method) or ``"ground_truth"`` (the oracle).
        start: ``"table"``: as its table trains it (on the N-UCLA analogues fine-tuned
            from the same row's cross-subject head); ``"scratch"``: from scratch, with the
            profile's full schedule; ``"larger"``: fine-tuned from the same row's
            cross-subject head on the run's own benchmark (with ``benchmark="smaller"``).
        benchmark: ``"own"``: the run's profile's benchmark; ``"smaller"``: that of
            :data:`SMALLER_BENCHMARK`, trained with that profile's schedule.
    """

    table: int
    row_ref: int | str
    protocol: str = "cs"
    instances: str = "detected"
    start: str = "table"
    benchmark: str = "own"

    def params(self, params: SuiteParams) -> SuiteParams:
        """The run's parameters for this arm: its protocol, and its benchmark's profile."""
        profile = SMALLER_BENCHMARK.get(params.profile, params.profile) if self.benchmark == "smaller" else params.profile
        return replace(params, protocol=self.protocol, profile=profile)

    def row(self) -> Any:
        """The :class:`~hiar_lib.experiments.tables.TableRow` this arm trains."""
        from hiar_lib.experiments.tables import table_spec

        rows = table_spec(self.table, self.protocol).rows
        if isinstance(self.row_ref, str):
            found = [r for r in rows if r.head == self.row_ref and r.clip.get("clip_len", 8) == 8]
        else:
            found = [r for r in rows if r.paper_row == self.row_ref]
        if not found:
            raise HiarError(f"table {self.table} has no row {self.row_ref!r}")
        return replace(found[0], instances=self.instances)

    def label(self) -> str:
        """``Table N <row name>``, with ``[ground-truth instances]`` or ``[from scratch]``."""
        extra = [] if self.instances == "detected" else ["ground-truth instances"]
        extra += [{"table": "", "scratch": "from scratch", "larger": "from the larger benchmark's cross-subject head"}[self.start]]
        extra += ["on the smaller benchmark"] if self.benchmark == "smaller" else []
        extra = [e for e in extra if e]
        return f"Table {self.table} {self.row().name}" + (f" [{', '.join(extra)}]" if extra else "")


@dataclass(frozen=True)
class Claim:
    """A claim of the paper (or, for the oracle, of ours) as a paired comparison.

    Attributes:
        key: a short name (``"t3_outermost_beats_basic"``).
        statement: the claim in words.
        claimed: the arm claimed better (or not worse).
        baseline: the arm it is compared with.
        margin: points: 0 for "beats", :data:`KEEP_MARGIN` for "keeps accuracy".
        paper_claim: whether the paper makes it (the oracle claim is ours: what the
            instance stage costs).
        here: what about the synthetic benchmark and the heads trained on it differs
            from the paper's setting in a way this claim may feel, written before any
            verdict (the results page shows it beside each verdict).
    """

    key: str
    statement: str
    claimed: Arm
    baseline: Arm
    margin: float = 0.0
    paper_claim: bool = True
    here: str = ""

    def paper_difference(self) -> float | None:
        """The paper's printed claimed-minus-baseline (points), where it printed both."""
        from hiar_lib.experiments.tables import paper_number

        if not self.paper_claim or self.claimed.instances != "detected" or self.claimed.start != self.baseline.start:
            return None
        a = paper_number(self.claimed.table, self.claimed.protocol, self.claimed.row().paper_row)
        b = paper_number(self.baseline.table, self.baseline.protocol, self.baseline.row().paper_row)
        return None if a is None or b is None else a - b


_SMALL = ("people here are about 61 px tall (median over synthetic-full's annotations) in 192 x 144 frames, "
          "about 15 P2 cells and 2 P5 cells, and a hand a cell or two of P2")
_WIDTHS = ("the heads are trained at quick's widths (every convolution width / 32, every FC width / 16) for 1,200 "
           "iterations on 324 videos, not at the paper's widths on NTU RGB+D's 40,000")

CLAIMS: tuple[Claim, ...] = (
    Claim("t3_outermost_beats_basic", "Table 3: the outermost action region beats the basic one (TAHNet-v1)",
          Arm(3, 2), Arm(3, 1),
          here="The displacement classes here (jump up, sitting down, falling, walking towards or apart) move the whole "
               "body, which the outermost region keeps in view; nothing about the benchmark is expected to turn this "
               "claim, only the size of the gain."),
    Claim("t4_conv3d_beats_conv2d", "Table 4: Conv3D beats Conv2D at equal depth (x2, 14 x 14)", Arm(4, 4), Arm(4, 3),
          here=f"Architecture comparisons depend on capacity and training: {_WIDTHS}."),
    Claim("t4_deeper_conv3d_helps", "Table 4: a deeper Conv3D stack helps (x3 over x1)", Arm(4, 7), Arm(4, 5),
          here=f"A deeper stack needs more training to pay off: {_WIDTHS}."),
    Claim("t4_14x14_beats_7x7", "Table 4: 14 x 14 action regions beat 7 x 7 (Conv2Dx2+FCx2)", Arm(4, 3), Arm(4, 2),
          here=f"A 14 x 14 region samples the same few feature cells more finely than 7 x 7: {_SMALL}."),
    Claim("t5_gap_fc_beats_fc2", "Table 5: GAP + FC beats FC x2 after Conv3Dx3", Arm(5, 2), Arm(5, 1),
          here=f"Two FC layers overfit less at small widths than at the paper's: {_WIDTHS}."),
    Claim("t5_cb_keeps_accuracy", "Table 5: the CB keeps accuracy at a fraction of the GFLOPs (CB+Conv3Dx5, TAHNet-v1, "
          "against Conv3Dx5 at DIM 1024; the CB row over P2-P5, as the paper's Table 5 says, the other over the "
          "default P2+P3, the paper naming no levels for it)",
          Arm(5, 9), Arm(5, 5), margin=KEEP_MARGIN,
          here=f"The two arms differ in their levels as well as in the CB, and the CB's bottleneck is narrowest at "
               f"small widths: {_WIDTHS}."),
    Claim("t6_p2p3_beats_p2_to_p5", "Table 6: P2+P3 beats all four levels (coarse levels lose fine motion; CB+Conv3Dx5)",
          Arm(6, 6), Arm(6, 2),
          here=f"The paper's reason, fine hand motion lost in coarse levels, needs people large enough for P2 and P3 to "
               f"resolve hands: {_SMALL}; here P4 and P5 still resolve a body into a few cells and may add to what "
               f"P2 and P3 give. Four of the 12 classes are two pairs that differ only in a hand's motion (clapping "
               f"or rubbing the hands, waving or touching the head)."),
    Claim("t6_p2p3_beats_p2_to_p4", "Table 6: P2+P3 beats P2-P4 (CB+Conv3Dx5)", Arm(6, 6), Arm(6, 4),
          here=f"As for P2-P5: {_SMALL}."),
    Claim("t6_p2p3_beats_p2", "Table 6: P2+P3 beats P2 alone (CB+Conv3Dx5)", Arm(6, 6), Arm(6, 8),
          here=f"P3 adds context around a small person: {_SMALL}."),
    Claim("t7_v4_keeps_accuracy", "Table 7: TAHNet-v4 keeps TAHNet-v1's accuracy at about 1/27 of its GFLOPs (T = 8)",
          Arm(1, "tahnet_v4"), Arm(1, "tahnet_v1"), margin=KEEP_MARGIN,
          here=f"TAHNet-v4 pools 28 x 28 regions, finer than small people need ({_SMALL}), and both heads are shrunk by "
               f"the same rule: {_WIDTHS}."),
    Claim("t2_pretraining_helps", "Table 2 (analogue): starting from the cross-subject head beats training from scratch "
          "on V(1,2)->3 (TAHNet-v2, T = 8; the paper's N-UCLA heads start from its NTU RGB+D ones)",
          Arm(2, "tahnet_v2", "v12_3"), Arm(2, "tahnet_v2", "v12_3", start="scratch"),
          here="The start is not another, larger dataset but the same benchmark's cross-subject head, and that head "
               "trained on every view of its training subjects: on the view-3 videos of those subjects, half of "
               "V(1,2)->3's test videos (108 of 216 at synthetic-full), with their labels. A gain here can come from "
               "having seen test videos, not from pretraining (a start without that leak would be a head trained on "
               "another benchmark, such "
               "as the detector's own, whose 40 performers are none of these). The fine-tuned head then trains 300 "
               "iterations against 1,200 from scratch."),
    Claim("t2_pretraining_on_a_larger_benchmark_helps", "Table 2 (analogue without the leak): on V(1,2)->3 of a smaller "
          "benchmark with other performers, starting from the larger benchmark's cross-subject head beats training from "
          "scratch (TAHNet-v2, T = 8; synthetic-full's 648 clips of 20 performers before quick's 216 of 10 others)",
          Arm(2, "tahnet_v2", "v12_3", start="larger", benchmark="smaller"),
          Arm(2, "tahnet_v2", "v12_3", start="scratch", benchmark="smaller"),
          here="The two benchmarks share the classes, the renderer, the views and the detector, so the larger one is "
               "more of the same world rather than another dataset, as NTU RGB+D is to N-UCLA; the fine-tuned head "
               "trains quick's 100 fine-tuning iterations against quick's 400 from scratch."),
    Claim("oracle_ground_truth_beats_detected", "Oracle (ours): ground-truth instances beat detected and tracked ones "
          "(TAHNet-v1, T = 8): what the instance stage costs", Arm(1, "tahnet_v1", instances="ground_truth"),
          Arm(1, "tahnet_v1"),
          paper_claim=False,
          here="Our detector is trained on synthetic people only (quick's: box AP 0.74, IDF1 0.84 after the tracker); "
               "detected tracks also cover distractors, which ground truth labels, so the oracle's tested track is "
               "more often an actor's."),
)  # fmt: skip
"""Every claim :func:`run_claims` measures."""


def claim_params(
    profile: str | None = None,
    seeds: Sequence[int] | None = None,
    device: str = "cpu",
    cache_dir: str | os.PathLike | None = None,
    results_dir: str | os.PathLike | None = None,
    weights: str | os.PathLike | None = None,
) -> SuiteParams:
    """The claims notebook's parameters: the synthetic benchmark, ``profile`` (default
    ``$HIAR_PROFILE``, else ``synthetic-full``), ``seeds`` (default the profile's first
    :attr:`~hiar_lib.profiles.Profile.claim_seeds`: 0, 1, 2 at ``synthetic-full``).

    Raises:
        HiarError: what :func:`~hiar_lib.experiments.suite.suite_params` refuses, or
            fewer than two seeds (an interval needs two).
    """
    from hiar_lib.experiments.suite import suite_params
    from hiar_lib.profiles import PROFILE_NAMES, get_profile

    profile = profile or os.environ.get("HIAR_PROFILE") or "synthetic-full"
    if profile not in PROFILE_NAMES:
        raise HiarError(f"profile {profile!r} is not one of {', '.join(PROFILE_NAMES)}")
    seeds = list(range(get_profile(profile).claim_seeds[0])) if seeds is None else list(seeds)
    if len(set(seeds)) < 2:
        raise HiarError(f"seeds {seeds}: a claim's interval needs at least two seeds")
    return suite_params(profile, "synthetic", None, "cs", seeds, device, cache_dir, results_dir, weights)


def paired_difference(claimed: Sequence[float], baseline: Sequence[float], confidence: float = 0.95) -> dict[str, Any]:
    """The paired difference ``claimed - baseline`` over seeds.

    Args:
        claimed, baseline: per seed, the same order, top-1 in points (percent).

    Returns:
        ``{"n", "differences", "mean", "std", "ci_low", "ci_high"}``: ``std`` the sample
        standard deviation (``n - 1``), the interval ``mean -+ t * std / sqrt(n)`` with
        Student t's two-sided ``confidence`` quantile at ``n - 1`` degrees of freedom
        (``nan`` std and an unbounded interval at ``n = 1``).
    """
    from scipy import stats

    a, b = np.asarray(claimed, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"claimed and baseline must be equal-length, non-empty sequences, got {a.shape} and {b.shape}")
    d = a - b
    n, mean = int(d.size), float(d.mean())
    if n < 2:
        return {"n": n, "differences": d.tolist(), "mean": mean, "std": math.nan, "ci_low": -math.inf, "ci_high": math.inf}
    std = float(d.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
    return {"n": n, "differences": d.tolist(), "mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half}


def verdict(ci_low: float, ci_high: float, margin: float = 0.0) -> str:
    """``holds`` when the interval lies above ``-margin``, ``reversed`` when below it,
    ``inconclusive`` when it straddles it (the module's rule)."""
    if ci_low > -margin:
        return "holds"
    if ci_high < -margin:
        return "reversed"
    return "inconclusive"


def _arm_run(arm: Arm, params: SuiteParams, progress: bool) -> Any:
    """The arm's heads over ``params.seeds`` (trained where not yet): the record of
    :func:`~hiar_lib.experiments.suite.head_runs`."""
    from hiar_lib.experiments.suite import feature_cache, head_runs
    from hiar_lib.experiments.tables import cross_subject_head, row_head_options, row_start

    p = arm.params(params)
    row = arm.row()
    cache = feature_cache(p, progress=progress, instances=row.instances)
    start = None
    if arm.start == "table":
        start = row_start(p, row, progress)
    elif arm.start == "larger":  # the run's own benchmark's cross-subject head, trained first where not yet
        start = cross_subject_head(params, row, progress)
    return head_runs(p, cache, row.head, clip=row.clip, head_options=row_head_options(row, p), progress=progress,
                     init_from=start)  # fmt: skip


def arm_accuracies(arm: Arm, params: SuiteParams, progress: bool = True) -> tuple[dict[int, float], Any]:
    """Top-1 (points) per seed of ``params.seeds`` of the arm's heads, and their record."""
    record = _arm_run(arm, params, progress)
    by_seed = {int(r["seed"]): 100 * float(r["accuracy"]) for r in record.metrics["runs"]}
    return {s: by_seed[s] for s in params.seeds}, record


def final_losses(record: Any, seeds: Sequence[int]) -> dict[int, float | None]:
    """Per seed of ``seeds``, the training loss a head ended at: the mean over the last
    fifth of its iterations (:func:`hiar_lib.engine.train_log.final_loss`), read from the
    ``train_log.jsonl`` beside the run's checkpoint; ``None`` where the log is gone."""
    from hiar_lib.engine.train_log import final_loss, read_train_log

    by_seed = {int(r["seed"]): Path(r["checkpoint"]).parent / "train_log.jsonl" for r in record.metrics["runs"]}
    return {s: final_loss(read_train_log(by_seed[s])) if s in by_seed else None for s in seeds}


def seed_spread(lines: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How a head's top-1 goes with the training loss it ended at, over every head and
    seed the claims trained (each counted once, though several claims share it).

    Returns:
        ``{"heads", "points", "pearson_r"}``: ``points`` one ``{"run", "seed", "final_loss",
        "top1"}`` per head and seed with a logged loss, ``pearson_r`` their correlation
        (``None`` under three points or with no spread). A strongly negative ``r`` says
        that the seeds scoring low are heads that had not finished learning.
    """
    seen: dict[tuple[str, int], dict[str, Any]] = {}
    for line in lines:
        for side, run in (("claimed", line["runs"][0]), ("baseline", line["runs"][1])):
            for seed, top1, loss in zip(line["seeds"], line[f"{side}_per_seed"], line[f"{side}_final_loss"]):
                if loss is not None:
                    seen[(str(run), int(seed))] = {"run": str(run), "seed": int(seed), "final_loss": float(loss), "top1": float(top1)}
    points = list(seen.values())
    r = None
    if len(points) >= 3:
        x = np.array([p["final_loss"] for p in points])
        y = np.array([p["top1"] for p in points])
        if x.std() > 0 and y.std() > 0:
            r = float(np.corrcoef(x, y)[0, 1])
    return {"heads": len({p["run"] for p in points}), "points": points, "pearson_r": r}


def _measure(claim: Claim, params: SuiteParams, progress: bool) -> dict[str, Any]:
    a, rec_a = arm_accuracies(claim.claimed, params, progress)
    b, rec_b = arm_accuracies(claim.baseline, params, progress)
    seeds = list(params.seeds)
    diff = paired_difference([a[s] for s in seeds], [b[s] for s in seeds])
    loss_a, loss_b = final_losses(rec_a, seeds), final_losses(rec_b, seeds)
    return {
        "claim": claim.key, "statement": claim.statement, "claimed": claim.claimed.label(), "baseline": claim.baseline.label(),
        "protocol": claim.claimed.protocol, "margin": claim.margin, "seeds": seeds, "n_seeds": diff["n"],
        "claimed_top1": float(np.mean([a[s] for s in seeds])), "baseline_top1": float(np.mean([b[s] for s in seeds])),
        "claimed_per_seed": [a[s] for s in seeds], "baseline_per_seed": [b[s] for s in seeds],
        "claimed_final_loss": [loss_a[s] for s in seeds], "baseline_final_loss": [loss_b[s] for s in seeds],
        "difference_mean": diff["mean"], "difference_std": diff["std"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
        "verdict": verdict(diff["ci_low"], diff["ci_high"], claim.margin), "paper_claim": claim.paper_claim,
        "paper_difference": claim.paper_difference(), "runs": [str(rec_a.path), str(rec_b.path)],
    }  # fmt: skip


TRADE_OFF_HEADS = ("tahnet_v1", "tahnet_v2", "tahnet_v3", "tahnet_v4")
"""The four heads the paper names, in the order it names them (``tahnet_v1`` to ``v4``)."""


def trade_off_rows() -> list[Any]:
    """Table 7's rows of the heads the paper names (TAHNet-v1 to v4: rows 3, 2, 6 and 13,
    cross-subject, T = 8), in :data:`TRADE_OFF_HEADS` order: the heads of :func:`trade_off`.
    TAHNet-v2 and v3 are the paper's N-UCLA heads; Table 7 gives all four an NTU-CS number."""
    from hiar_lib.experiments.tables import table_spec

    rows = {r.head: r for r in table_spec(7, "cs").rows if r.head in TRADE_OFF_HEADS}
    return [rows[h] for h in TRADE_OFF_HEADS]


def trade_off(params: SuiteParams, progress: bool = True) -> pd.DataFrame:
    """Table 7's trade-off across TAHNet-v1 to v4 (:func:`trade_off_rows`, cross-subject):
    per head its GMACs per clip at the paper's widths and as trained, top-1 over
    ``params.seeds`` (mean and standard deviation, points), the paper's Table 7 NTU-CS
    number and its heads' record (``run``)."""
    from hiar_lib.experiments.tables import head_gmacs, paper_gmacs, paper_number

    lines = []
    for row in trade_off_rows():
        acc, record = arm_accuracies(Arm(7, row.paper_row), params, progress)
        values = np.array(list(acc.values()))
        lines.append({
            "head": row.head, "gmacs_paper_widths": paper_gmacs(row), "gmacs_trained": head_gmacs(record.parameters["head_config"]),
            "top1": float(values.mean()), "top1_std": float(values.std(ddof=1)) if values.size > 1 else math.nan,
            "seeds": len(values), "paper": paper_number(7, "cs", row.paper_row), "run": str(record.path),
        })  # fmt: skip
    return pd.DataFrame(lines)


def work_done(records: Sequence[str | Path]) -> dict[str, Any]:
    """What the heads and feature caches behind ``records`` (head records of
    :func:`~hiar_lib.experiments.suite.head_runs`) took to make, over every sitting that
    made them, read from what they logged: a claims run resumed across sittings has no
    single wall time that covers it.

    Returns:
        ``{"head_seeds", "training_s", "caches"}``: the heads and seeds (each counted
        once), the seconds their training took (:func:`hiar_lib.engine.train_log.training_seconds`
        of each ``train_log.jsonl``; not the scoring), and per feature cache ``{"videos",
        "timed_videos", "seconds"}``: the videos it holds, and those of them whose
        extraction was timed (``extraction_time``; caches filled before it was recorded
        have fewer) with the seconds it took.
    """
    from hiar_lib.engine.data import read_cache_info
    from hiar_lib.engine.train_log import read_train_log, training_seconds
    from hiar_lib.experiments.records import read_record
    from hiar_lib.features import CacheError, cached_video_files

    heads: dict[str, float] = {}
    caches: dict[str, Any] = {}
    for path in records:
        record = read_record(path)
        for run in record.metrics["runs"]:
            folder = Path(run["checkpoint"]).parent
            heads[str(folder)] = training_seconds(read_train_log(folder / "train_log.jsonl"))
        cache = record.parameters.get("cache")
        if cache and cache not in caches:
            try:
                timed = read_cache_info(cache).extraction_time or {}
            except CacheError:
                timed = {}
            caches[cache] = {"videos": len(cached_video_files(cache)), "timed_videos": int(timed.get("videos", 0)),
                             "seconds": float(timed.get("seconds", 0.0))}  # fmt: skip
    return {"head_seeds": len(heads), "training_s": sum(heads.values()), "caches": caches}


@dataclass
class ClaimsResult:
    """What :func:`run_claims` measured.

    Attributes:
        claims: one line per claim (:func:`run_claims`).
        trade_off: :func:`trade_off`'s curve.
        record: the record written (``results_dir/claims_<profile>.json``).
        seed_spread: :func:`seed_spread` of the claims (also in the record).
        work: :func:`work_done` of every head the claims and the curve read (also in the
            record).
        figures: the claims' intervals, the trade-off curve and each head's top-1
            against the training loss it ended at, as PNGs
            (``results_dir/figures/claims_<profile>.png``, ``claims_trade_off_<profile>.png``,
            ``claims_seed_spread_<profile>.png``).
    """

    claims: pd.DataFrame
    trade_off: pd.DataFrame
    record: Any
    figures: list[Any]
    seed_spread: dict[str, Any]
    work: dict[str, Any]


def run_claims(
    params: SuiteParams,
    claims: Sequence[Claim] = CLAIMS,
    progress: bool = True,
    most_seeds: int | None = None,
) -> ClaimsResult:
    """Measure every claim, adding seeds to the inconclusive ones up to ``most_seeds``
    (default the profile's most, :attr:`~hiar_lib.profiles.Profile.claim_seeds`), and
    write the record, its table and its two figures.

    Returns:
        A :class:`ClaimsResult` whose ``claims`` has one line per claim: ``claim``,
        ``statement``, ``claimed``, ``baseline``, ``protocol``, ``margin``, ``seeds``,
        ``n_seeds``, ``claimed_top1`` and ``baseline_top1`` (points, mean over the seeds),
        their per-seed values, ``difference_mean``, ``difference_std``, ``ci_low``,
        ``ci_high`` (the 95 % interval of the paired difference), ``verdict``,
        ``paper_claim``, ``paper_difference`` (the paper's printed claimed minus
        baseline), ``claimed_final_loss`` and ``baseline_final_loss`` (per seed, the
        training loss each head ended at: :func:`final_losses`) and ``runs``. The record
        (``results_dir/claims_<profile>.json``) also holds the trade-off curve,
        :func:`seed_spread` (``seed_spread``), how many claims were tested and the
        verdict rule, and :func:`work_done` (``work``: the training and extraction behind
        the heads, over every sitting); the table goes to the ``.csv`` beside it.
    """
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import no_value_as_none, write_record
    from hiar_lib.plots import claim_intervals, loss_against_top1, save_figure, trade_off_curve
    from hiar_lib.profiles import get_profile

    started = time.perf_counter()
    most = max(most_seeds or get_profile(params.profile).claim_seeds[1], len(params.seeds))
    lines = []
    for claim in claims:
        p = params
        line = _measure(claim, p, progress)
        while line["verdict"] == "inconclusive" and len(p.seeds) < most:
            p = replace(p, seeds=(*p.seeds, max(p.seeds) + 1))
            line = _measure(claim, p, progress)
        lines.append(line)
    curve = trade_off(params, progress)
    frame = pd.DataFrame(lines)
    seeds = sorted({s for line in lines for s in line["seeds"]})
    out = params.results_dir / f"claims_{params.profile}.json"
    prov = provenance(profile=params.profile, seeds=seeds, device=params.device, wall_time_s=time.perf_counter() - started)
    parameters = {"profile": params.profile, "dataset": params.dataset, "seeds_first": list(params.seeds), "seeds_most": most,
                  "claims_tested": len(lines), "confidence": 0.95, "keep_margin": KEEP_MARGIN,
                  "rule": "paired difference claimed - baseline over seeds; Student t interval, n - 1 degrees of freedom; "
                          "holds: interval above -margin; reversed: below it; inconclusive: straddles it"}  # fmt: skip
    spread = seed_spread(lines)
    work = work_done(list(dict.fromkeys([*(run for line in lines for run in line["runs"]), *curve["run"]])))  # each record once
    metrics = no_value_as_none({"claims": lines, "trade_off": curve.to_dict("records"), "seed_spread": spread, "work": work})
    record = write_record(out, "claims", parameters, metrics, prov)
    frame.drop(columns=["runs"]).to_csv(out.with_suffix(".csv"), index=False)
    note = "" if params.meaningful else " (numbers meaningless at this profile)"
    figures = [
        save_figure(claim_intervals(frame, title=f"The paper's claims at {params.profile}{note}"),
                    params.results_dir / "figures" / f"claims_{params.profile}.png"),
        save_figure(trade_off_curve(curve, title=f"Accuracy against GMACs, TAHNet-v1 to v4 at {params.profile}{note}"),
                    params.results_dir / "figures" / f"claims_trade_off_{params.profile}.png"),
        save_figure(loss_against_top1(spread["points"], spread["pearson_r"],
                                      title=f"Heads and seeds of the claims at {params.profile}{note}"),
                    params.results_dir / "figures" / f"claims_seed_spread_{params.profile}.png"),
    ]  # fmt: skip
    return ClaimsResult(frame, curve, record, figures, spread, work)
