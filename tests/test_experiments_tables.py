"""The paper's table rows as heads to train: clip settings, widths and run folders per row."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from hiar_lib.errors import HiarError
from hiar_lib.experiments.suite import run_name, suite_params
from hiar_lib.experiments.tables import MEASURED_TABLES, row_head_options, paper_gmacs, seed_spread, table_spec


def test_each_measured_table_has_the_papers_rows_with_their_clips() -> None:
    assert MEASURED_TABLES == (1, 2, 3, 4, 5, 6, 7)
    assert [len(table_spec(t).rows) for t in MEASURED_TABLES] == [4, 6, 2, 9, 10, 8, 16]
    t1 = table_spec(1)
    assert [(r.head, r.clip) for r in t1.rows] == [
        ("tahnet_v1", {"clip_len": 8, "output_size": 14}), ("tahnet_v1", {"clip_len": 16, "output_size": 14}),
        ("tahnet_v4", {"clip_len": 8, "output_size": 28}), ("tahnet_v4", {"clip_len": 16, "output_size": 28}),
    ]  # fmt: skip
    assert t1.paper_columns == {"cs": "cs", "cv": "cv"} and t1.results_name("cv", "quick") == "table1_ntu_cv_quick"
    assert table_spec(3).results_name("cs", "quick") == "table3_action_region_quick"
    assert table_spec(3).results_name("v12_3", "quick") == "table3_action_region_v12_3_quick"  # protocols do not overwrite
    # Tables 3-7's N-UCLA column stands beside our synthetic V(1,2)->3; the paper's Table 3 used TAHNet-v2 there.
    assert all(table_spec(t).paper_columns == {"cs": "ntu_cs", "v12_3": "nucla_v12_3_mean"} for t in (3, 4, 5, 6, 7))
    assert {r.head for r in table_spec(3, "v12_3").rows} == {"tahnet_v2"} and {r.head for r in table_spec(3, "cs").rows} == {"tahnet_v1"}
    # Named models are their presets (shared with other tables); unnamed rows carry their widths.
    named = {r.name: r for t in (5, 6, 7) for r in table_spec(t).rows if "TAHNet" in r.name}
    assert all(r.head.startswith("tahnet_v") and r.widths is None for r in named.values()) and len(named) == 6
    # So are the rows the paper leaves unnamed whose head is a preset's: Table 6's TAHNet-v2 and v1 over
    # P2-P4, P2+P3 and P2 (its rows 3-8), so that row 6 and Table 3's outermost TAHNet-v1 are one head.
    assert [r.head for r in table_spec(6).rows[2:]] == ["tahnet_v2", "tahnet_v1"] * 3
    assert all(r.widths is None for r in table_spec(6).rows)
    assert [r.head for r in table_spec(7).rows[:4]] == ["CB+Conv3Dx3+GAP+FC", "tahnet_v2", "tahnet_v1", "CB+Conv3Dx6+GAP+FC"]
    t3 = table_spec(3)
    assert [(r.head, r.clip) for r in t3.rows] == [("tahnet_v1", {"box": "basic"}), ("tahnet_v1", {"box": "outermost"})]
    t4 = table_spec(4).rows
    assert [r.clip["output_size"] for r in t4[:3]] == [7, 7, 14]  # 8x7x7, 8x7x7, 8x14x14
    levels = [r.clip["levels"] for r in table_spec(6).rows]
    assert levels[::2] == [("P2", "P3", "P4", "P5"), ("P2", "P3", "P4"), ("P2", "P3"), ("P2",)]
    v4 = table_spec(7).rows[12]  # row 13, TAHNet-v4: its preset, 28 x 28 regions
    assert (v4.head, v4.clip["output_size"]) == ("tahnet_v4", 28)
    row14 = table_spec(7).rows[13]  # v4's block, one layer deeper: the strides as options
    assert row14.options == {"cb_temporal_kernel": 3, "cb_temporal_stride": 2, "first_conv_stride": (2, 2, 2), "last_conv_stride": (1, 2, 2)}
    # Table 2: N-UCLA's three cross-view protocols, each beside its paper column; TAHNet-v2
    # without the CB, v2 and v3 their presets, at 8 and 16 frames.
    t2 = table_spec(2)
    assert t2.paper_columns == {"v12_3": "v12_3_mean", "v31_2": "v31_2_mean", "v23_1": "v23_1_mean"}
    assert t2.results_name("v31_2", "quick") == "table2_nucla_v31_2_quick"
    assert [(r.head, r.clip["clip_len"], r.widths) for r in t2.rows] == [
        ("tahnet_v2_wo_cb", 8, None), ("tahnet_v2_wo_cb", 16, None),
        ("tahnet_v2", 8, None), ("tahnet_v2", 16, None), ("tahnet_v3", 8, None), ("tahnet_v3", 16, None),
    ]  # fmt: skip
    with pytest.raises(HiarError, match="table 8 is not measured here"):
        table_spec(8)


def test_rows_are_shrunk_by_the_profiles_one_rule_and_keep_distinct_run_folders(tmp_path) -> None:
    quick = suite_params(profile="quick", cache_dir=tmp_path, results_dir=tmp_path)
    rows = table_spec(7).rows
    wide, narrow = row_head_options(rows[0], quick), row_head_options(rows[4], quick)  # same spec, DIM 1024 vs 512
    assert rows[0].head == rows[4].head and wide["dim_conv"] == 2 * narrow["dim_conv"] == 32
    assert run_name("base", wide) != run_name("base", narrow) and run_name("base", {}) == "base"
    assert run_name("base", wide) == run_name("base", dict(reversed(list(wide.items()))))  # order does not matter
    assert row_head_options(table_spec(3).rows[0], quick) == {}  # a preset: the profile shrinks it itself
    paper = dataclasses.replace(quick, profile="paper")  # the paper profile trains the paper's widths
    assert row_head_options(rows[0], paper) == {"dim_conv": 1024, "dim_fc": 1024}
    assert rows[8].options == {"cb_temporal_kernel": 3, "cb_temporal_stride": 2, "last_conv_stride": (1, 2, 2)}  # row 9
    assert row_head_options(rows[8], paper) == {"dim_conv": 512, "dim_fc": 1024, **rows[8].options}
    # Counted at the paper's widths, the rows give the paper's GFLOPs (Table 7: 56.4, 25.3, 5.3).
    assert [round(paper_gmacs(rows[i]), 1) for i in (0, 5, 12)] == [56.4, 25.3, 5.3]
    # Table 1: the presets at 8 and 16 frames (145.1, 290.3; v4 5.3, 10.6).
    assert [round(paper_gmacs(r), 1) for r in table_spec(1).rows] == [145.2, 290.3, 5.3, 10.6]


def test_the_seed_spread_is_read_from_the_three_seed_record_of_its_profile(tmp_path) -> None:
    params = suite_params(profile="quick", cache_dir=tmp_path, results_dir=tmp_path)
    assert seed_spread(params) is None  # no record yet
    committed = Path(__file__).resolve().parents[1] / "results" / "quick_tahnet_v1_cs.json"
    shutil.copy(committed, tmp_path / "quick_tahnet_v1_cs.json")
    spread = seed_spread(params)
    summary = json.loads(committed.read_text())["metrics"]["summary"]
    assert spread["seeds"] == len(summary["accuracies"]) == 3
    assert spread["std"] == pytest.approx(100 * summary["accuracy_std"]) and spread["std"] > 0
    assert spread["range"] == pytest.approx(100 * (max(summary["accuracies"]) - min(summary["accuracies"])))



@pytest.mark.slow
def test_a_fine_tuned_head_starts_from_its_own_seeds_checkpoint_and_has_its_own_run_folder(crops_cache, tmp_path) -> None:
    """Table 2's path: each seed of a head fine-tunes the same seed of another head
    (``{seed}`` in ``init_from``), recorded in its checkpoint, in a run folder of its own."""
    import torch

    from hiar_lib.engine import load_checkpoint
    from hiar_lib.experiments.suite import head_run_dir, head_runs, suite_params

    params = suite_params("smoke", cache_dir=tmp_path, results_dir=tmp_path / "results", seeds=[0, 1])
    base = head_runs(params, crops_cache, "tahnet_v3", progress=False)
    start = str(base.path.parent / "seed{seed}")
    tuned = head_runs(params, crops_cache, "tahnet_v3", progress=False, init_from=start)
    assert tuned.path.parent == head_run_dir(params, crops_cache, "tahnet_v3", init_from=start) != base.path.parent
    assert tuned.path.parent.name.startswith(base.path.parent.name + "_init-")
    for seed in (0, 1):
        ckpt = load_checkpoint(tuned.path.parent / f"seed{seed}")
        assert ckpt["fine_tuned_from"]["path"] == str(base.path.parent / f"seed{seed}")
        assert not ckpt["fine_tuned_from"]["classifier_dropped"]  # the same 12 classes
    # Trained on, the two runs differ; from the same start with other data they would not share weights.
    a = load_checkpoint(base.path.parent / "seed0")["model"]
    b = load_checkpoint(tuned.path.parent / "seed0")["model"]
    assert any(not torch.equal(a[k], b[k]) for k in a if a[k].is_floating_point())


def test_oracle_rows_are_the_heads_of_tables_1_and_3_on_the_protocols_trained_from_scratch() -> None:
    from hiar_lib.experiments.tables import oracle_rows

    (v1,) = oracle_rows(1, "cs")
    assert (v1.head, v1.clip["clip_len"], v1.instances) == ("tahnet_v1", 8, "ground_truth") and v1.name.endswith("[ground-truth instances]")
    assert [r.clip["box"] for r in oracle_rows(3, "cv")] == ["basic", "outermost"]
    assert oracle_rows(3, "v12_3") == () and oracle_rows(4, "cs") == ()  # fine-tuned columns, other tables: none


@pytest.mark.slow
def test_table_3_with_its_oracle_rows_trains_them_on_the_ground_truth_cache(crops_cache, oracle_cache, tmp_path) -> None:
    import torch

    from hiar_lib.experiments.records import read_record
    from hiar_lib.experiments.tables import table_rows

    params = suite_params("smoke", cache_dir=tmp_path, results_dir=tmp_path / "results")
    frame = table_rows(3, params, crops_cache, progress=False, oracle_cache=oracle_cache)
    assert list(frame["instances"]) == ["detected", "detected", "ground_truth", "ground_truth"]
    assert frame["paper"].iloc[:2].notna().all() and frame["paper"].iloc[2:].isna().all()  # the paper has no oracle
    runs = read_record(tmp_path / "results" / "table3_action_region_smoke.json").metrics["runs"]
    assert [r["cache"] for r in runs] == [str(crops_cache)] * 2 + [str(oracle_cache)] * 2
    assert len({r["run"] for r in runs}) == 4  # four heads, each in its own folder
    # The oracle's tracks are the annotated people: each track's box is its own person's
    # (IoU 1) wherever it is present.
    payloads = sorted(oracle_cache.rglob("*.pt"))
    assert payloads
    for path in payloads:
        for phase in torch.load(path, weights_only=True)["phases"]:
            k, f = phase["present"].shape
            own = phase["track_ids"] - 1  # the annotation's ids are 1-based, in its order
            iou = phase["gt_iou"].float()[torch.arange(k)[:, None], torch.arange(f)[None, :], own[:, None]]
            assert k > 0 and (iou[phase["present"]] > 0.99).all()
