"""One width rule per profile: every head shrunk alike, heads of other widths kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hiar_lib.head_widths import WidthRule, head_widths
from hiar_lib.engine import build_head
from hiar_lib.profiles import get_profile

REPO = Path(__file__).resolve().parents[1]


def test_the_rule_divides_convolution_and_fc_widths_and_keeps_at_least_one() -> None:
    rule = WidthRule(conv_divisor=16, fc_divisor=8)
    assert rule.scale(1024, 1024) == {"dim_conv": 64, "dim_fc": 128}
    assert rule.scale(512, 1024, (512, 128, 64)) == {"dim_conv": 32, "dim_fc": 128, "cb_widths": (32, 8, 4)}
    assert WidthRule(64, 32).scale(512, 16, (512, 128, 32)) == {"dim_conv": 8, "dim_fc": 1, "cb_widths": (8, 2, 1)}
    assert WidthRule().scale(512, 1024, (512, 128, 64)) == {"dim_conv": 512, "dim_fc": 1024, "cb_widths": (512, 128, 64)}
    assert WidthRule().identity and not rule.identity
    assert "divided by 16" in rule.describe() and "by 8" in rule.describe()
    with pytest.raises(ValueError, match="conv_divisor must be a positive integer"):
        WidthRule(conv_divisor=0)


def test_heads_the_paper_tells_apart_by_width_stay_apart_at_every_profile() -> None:
    assert head_widths("tahnet_v1") == (1024, 1024, None) and head_widths("tahnet_v3")[0] == 512
    for name in ("smoke", "quick", "synthetic-full", "paper"):
        profile = get_profile(name)
        v1 = profile.head_config(head="tahnet_v1").head_options.get("dim_conv", 1024)
        v3 = profile.head_config(head="tahnet_v3").head_options.get("dim_conv", 512)
        assert v1 == 2 * v3, name
    # Options given explicitly are taken as they are.
    assert get_profile("quick").head_config(head="tahnet_v3", head_options={"dim_conv": 8}).head_options["dim_conv"] == 8


def test_quick_trains_tahnet_v1_at_the_widths_of_its_committed_results() -> None:
    record = json.loads((REPO / "results" / "quick_tahnet_v1_cs.json").read_text())
    committed = record["parameters"]["train_config"]["head_options"]
    assert get_profile("quick").head_config(head="tahnet_v1").head_options == committed == {"dim_conv": 32, "dim_fc": 64}


def test_a_scaled_head_builds_with_the_scaled_widths() -> None:
    config = get_profile("smoke").head_config(head="tahnet_v3")
    head = build_head(config, num_classes=5, in_channels=8, input_size=(8, 14, 14))
    assert (head.config.dim_conv, head.config.dim_fc, head.config.spec) == (8, 32, "CB+Conv3Dx4+GAP+FC")
