"""`make reproduce`'s runner: real notebooks executed by papermill, skipped when done,
rerun when their source or parameters change, a failure named; the results page."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from hiar_lib.errors import HiarError
from hiar_lib.experiments.reproduce import NOTEBOOKS, estimate, notebook_steps, run_notebooks
from hiar_lib.experiments.records import read_record
from hiar_lib.experiments.results_page import results_page
from hiar_lib.experiments.suite import suite_params


def _notebook(folder: Path, name: str, body: str) -> Path:
    """A notebook like the suite's: a parameters cell, then ``body`` (which writes a file
    into results_dir, so the test sees what the kernel did)."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("profile = None\nresults_dir = None\nseeds = [0]")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_an_executed_notebook_keeps_no_widget_state(tmp_path: Path) -> None:
    """A widget displayed in a notebook (the tqdm bars of head training are ipywidgets)
    leaves its output in the cell but no saved widget state in the executed notebook's
    metadata: megabytes for a claims run's bars."""
    src, out = tmp_path / "notebooks", tmp_path / "results" / "notebooks"
    src.mkdir()
    _notebook(src, "00_overview", "import ipywidgets\nipywidgets.IntSlider(value=3)")
    params = suite_params("smoke", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    run_notebooks(params, src, out, names=["00_overview"], log=lambda _: None)
    nb = nbformat.read(out / "00_overview.ipynb", as_version=4)
    assert "application/vnd.jupyter.widget-view+json" in nb.cells[-1].outputs[0]["data"]
    assert "widgets" not in nb.metadata


@pytest.mark.slow
def test_notebooks_run_once_resume_after_a_failure_and_rerun_when_changed(tmp_path: Path) -> None:
    src, out = tmp_path / "notebooks", tmp_path / "results" / "notebooks"
    src.mkdir()
    write = "from pathlib import Path\nPath(results_dir, '{0}.txt').write_text(f'{{profile}} {{seeds}}')"
    _notebook(src, "00_overview", write.format("overview"))
    _notebook(src, "timing", "raise RuntimeError('the timing failed')")
    params = suite_params("smoke", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results", seeds=[0, 1])
    lines: list[str] = []
    with pytest.raises(HiarError, match=r"notebook timing failed \(RuntimeError: the timing failed\).*timing.ipynb"):
        run_notebooks(params, src, out, names=["00_overview", "timing"], log=lines.append)
    assert (tmp_path / "results" / "overview.txt").read_text() == "smoke [0, 1]"  # the parameters reached the kernel
    runs = json.loads((out / "runs.json").read_text())
    assert set(runs) == {"00_overview"} and runs["00_overview"]["parameters"]["seeds"] == [0, 1]
    assert any(line.startswith("estimate:") for line in lines)

    # Mended, the run resumes: the overview is skipped, the timing runs.
    _notebook(src, "timing", write.format("timing"))
    lines.clear()
    done = run_notebooks(params, src, out, names=["00_overview", "timing"], log=lines.append)
    assert [d["name"] for d in done] == ["timing"] and any("00_overview: done before" in line for line in lines)
    assert nbformat.read(out / "timing.ipynb", as_version=4).cells  # the executed copy is there

    # Nothing changed: nothing runs. Another source or other parameters: that one runs again.
    assert run_notebooks(params, src, out, names=["00_overview", "timing"], log=lines.append) == []
    _notebook(src, "00_overview", write.format("overview") + "\n1 + 1")
    assert [d["name"] for d in run_notebooks(params, src, out, names=["00_overview", "timing"], log=lines.append)] == ["00_overview"]
    other = suite_params("smoke", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results", seeds=[2])
    assert len(run_notebooks(other, src, out, names=["00_overview", "timing"], log=lines.append)) == 2
    assert (tmp_path / "results" / "timing.txt").read_text() == "smoke [2]"
    assert len(run_notebooks(other, src, out, names=["timing"], force=True, log=lines.append)) == 1


def test_unknown_or_missing_notebooks_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(HiarError, match="unknown notebook table9: expected some of 00_overview"):
        notebook_steps(tmp_path, tmp_path / "out", {}, names=["table9"])
    with pytest.raises(HiarError, match="timing.ipynb not found"):
        notebook_steps(tmp_path, tmp_path / "out", {}, names=["timing"])
    assert NOTEBOOKS[0] == "00_overview" and NOTEBOOKS.index("table3_action_region") < NOTEBOOKS.index("fig5_confusion")


def test_the_estimate_counts_every_head_once_and_takes_head_time_from_a_record(tmp_path: Path) -> None:
    """On a fresh cache folder every row's head is pending, on cross-subject (the profile's
    400 iterations) and on the N-UCLA analogue (fine-tuned: 100); a head that Tables 6 and
    7 share counts once; the rate comes from the reference record (seconds over seeds and
    iterations)."""
    src = Path(__file__).resolve().parents[1] / "notebooks"
    results = tmp_path / "results"
    results.mkdir()
    record = {"format": "hiar.results", "version": 1, "artefact": "train", "parameters": {}, "metrics": {},
              "provenance": {"git_commit": "x", "date": "2026-01-01", "wall_time_s": 300.0, "seeds": [0, 1, 2]}}  # fmt: skip
    (results / "quick_tahnet_v1_cs.json").write_text(json.dumps(record))
    params = suite_params("quick", cache_dir=tmp_path / "cache", results_dir=results)
    steps = notebook_steps(src, tmp_path / "out", {}, names=["table6_fpn_levels", "table7_complexity"])
    est = estimate(steps, params, results)
    from hiar_lib.experiments.tables import table_spec

    six, seven = len(table_spec(6).rows), len(table_spec(7).rows)
    assert six == 8 and seven == 16
    shared = 2  # Table 6's P2+P3 rows (CB+Conv3Dx4 and x5 at DIM 512) are Table 7's rows 2 and 3
    rate = 300.0 / 3 / 400  # seconds per iteration
    assert est.lines[0].startswith(f"table6_fpn_levels: {2 * six} heads to train, {six * 500} iterations x 0.25 s (quick_tahnet_v1_cs.json)")
    assert est.lines[1].startswith(f"table7_complexity: {2 * (seven - shared)} heads to train, {(seven - shared) * 500} iterations")
    assert est.seconds == pytest.approx((six + seven - shared) * 500 * rate)
    assert "feature extraction" in est.summary() and "the detector's training" in est.summary()


def test_the_results_page_shows_each_record_of_the_profile_with_its_provenance(tmp_path: Path) -> None:
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record

    rows = [{"row": "basic", "top1": 41.25, "paper": 83.89, "difference": 41.25 - 83.89},
            {"row": "outermost", "top1": 47.5, "paper": 86.17, "difference": 47.5 - 86.17}]  # fmt: skip
    write_record(tmp_path / "table3_action_region_quick.json", "table3_action_region", {}, {"rows": rows},
                 provenance(profile="quick", seeds=[0], wall_time_s=120.0))  # fmt: skip
    write_record(tmp_path / "table3_action_region_smoke.json", "table3_action_region", {}, {"rows": rows[:1]},
                 provenance(profile="smoke", seeds=[0], wall_time_s=1.0))  # fmt: skip
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "fig5_confusion_quick.png").write_bytes(b"")
    clips = [{"name": "A03_P003_T0016_C1", "truth": "falling", "tracks": [{"track": 0, "action": "falling"}]}]
    write_record(tmp_path / "fig6_multiperson_quick.json", "figure6_multiperson", {}, {"clips": clips, "figure": "figures/x.png"},
                 provenance(profile="quick", seeds=[0], wall_time_s=1.0))  # fmt: skip
    page = results_page(tmp_path, "quick")
    assert "| name | truth |\n|---|---|\n| A03_P003_T0016_C1 | falling |" in page  # each track is in the record
    assert "| row | top1 | paper | difference |" in page
    assert "| outermost | 47.50 | 86.17 | -38.67 |" in page and "| basic | 41.25 | 83.89 | -42.64 |" in page
    assert page.count("## table3_action_region") == 1  # the smoke record is another profile's
    assert "profile quick; seeds 0;" in page and "wall time 2.0 min" in page
    assert "![fig5_confusion_quick](figures/fig5_confusion_quick.png)" in page
    # A benchmark's record is listed with the provenance it names (no profile: none said).
    bench = write_record(tmp_path / "bench" / "planted_bugs.json", "planted_bugs", {}, {"plants": 1},
                         provenance(device="cpu", wall_time_s=90.0))  # fmt: skip
    (tmp_path / "bench" / "broken.json").write_text("{not json")
    page = results_page(tmp_path, "quick")
    prov = read_record(bench).provenance
    line = f"- [planted_bugs.json](bench/planted_bugs.json): *commit `{prov['git_commit'][:12]}`; device {prov['device']}; "
    assert line in page and "wall time 1.5 min*" in page and "profile None" not in page
    assert "- [broken.json](bench/broken.json): unreadable record" in page


def test_the_results_page_answers_whether_the_claims_hold_from_the_synthetic_full_record(tmp_path: Path) -> None:
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record

    assert "Not measured yet: `make claims`" in results_page(tmp_path, "quick")
    claims = [
        {"claim": "t3_outermost_beats_basic", "statement": "Table 3: outermost beats basic", "n_seeds": 3, "claimed_top1": 50.0, "baseline_top1": 47.0,
         "difference_mean": 3.0, "difference_std": 1.0, "ci_low": 0.52, "ci_high": 5.48, "verdict": "holds", "paper_difference": 2.28},
        {"claim": "t6_p2p3_beats_p2", "statement": "Table 6: P2+P3 beats P2", "n_seeds": 5, "claimed_top1": 40.0, "baseline_top1": 44.0,
         "difference_mean": -4.0, "difference_std": 1.0, "ci_low": -5.24, "ci_high": -2.76, "verdict": "reversed", "paper_difference": 0.61},
        {"claim": "oracle_ground_truth_beats_detected", "statement": "Oracle (ours)", "n_seeds": 5, "claimed_top1": 45.0, "baseline_top1": 45.0,
         "difference_mean": 0.0, "difference_std": 2.0, "ci_low": -2.48, "ci_high": 2.48, "verdict": "inconclusive", "paper_difference": None},
    ]  # fmt: skip
    write_record(tmp_path / "claims_synthetic-full.json", "claims", {"rule": "holds: interval above -margin"},
                 {"claims": claims, "trade_off": []}, provenance(profile="synthetic-full", seeds=[0, 1, 2, 3, 4], wall_time_s=3600.0))  # fmt: skip
    page = results_page(tmp_path, "quick")  # the quick page answers from synthetic-full's record
    assert "of 3 claims, each tested at 95 % on its own, 1 holds, 1 is reversed and 1 is inconclusive" in page
    assert "- **holds**: Table 3: outermost beats basic (3 seeds)\n- **reversed**: Table 6: P2+P3 beats P2 (5 seeds)\n" in page
    assert "Table 7's trade-off" not in page  # a record without the curve
    assert "| Table 6: P2+P3 beats P2 | 5 | 40.00 | 44.00 | -4.00 ± 1.00 | [-5.24, -2.76] | reversed | 0.61 |" in page
    assert "| Oracle (ours) | 5 | 45.00 | 45.00 | 0.00 ± 2.00 | [-2.48, 2.48] | inconclusive |  |" in page
    assert "profile synthetic-full; seeds 0, 1, 2, 3, 4;" in page
    # Beside each verdict, what about the benchmark the claim may feel (the claims' own notes, not the record's).
    from hiar_lib.experiments.claims import CLAIMS

    notes = {c.key: c.here for c in CLAIMS}
    assert f"- Table 6: P2+P3 beats P2 (**reversed**): {notes['t6_p2p3_beats_p2']}" in page
    assert f"- Oracle (ours) (**inconclusive**): {notes['oracle_ground_truth_beats_detected']}" in page
    assert all(notes.values())  # every claim has one
    assert "Where the seed-to-seed spread comes from" not in page  # a record from before the spread was measured


def test_the_results_pages_claims_section_keeps_claims_of_one_table_apart_and_tables_the_trade_off(tmp_path: Path) -> None:
    """The verdict lists name each claim by its statement less its closing details, so
    Table 2's two analogues stay two; counts agree with their verbs; the trade-off curve
    is a table of GMACs and top-1 beside the paper's."""
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record

    def claim(key: str, statement: str, verdict: str) -> dict:
        return {"claim": key, "statement": statement, "n_seeds": 5, "claimed_top1": 50.0, "baseline_top1": 45.0, "difference_mean": 5.0,
                "difference_std": 9.0, "ci_low": -6.2, "ci_high": 16.2, "verdict": verdict, "paper_difference": None}  # fmt: skip

    claims = [claim("t2_pretraining_helps", "Table 2 (analogue): starting from the cross-subject head beats training from scratch "
                    "on V(1,2)->3 (TAHNet-v2, T = 8)", "inconclusive"),
              claim("t2_pretraining_on_a_larger_benchmark_helps", "Table 2 (analogue without the leak): starting from the larger "
                    "benchmark's head beats training from scratch (TAHNet-v2)", "inconclusive"),
              claim("t3_outermost_beats_basic", "Table 3: the outermost action region beats the basic one (TAHNet-v1)", "inconclusive")]  # fmt: skip
    curve = [{"head": "tahnet_v1", "gmacs_paper_widths": 145.15, "gmacs_trained": 0.1478, "top1": 46.19, "top1_std": 8.22, "seeds": 3, "paper": 86.43},
             {"head": "tahnet_v4", "gmacs_paper_widths": 5.28, "gmacs_trained": 0.0232, "top1": 48.56, "top1_std": 4.32, "seeds": 3, "paper": 85.3}]  # fmt: skip
    write_record(tmp_path / "claims_synthetic-full.json", "claims", {"rule": "r"}, {"claims": claims, "trade_off": curve},
                 provenance(profile="synthetic-full", seeds=[0, 1, 2, 3, 4], wall_time_s=60.0))  # fmt: skip
    page = results_page(tmp_path, "quick")
    assert "0 hold, 0 are reversed and 3 are inconclusive" in page
    assert ("- **inconclusive**: Table 2 (analogue): starting from the cross-subject head beats training from scratch on "
            "V(1,2)->3 (5 seeds); Table 2 (analogue without the leak): starting from the larger benchmark's head beats training "
            "from scratch (5 seeds); Table 3: the outermost action region beats the basic one (5 seeds)\n") in page
    assert "Table 7's trade-off, cross-subject (`figures/claims_trade_off_synthetic-full.png`):" in page
    assert "| tahnet_v1 | 145.15 | 0.148 | 46.19 ± 8.22 | 3 | 86.43 |\n| tahnet_v4 | 5.28 | 0.023 | 48.56 ± 4.32 | 3 | 85.30 |" in page


def test_the_results_page_says_how_top1_goes_with_the_loss_each_head_ended_at(tmp_path: Path) -> None:
    from hiar_lib.experiments.provenance import provenance
    from hiar_lib.experiments.records import write_record

    claims = [{"claim": "t3_outermost_beats_basic", "statement": "Table 3: outermost beats basic", "n_seeds": 3, "claimed_top1": 50.0,
               "baseline_top1": 47.0, "difference_mean": 3.0, "difference_std": 1.0, "ci_low": 0.52, "ci_high": 5.48,
               "verdict": "holds", "paper_difference": 2.28}]  # fmt: skip
    points = [{"run": "a", "seed": s, "final_loss": 1.0 + s, "top1": 60.0 - 5 * s} for s in range(6)]
    spread = {"heads": 1, "points": points, "pearson_r": -0.93}
    write_record(tmp_path / "claims_synthetic-full.json", "claims", {"rule": "r"},
                 {"claims": claims, "trade_off": [], "seed_spread": spread}, provenance(profile="synthetic-full", seeds=[0, 1, 2], wall_time_s=60.0))  # fmt: skip
    page = results_page(tmp_path, "quick")
    assert ("over the 6 heads and seeds the claims trained, top-1 against the training loss each head ended at (mean over "
            "its last fifth of iterations) correlates at Pearson r = -0.93 (`figures/claims_seed_spread_synthetic-full.png`)") in page


def test_the_claims_estimate_counts_each_arms_heads_once(tmp_path: Path) -> None:
    """On a fresh cache folder every arm of every claim is pending at the claims' seeds:
    heads two claims share (TAHNet-v1 at T = 8 is the oracle's baseline, Table 7's and the
    trade-off's) count once; the N-UCLA analogue's head from scratch takes the full 400
    iterations, its fine-tuned twin 100 and brings its cross-subject start along."""
    from hiar_lib.experiments.claims import CLAIMS
    from hiar_lib.experiments.reproduce import _pending_heads, notebook_estimate

    params = suite_params("quick", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results", seeds=[0, 1, 2])
    heads, caches = _pending_heads(params, "claims")
    est = notebook_estimate("claims", params)
    assert est.lines[0].startswith(f"claims: {len(heads)} heads to train") and "feature extraction" in est.summary()
    assert sorted(caches) == ["quick-crops", "quick-crops-oracle"]
    keys = {k[:-1] for k in heads}
    assert len(heads) == 3 * len(keys)  # every head at each of the 3 seeds
    # On v12_3 TAHNet-v2 from scratch (400 iterations) and fine-tuned (100), whose cross-subject start comes along.
    assert sorted(v for k, v in heads.items() if k[1] == "v12_3") == [100] * 3 + [400] * 3
    assert sum(k[1] == "cs" and k[2] == "tahnet_v2" for k in keys) == 1
    assert [k[2] for k in keys if k[0] == "quick-crops-oracle"] == ["tahnet_v1"]  # the oracle's one head
    # 26 arms (19 distinct) and 4 trade-off heads; the shared ones once: TAHNet-v1 at T = 8 is the oracle's baseline, Table 7's
    # claim's and the trade-off's; Table 6's P2+P3 row is in its three claims; v4 in Table 7's claim and the curve;
    # v2's cross-subject head is the fine-tuned arm's start and the curve's v2; v3 is the curve's alone.
    arms = {(a.protocol, a.instances, a.start, a.row().head, repr(a.row().clip)) for c in CLAIMS for a in (c.claimed, c.baseline)}
    assert len(CLAIMS) == 13 and len(arms) == 19
    # Three of those rows are one head, TAHNet-v1 at T = 8 pooling the outermost region over P2+P3 (Table 3's
    # outermost row, Table 6's P2+P3 row, and the oracle's and Table 7's baseline as the profile's clip): counted once.
    # At quick the pretraining claim without the leak has no smaller benchmark: its arms are the leaky claim's heads.
    v1 = [k for k in keys if k[:3] == ("quick-crops", "cs", "tahnet_v1") and k[3].startswith('["T8_outermost_P2P3_S14_mean"')]
    assert len(v1) == 1 and len(keys) == len(arms) - 2 - 1 + 1 + 1  # + the fine-tuned head's start + the curve's v3
    assert sum(k[1] == "cs" and k[2] == "tahnet_v3" for k in keys) == 1


def test_the_claims_estimate_at_synthetic_full_trains_the_smaller_benchmarks_heads_at_quick(tmp_path: Path) -> None:
    from hiar_lib.experiments.reproduce import _pending_heads

    params = suite_params("synthetic-full", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results", seeds=[0, 1, 2])
    heads, caches = _pending_heads(params, "claims")
    assert sorted(caches) == ["quick-crops", "synthetic-full-crops", "synthetic-full-crops-oracle"]
    small = {k: v for k, v in heads.items() if k[0] == "quick-crops"}
    # quick's V(1,2)->3 TAHNet-v2 from scratch (quick's 400 iterations) and from synthetic-full's cross-subject head
    # (quick's 100 fine-tuning iterations), which is the leaky claim's start, already counted at synthetic-full.
    assert sorted(small.values()) == [100] * 3 + [400] * 3 and {k[1:3] for k in small} == {("v12_3", "tahnet_v2")}
    assert sum('"synthetic-full cross-subject"' in k[3] for k in small) == 3
    assert sum(k[:3] == ("synthetic-full-crops", "cs", "tahnet_v2") for k in heads) == 3  # one start, 3 seeds


def test_a_heads_rate_is_the_median_logged_by_the_heads_trained_here(tmp_path: Path) -> None:
    """Seconds per iteration come from the training logs (a resumed run's restarted clock
    is not counted as time going backwards)."""
    from hiar_lib.experiments.reproduce import _seconds_per_head_iteration, _seconds_per_iteration

    log = tmp_path / "cache" / "runs" / "quick-crops_cs_tahnet_v1_quick_T8" / "seed0" / "train_log.jsonl"
    log.parent.mkdir(parents=True)
    entries = [(10, 5.0), (20, 10.0), (30, 1.0), (40, 6.0)]  # resumed after iteration 20
    log.write_text("".join(json.dumps({"iteration": i, "loss": 1.0, "elapsed_s": t}) + "\n" for i, t in entries))
    assert _seconds_per_iteration(log) == (0.5, 20)
    params = suite_params("quick", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    assert _seconds_per_head_iteration(params, tmp_path / "results") == (0.5, "the median rate of 1 heads trained here")
    smoke = suite_params("smoke", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    assert _seconds_per_head_iteration(smoke, tmp_path / "results") == (None, "")  # no smoke head logged, no smoke record
    # synthetic-full's heads cost what quick's do (the same widths, batch and clips): quick's rate stands in for them.
    full = suite_params("synthetic-full", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    rate, source = _seconds_per_head_iteration(full, tmp_path / "results")
    assert rate == 0.5 and source.endswith("at quick (the same widths, batch and clips)")


def test_a_missing_cache_is_estimated_from_the_seconds_per_video_other_caches_recorded(tmp_path: Path) -> None:
    from hiar_lib.experiments.reproduce import _cache_seconds

    params = suite_params("quick", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    assert _cache_seconds(params) is None  # nothing timed yet
    made = tmp_path / "cache" / "features" / "quick-crops"
    made.mkdir(parents=True)
    (made / "cache.json").write_text(json.dumps({"format": 2, "config": {}, "extraction_time": {"videos": 4, "seconds": 10.0}}))
    assert _cache_seconds(params) == pytest.approx(216 * 2.5)  # the benchmark not made yet: its plan's 72 takes x 3 views
    bench = tmp_path / "cache" / "synthetic" / "quick"
    bench.mkdir(parents=True)
    (bench / "manifest.json").write_text(json.dumps({"classes": ["a"], "clips": [{"name": str(i)} for i in range(100)]}))
    assert _cache_seconds(params) == pytest.approx(100 * 2.5)  # made: its manifest's clips
    smoke = suite_params("smoke", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    assert _cache_seconds(smoke) is None  # another profile's caches do not count (smaller frames, 8 videos a split)
    full = suite_params("synthetic-full", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    assert _cache_seconds(full) == pytest.approx(648 * 2.5)  # quick's frames and extraction: quick's rate


def test_a_partly_extracted_cache_is_pending_for_the_share_of_its_videos_not_cached(tmp_path: Path) -> None:
    """A killed extraction leaves ``cache.json`` and some videos: the estimate counts the
    videos its splits name that have no file yet, not the whole cache, and not nothing;
    the detected and oracle caches of the embedded benchmark are one detector pass, counted
    once (:func:`hiar_lib.features.cache_share_left` of both)."""
    from hiar_lib.experiments.reproduce import notebook_estimate
    from hiar_lib.features import cached_video_path

    cache = tmp_path / "cache" / "features" / "quick-crops"
    cache.mkdir(parents=True)
    splits = {"cs": {"train": ["a", "b"], "test": ["c", "d"]}, "cv": {"train": ["a", "c"], "test": ["b", "d"]}}
    timed = {"videos": 10, "seconds": 40.0}
    config = {"kind": "crops", "levels": ["P2", "P3", "P4", "P5"], "max_clip_len": 16}  # what quick keeps
    (cache / "cache.json").write_text(json.dumps({"format": 2, "config": config, "splits": splits, "extraction_time": timed}))
    for name in "bcd":
        cached_video_path(cache, name).write_bytes(b"x")
    params = suite_params("quick", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results")
    est = notebook_estimate("claims", params)
    # the oracle cache is not begun, so its pass covers every video (the detected cache's missing quarter too)
    assert "feature caches quick-crops + quick-crops-oracle (one detector pass) to extract" in est.lines[0]
    # no head or detector time is logged here, so the seconds are the extraction's alone: one pass over
    # quick's plan's 216 videos at the 4 s a video logged
    assert est.seconds == pytest.approx(216 * 4.0)
    oracle = tmp_path / "cache" / "features" / "quick-crops-oracle"
    oracle.mkdir()
    (oracle / "cache.json").write_text(json.dumps({"format": 2, "config": {**config, "instances": "ground_truth"}, "splits": splits}))
    for name in "abcd":
        cached_video_path(oracle, name).write_bytes(b"x")
    est = notebook_estimate("claims", params)
    assert "feature caches quick-crops (25 % of it) to extract" in est.lines[0]  # the oracle is made: only a is left
    assert est.seconds == pytest.approx(0.25 * 216 * 4.0)
    cached_video_path(oracle, "b").unlink()
    est = notebook_estimate("claims", params)
    assert "feature caches quick-crops + quick-crops-oracle (one detector pass) (50 % of it) to extract" in est.lines[0]
    assert est.seconds == pytest.approx(0.5 * 216 * 4.0)


@pytest.mark.slow
def test_make_claims_rewrites_the_results_page_of_the_profile_it_was_written_for(tmp_path: Path) -> None:
    """`make claims` runs at synthetic-full but the page it regenerates stays the one the
    folder has (every page carries the claims section); other runs write their own."""
    from hiar_lib.cli import main

    src = tmp_path / "notebooks"
    src.mkdir()
    for name in ("claims", "00_overview"):
        _notebook(src, name, f"from pathlib import Path\nPath(results_dir, '{name}.txt').write_text('ran')")
    results = tmp_path / "results"
    results.mkdir()
    (results / "README.md").write_text("# Results at the `quick` profile\n\nwritten by hand before\n")
    common = ["--cache-dir", str(tmp_path / "cache"), "--results-dir", str(results), "--notebooks", str(src)]
    assert main(["reproduce", "--profile", "synthetic-full", "--only", "claims", *common]) == 0
    assert (results / "claims.txt").read_text() == "ran"
    page = (results / "README.md").read_text()
    assert page.startswith("# Results at the `quick` profile") and "written by hand before" not in page  # rewritten, as quick's
    assert "## Do the paper's claims hold?" in page
    (results / "README.md").unlink()
    assert main(["reproduce", "--profile", "synthetic-full", "--only", "claims", "--force", *common]) == 0
    assert (results / "README.md").read_text().startswith("# Results at the `quick` profile")  # none yet: the default
    assert main(["reproduce", "--profile", "smoke", "--only", "00_overview", *common]) == 0
    assert (results / "README.md").read_text().startswith("# Results at the `smoke` profile")


def test_a_seed_stopped_part_way_is_pending_for_the_iterations_left_and_a_finished_one_not_at_all(tmp_path: Path) -> None:
    """Checkpoints are kept every few hundred iterations: the estimate counts what a resumed
    run has left (quick's TAHNet-v1 trains 400 iterations)."""
    import torch

    from hiar_lib.engine import checkpoint_iteration
    from hiar_lib.engine.train import CHECKPOINT_FORMAT
    from hiar_lib.experiments.reproduce import add_pending_head
    from hiar_lib.experiments.suite import head_run_dir
    from hiar_lib.experiments.tables import table_spec

    cache = tmp_path / "cache" / "features" / "quick-crops"
    cache.mkdir(parents=True)
    config = {"kind": "crops", "levels": ["P2", "P3", "P4", "P5"], "max_clip_len": 16}
    (cache / "cache.json").write_text(json.dumps({"format": 2, "config": config, "splits": {}}))
    params = suite_params("quick", cache_dir=tmp_path / "cache", results_dir=tmp_path / "results", seeds=[0, 1, 2])
    row = table_spec(3, "cs").rows[1]  # outermost TAHNet-v1
    run = head_run_dir(params, cache, row.head, row.clip)
    for seed, iteration in ((0, 150), (1, 400)):
        (run / f"seed{seed}").mkdir(parents=True)
        torch.save({"format": CHECKPOINT_FORMAT, "iteration": iteration}, run / f"seed{seed}" / "last.pt")
    (run / "seed2").mkdir()
    (run / "seed2" / "last.pt").write_bytes(b"not a checkpoint")  # unreadable: it starts over
    assert checkpoint_iteration(run / "seed0") == 150 and checkpoint_iteration(run / "seed2") == 0
    heads: dict = {}
    add_pending_head(params, row, None, heads, [])
    assert heads == {(str(run), "0"): 250, (str(run), "2"): 400}
