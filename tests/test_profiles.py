"""Profiles: one name yields every stage's settings."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from hiar_lib.errors import HiarError
from hiar_lib.experiments.provenance import provenance
from hiar_lib.profiles import DETECTOR_DATA_SEED, PROFILE_NAMES, PROFILES, detector_profile, get_profile


def test_the_four_profiles_of_the_design_exist_in_order_of_size():
    assert PROFILE_NAMES == ("smoke", "quick", "synthetic-full", "paper")
    sizes = [len(p.synth.classes) * p.synth.takes_per_class * len(p.synth.views) * p.synth.num_frames
             for p in (get_profile("smoke"), get_profile("quick"), get_profile("synthetic-full"))]  # fmt: skip
    assert sizes == sorted(sizes) and len(set(sizes)) == 3
    assert get_profile("smoke").detector.iterations < get_profile("quick").detector.iterations
    # synthetic-full shares quick's detector: the same training settings on the same benchmark of its own.
    quick, full = get_profile("quick"), get_profile("synthetic-full")
    assert (full.detector, full.detector_data) == (quick.detector, quick.detector_data)
    assert full.widths == quick.widths and full.extraction == quick.extraction
    heads = [get_profile(n).head_config().iterations for n in PROFILE_NAMES]
    assert heads == sorted(heads) and len(set(heads)) == 4


def test_every_synthetic_detector_trains_for_a_fixed_number_of_iterations_not_a_time_budget():
    for name, profile in PROFILES.items():
        if profile.detector is not None:
            assert profile.detector.minutes is None and profile.detector.iterations >= 1, name
    assert PROFILES["paper"].detector is None and PROFILES["paper"].synth is None  # COCO weights, real datasets


def test_synthetic_benchmarks_record_their_profile_name():
    for name, profile in PROFILES.items():
        if profile.synth is not None:
            assert profile.synth.profile == name
        if profile.detector_data is not None:  # its own detector's benchmark, or the profile's whose detector it uses
            assert profile.detector_data.profile == f"{detector_profile(name)}-detector"
    assert (detector_profile("quick"), detector_profile("synthetic-full"), detector_profile("smoke")) == ("quick", "quick", "smoke")


def test_every_synthetic_detector_trains_on_other_people_than_its_evaluation_benchmarks():
    for name, profile in PROFILES.items():
        if profile.detector is None:
            continue
        # every clip of a benchmark of its own, with more performers than the evaluation benchmark has
        assert profile.detector.split == "all" and profile.detector_data is not None, name
        assert profile.detector_data.num_subjects > profile.synth.num_subjects, name
        frame = (profile.detector_data.width, profile.detector_data.height, profile.detector_data.fps)
        assert frame == (profile.synth.width, profile.synth.height, profile.synth.fps), name  # the same camera
    assert DETECTOR_DATA_SEED != 0  # evaluation benchmarks are generated with seed 0


def test_a_profile_whose_detector_and_detector_data_disagree_is_refused():
    quick = get_profile("quick")
    with pytest.raises(ValueError, match="detector_data"):
        replace(quick, detector_data=None)
    with pytest.raises(ValueError, match="detector_data"):
        replace(quick, detector=replace(quick.detector, split="train"))
    assert replace(quick, detector=replace(quick.detector, split="train"), detector_data=None).detector_data is None


def test_unknown_profile_is_refused_with_the_list():
    with pytest.raises(HiarError, match="smoke, quick, synthetic-full, paper"):
        get_profile("fast")


def test_head_config_applies_the_profile_then_the_overrides():
    quick = get_profile("quick").head_config(head="tahnet_v3", seed=2)
    assert (quick.iterations, quick.lr, quick.batch_size, quick.milestones) == (400, 0.05, 8, (300,))
    # TAHNet-v3's 512-wide convolutions under quick's rule (/32), not v1's 32.
    assert quick.head == "tahnet_v3" and quick.seed == 2 and quick.head_options == {"dim_conv": 16, "dim_fc": 64}
    # head options merge; a shorter budget drops the milestones past it
    short = get_profile("quick").head_config(iterations=200, head_options={"dim_conv": 8})
    assert short.milestones == () and short.head_options == {"dim_conv": 8, "dim_fc": 64}
    kept = get_profile("quick").head_config(iterations=200, milestones=(100,))
    assert kept.milestones == (100,)


def test_a_fine_tuned_head_takes_the_profiles_fine_tuning_budget_where_it_has_one():
    """The synthetic N-UCLA analogues fine-tune cross-subject heads: a quarter of quick's
    iterations at a constant rate; the paper profile fine-tunes N-UCLA by its own entry."""
    tuned = get_profile("quick").head_config(finetune=True, head="tahnet_v1")
    assert (tuned.iterations, tuned.lr, tuned.batch_size, tuned.milestones) == (100, 0.01, 8, ())
    assert tuned.head_options == get_profile("quick").head_config(head="tahnet_v1").head_options  # the same widths
    assert get_profile("paper").head_config("nucla", finetune=True) == get_profile("paper").head_config("nucla")


def test_paper_head_schedule_follows_section_4_2_per_dataset():
    ntu = get_profile("paper").head_config("ntu60")
    assert (ntu.iterations, ntu.milestones, ntu.lr, ntu.momentum, ntu.batch_size) == (120_000, (80_000, 100_000), 0.001, 0.9, 4)
    nucla = get_profile("paper").head_config("nucla")
    assert (nucla.iterations, nucla.milestones) == (10_000, ())


def test_smoke_numbers_are_marked_meaningless_in_the_provenance():
    assert not get_profile("smoke").meaningful and all(get_profile(n).meaningful for n in PROFILE_NAMES[1:])
    assert "mean nothing" in provenance(profile="smoke")["warning"]
    assert "warning" not in provenance(profile="quick")


def test_profiles_module_imports_no_deep_learning_library():
    run = subprocess.run(
        [sys.executable, "-c", "import sys, hiar_lib.profiles; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert not {"torch", "torchvision", "av"} & set(run.stdout.split())
