"""The claims over seeds: the verdict rule on known numbers, every claim resolving to the
paper's rows, and a smoke run where a claim of a head against itself stays inconclusive
and grows to the most seeds allowed."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from hiar_lib.engine.train_log import final_loss, read_train_log
from hiar_lib.experiments.results_page import results_page
from hiar_lib.errors import HiarError
from hiar_lib.experiments.claims import (
    CLAIMS, KEEP_MARGIN, Arm, Claim, claim_params, paired_difference, run_claims, seed_spread, trade_off_rows, verdict,
)


def test_the_paired_difference_has_a_student_t_interval_with_n_minus_1_degrees_of_freedom() -> None:
    # Differences 1, 2, 3: mean 2, sample std 1, t(0.975, 2) = 4.302653 -> half-width 4.302653 / sqrt(3) = 2.484138.
    d = paired_difference([11.0, 22.0, 33.0], [10.0, 20.0, 30.0])
    assert (d["n"], d["differences"], d["mean"], d["std"]) == (3, [1.0, 2.0, 3.0], 2.0, 1.0)
    assert d["ci_low"] == pytest.approx(2 - 2.484138, abs=1e-6) and d["ci_high"] == pytest.approx(2 + 2.484138, abs=1e-6)
    # Five seeds: t(0.975, 4) = 2.776445; differences 2, 3, 4, 5, 6 have std sqrt(2.5).
    d5 = paired_difference([2, 3, 4, 5, 6], [0] * 5)
    assert d5["ci_low"] == pytest.approx(4 - 2.776445 * math.sqrt(2.5) / math.sqrt(5), abs=1e-6)
    one = paired_difference([5.0], [1.0])  # one seed: no interval
    assert one["mean"] == 4.0 and math.isnan(one["std"]) and (one["ci_low"], one["ci_high"]) == (-math.inf, math.inf)
    with pytest.raises(ValueError, match="equal-length"):
        paired_difference([1.0, 2.0], [1.0])


def test_the_verdict_is_where_the_interval_lies_against_minus_the_margin() -> None:
    assert verdict(0.5, 4.0) == "holds" and verdict(-4.0, -0.5) == "reversed" and verdict(-0.5, 4.0) == "inconclusive"
    assert verdict(0.0, 0.0) == "inconclusive"  # a difference of exactly zero beats nothing
    # "Keeps accuracy": a loss inside the margin holds, one beyond it is reversed.
    assert verdict(-1.5, 0.5, margin=KEEP_MARGIN) == "holds" and verdict(-1.5, 0.5) == "inconclusive"
    assert verdict(-5.0, -2.5, margin=KEEP_MARGIN) == "reversed" and verdict(-3.0, 1.0, margin=KEEP_MARGIN) == "inconclusive"


def test_every_claim_is_two_rows_of_the_papers_tables_with_the_papers_own_difference() -> None:
    by_key = {c.key: c for c in CLAIMS}
    assert len(by_key) == len(CLAIMS) == 13
    for c in CLAIMS:  # every arm resolves to a row, and the two arms differ
        assert (c.claimed.row(), c.claimed) != (c.baseline.row(), c.baseline)
    # The paper's printed numbers (paper_tables/): Table 3 86.17 - 83.89; Table 5 row 9 - row 5: 86.17 - 85.24.
    assert by_key["t3_outermost_beats_basic"].paper_difference() == pytest.approx(2.28)
    assert by_key["t5_cb_keeps_accuracy"].paper_difference() == pytest.approx(0.93)
    assert by_key["t4_conv3d_beats_conv2d"].paper_difference() == pytest.approx(78.44 - 74.82)
    assert by_key["t6_p2p3_beats_p2"].paper_difference() == pytest.approx(86.43 - 85.82)
    v4, v1 = by_key["t7_v4_keeps_accuracy"].claimed.row(), by_key["t7_v4_keeps_accuracy"].baseline.row()
    assert (v4.head, v4.clip["clip_len"], v1.head, v1.clip["clip_len"]) == ("tahnet_v4", 8, "tahnet_v1", 8)
    # No paper number: the oracle is ours, and the paper printed no N-UCLA head trained from scratch.
    assert by_key["oracle_ground_truth_beats_detected"].paper_difference() is None
    assert by_key["t2_pretraining_helps"].paper_difference() is None
    assert by_key["t2_pretraining_helps"].baseline.label().endswith("[from scratch]")
    # Without the leak: both arms on the smaller benchmark (synthetic-full's: quick's), one started from the larger one.
    larger = by_key["t2_pretraining_on_a_larger_benchmark_helps"]
    assert larger.paper_difference() is None and larger.claimed.row() == larger.baseline.row()
    assert larger.claimed.label().endswith("[from the larger benchmark's cross-subject head, on the smaller benchmark]")
    full = claim_params("synthetic-full", cache_dir="/nowhere", results_dir="/nowhere")
    assert (larger.claimed.params(full).profile, larger.claimed.params(full).protocol) == ("quick", "v12_3")
    assert by_key["t2_pretraining_helps"].claimed.params(full).profile == "synthetic-full"
    assert larger.claimed.params(claim_params("smoke", cache_dir="/nowhere", results_dir="/nowhere")).profile == "smoke"
    with pytest.raises(HiarError, match="table 3 has no row 7"):
        Arm(3, 7).row()


def test_the_trade_off_curve_is_table_7s_four_named_heads_with_its_numbers() -> None:
    """TAHNet-v1 to v4 are Table 7's rows 3, 2, 6 and 13 (the CSV's ``named_as`` and the
    paper's text: v1 is CB+Conv3Dx5 at DIM 1024, v2 the same at x4, v3 x4 at DIM 512, v4
    x3 on 28 x 28 without FC); their NTU-CS numbers and GFLOPs as Table 7 prints them."""
    from hiar_lib.experiments.tables import paper_gmacs, paper_number

    rows = trade_off_rows()
    assert [(r.head, r.paper_row) for r in rows] == [("tahnet_v1", 3), ("tahnet_v2", 2), ("tahnet_v3", 6), ("tahnet_v4", 13)]
    assert [paper_number(7, "cs", r.paper_row) for r in rows] == [86.43, 86.17, 85.54, 85.30]
    # Counted at the paper's widths, each within 3 % of the GFLOPs the paper printed (145.1, 100.8, 25.3, 5.3).
    assert [paper_gmacs(r) for r in rows] == pytest.approx([145.1, 100.8, 25.3, 5.3], rel=0.03)
    assert all(r.clip["clip_len"] == 8 and r.clip["levels"] == ("P2", "P3") for r in rows)


def test_claim_parameters_default_to_synthetic_full_and_need_two_seeds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HIAR_PROFILE", raising=False)
    p = claim_params(cache_dir=tmp_path, results_dir=tmp_path)
    assert (p.profile, p.seeds, p.dataset, p.protocol) == ("synthetic-full", (0, 1, 2), "synthetic", "cs")
    monkeypatch.setenv("HIAR_PROFILE", "smoke")
    assert claim_params(cache_dir=tmp_path, results_dir=tmp_path).seeds == (0, 1)  # smoke's claim_seeds (2, 2)
    with pytest.raises(HiarError, match="at least two seeds"):
        claim_params("smoke", seeds=[0], cache_dir=tmp_path, results_dir=tmp_path)


@pytest.mark.slow
def test_a_head_against_itself_stays_inconclusive_and_gets_seeds_up_to_the_most(tmp_path: Path) -> None:
    """At the smoke profile (its stages shared with make test's notebooks through
    ``HIAR_CACHE_DIR`` when set): the same head on both sides differs by exactly 0 on
    every seed, which beats nothing, so the claim grows from 2 seeds to the 3 allowed;
    Table 3's claim is measured on its two heads and the record is written."""
    from hiar_lib.experiments.records import read_record

    cache_dir = Path(os.environ.get("HIAR_CACHE_DIR") or tmp_path / "cache")
    params = claim_params("smoke", cache_dir=cache_dir, results_dir=tmp_path / "results")
    same = Claim("same_head", "a head against itself", Arm(3, 2), Arm(3, 2))
    t3 = next(c for c in CLAIMS if c.key == "t3_outermost_beats_basic")
    result = run_claims(params, [same, t3], progress=False, most_seeds=3)
    frame = result.claims.set_index("claim")
    assert frame.loc["same_head", "difference_std"] == 0.0 and frame.loc["same_head", "n_seeds"] == 3
    assert frame.loc["same_head", "claimed_per_seed"] == frame.loc["same_head", "baseline_per_seed"]
    assert (frame.loc["same_head", "verdict"], frame.loc["same_head", "seeds"]) == ("inconclusive", [0, 1, 2])
    assert frame.loc["t3_outermost_beats_basic", "verdict"] in ("holds", "reversed", "inconclusive")
    assert frame.loc["t3_outermost_beats_basic", "n_seeds"] in (2, 3)  # 3 only where 2 seeds were inconclusive
    record = read_record(tmp_path / "results" / "claims_smoke.json")
    assert record.parameters["claims_tested"] == 2 and len(record.metrics["trade_off"]) == 4  # TAHNet-v1 to v4
    assert record.metrics["claims"][1]["paper_difference"] == pytest.approx(2.28)
    runs = record.metrics["claims"][1]["runs"]
    assert len(set(runs)) == 2  # basic and outermost: two heads, each in its own folder
    assert (tmp_path / "results" / "claims_smoke.csv").is_file() and list(result.trade_off["head"]) == ["tahnet_v1", "tahnet_v2", "tahnet_v3", "tahnet_v4"]
    assert [f.name for f in result.figures] == ["claims_smoke.png", "claims_trade_off_smoke.png", "claims_seed_spread_smoke.png"]
    assert all(f.stat().st_size > 5_000 for f in result.figures)
    # The loss each head ended at, per seed, from its own training log; the spread counts each head and seed once.
    line = record.metrics["claims"][1]
    logs = [Path(read_record(run).metrics["runs"][0]["checkpoint"]).parent / "train_log.jsonl" for run in runs]
    assert [line["claimed_final_loss"][0], line["baseline_final_loss"][0]] == [final_loss(read_train_log(log)) for log in logs]
    assert all(isinstance(v, float) and v > 0 for v in line["claimed_final_loss"] + line["baseline_final_loss"])
    spread = record.metrics["seed_spread"]
    assert result.seed_spread == spread
    assert spread["heads"] == 2 and len(spread["points"]) == 3 + line["n_seeds"]  # outermost at seeds 0-2, basic at t3's
    # What the heads behind the record took: each head and seed once (claims and the curve share some), its training
    # seconds summed from its log, and the feature cache's extraction as it logged it.
    work = record.metrics["work"]
    folders = {Path(r["checkpoint"]).parent for run in {*runs, *record.metrics["claims"][0]["runs"], *result.trade_off["run"]}
               for r in read_record(run).metrics["runs"]}  # fmt: skip
    assert result.work == work and work["head_seeds"] == len(folders) >= 3 + line["n_seeds"]
    assert work["training_s"] == pytest.approx(sum(read_train_log(f / "train_log.jsonl")[-1]["elapsed_s"] for f in folders))
    (cache, timed), = work["caches"].items()
    assert cache == read_record(runs[0]).parameters["cache"] and timed["seconds"] > 0
    assert timed["videos"] == timed["timed_videos"] == len(list(Path(cache).glob("*.pt"))) > 0
    # The results page's claims section (it reads synthetic-full's record) counts the verdicts and says what they took.
    page_dir = tmp_path / "page"
    page_dir.mkdir()
    (page_dir / "claims_synthetic-full.json").write_text((tmp_path / "results" / "claims_smoke.json").read_text())
    page = results_page(page_dir, "smoke")
    assert "of 2 claims, each tested at 95 % on its own, " in page and f"{work['head_seeds']} heads and seeds trained in " in page
    assert f"`{Path(cache).name}` {timed['videos']} videos ({timed['videos']} of them timed: " in page


def test_the_seed_spread_counts_each_head_and_seed_once_and_correlates_loss_with_top1() -> None:
    def line(runs, seeds, top1, loss):
        return {"runs": runs, "seeds": seeds, "claimed_per_seed": top1[0], "baseline_per_seed": top1[1],
                "claimed_final_loss": loss[0], "baseline_final_loss": loss[1]}  # fmt: skip

    lines = [
        line(["a", "b"], [0, 1, 2], ([60.0, 40.0, 62.0], [55.0, 57.0, 45.0]), ([1.0, 1.7, 0.9], [1.1, 1.0, 1.6])),
        line(["a", "c"], [0, 1, 2], ([60.0, 40.0, 62.0], [58.0, 59.0, 61.0]), ([1.0, 1.7, 0.9], [1.05, 1.0, None])),
    ]
    spread = seed_spread(lines)
    assert spread["heads"] == 3 and len(spread["points"]) == 8  # a's seeds once; c's seed 2 has no log
    x = np.array([p["final_loss"] for p in spread["points"]])
    y = np.array([p["top1"] for p in spread["points"]])
    assert spread["pearson_r"] == pytest.approx(float(np.corrcoef(x, y)[0, 1])) and spread["pearson_r"] < -0.9
    assert seed_spread([line(["a", "b"], [0], ([60.0], [55.0]), ([1.0], [1.1]))])["pearson_r"] is None  # two points
