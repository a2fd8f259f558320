"""Tests of hiar_lib.models: TAHNet heads, their presets and their GFLOPs count."""

from __future__ import annotations


import pytest
import torch
from torch import nn

from hiar_lib.errors import HiarError
from hiar_lib.models import (
    PRESET_NAMES,
    HeadSpec,
    TAHNet,
    TAHNetConfig,
    TAHNetSpecError,
    count_gflops,
    create_tahnet,
    parse_head_spec,
    preset_config,
    tahnet_v1,
    tahnet_v2,
    tahnet_v2_wo_cb,
    tahnet_v3,
    tahnet_v4,
)
from hiar_lib.experiments.paper_heads import paper_rows

PRESET_BUILDERS = {
    "tahnet_v1": tahnet_v1,
    "tahnet_v2": tahnet_v2,
    "tahnet_v2_wo_cb": tahnet_v2_wo_cb,
    "tahnet_v3": tahnet_v3,
    "tahnet_v4": tahnet_v4,
}


def meta_model(config: TAHNetConfig) -> TAHNet:
    """The head on the meta device: full size, no memory, no compute."""
    with torch.device("meta"):
        return TAHNet(config)


def test_count_gflops_is_macs_of_a_hand_computed_conv_and_linear():
    model = nn.Sequential(nn.Conv3d(4, 6, 3, stride=(1, 2, 2), padding=1), nn.Flatten(), nn.Linear(6 * 5 * 3 * 3, 7))
    # conv: 6 out * 4 in * 27 * (5*3*3 positions); linear: 270 * 7
    expected = (6 * 4 * 27 * 45 + 270 * 7) / 1e9
    assert count_gflops(model, (4, 5, 6, 6)) == pytest.approx(expected, rel=1e-12)
    assert count_gflops(model, (3, 4, 5, 6, 6)) == pytest.approx(expected, rel=1e-12)  # per clip


def test_count_gflops_leaves_the_model_as_it_was():
    model = create_tahnet("CB+Conv3Dx2+GAP+FC", dim_conv=16, dim_fc=8, input_size=(2, 4, 4), num_classes=3)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    g = count_gflops(model, model.expected_input_shape)
    assert g > 0
    assert model.training and all(m.training for m in model.modules())
    for k, v in model.state_dict().items():
        assert v.device.type == "cpu" and torch.equal(v, before[k])


def test_count_gflops_rejects_bad_shapes():
    model = nn.Linear(2, 2)
    for shape in [(2,), (1, 2, 3, 4, 5, 6), (0, 256, 8, 14, 14), (256, -8, 14, 14)]:
        with pytest.raises(ValueError, match="input_shape"):
            count_gflops(model, shape)


def test_design_md_facts_for_the_cb_free_and_dim512_heads():
    assert count_gflops(meta_model(preset_config("tahnet_v2_wo_cb")), (256, 8, 14, 14)) == pytest.approx(105.4, rel=1e-3)
    dim512 = [count_gflops(meta_model(TAHNetConfig(f"CB+Conv3Dx{n}+GAP+FC", dim_conv=512)), (256, 8, 14, 14)) for n in (3, 4, 5, 6)]
    assert dim512 == pytest.approx([14.2, 25.3, 36.4, 47.5], rel=1e-3)


# ----------------------------------------------------------------------------- presets


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_maps_a_batch_of_2_real_size_clips_to_logits(name):
    config = preset_config(name)
    model = meta_model(config)
    x = torch.empty(2, *model.expected_input_shape, device="meta")
    assert model(x).shape == (2, config.num_classes)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_runs_a_real_forward_and_backward_at_its_input_size_with_narrow_layers(name):
    torch.manual_seed(0)
    model = PRESET_BUILDERS[name](dim_conv=16, num_classes=5)
    x = torch.randn(2, *model.expected_input_shape)
    logits = model(x)
    assert logits.shape == (2, 5) and torch.isfinite(logits).all()
    logits.logsumexp(1).sum().backward()
    assert all(p.grad is not None for p in model.parameters())


def test_tahnet_v4_runs_at_full_width_on_cpu():
    model = tahnet_v4().eval()
    with torch.no_grad():
        out = model(torch.randn(1, 256, 8, 28, 28))
    assert out.shape == (1, 60)


def test_presets_are_the_heads_the_paper_names():
    assert preset_config("tahnet_v1").spec == "CB+Conv3Dx5+GAP+FC" and preset_config("tahnet_v1").dim_conv == 1024
    assert preset_config("tahnet_v2").spec == "CB+Conv3Dx4+GAP+FC" and preset_config("tahnet_v2").dim_conv == 1024
    assert preset_config("tahnet_v2_wo_cb").spec == "Conv3Dx4+GAP+FC"
    assert preset_config("tahnet_v3").spec == "CB+Conv3Dx4+GAP+FC" and preset_config("tahnet_v3").cb_channels == (512, 128, 64)
    v4 = preset_config("tahnet_v4")
    assert v4.spec == "CB+Conv3Dx3+GAP" and v4.input_size == (8, 28, 28) and v4.output_size == (2, 7, 7)
    assert [s for s, _ in v4.stage_shapes()][-3:] == ["convs.0", "convs.1", "convs.2"]
    assert [shape[1:] for _, shape in v4.stage_shapes()] == [(8, 28, 28), (4, 28, 28), (4, 28, 28), (4, 28, 28), (2, 14, 14), (2, 14, 14), (2, 7, 7)]
    # The names the text gives to table rows are the presets' heads.
    named = {"TAHNet-v1": "tahnet_v1", "TAHNet-v2": "tahnet_v2", "TAHNet-v3": "tahnet_v3", "TAHNet-v4": "tahnet_v4"}
    for r in paper_rows((5, 6, 7)):
        if r.name in named and not (r.table == 6 and r.block != 1):
            p = preset_config(named[r.name], num_classes=r.config.num_classes)
            assert (r.config.spec, r.config.dim_conv, r.config.input_size, r.config.conv_strides()) == (p.spec, p.dim_conv, p.input_size, p.conv_strides())


def test_preset_rejects_unknown_names_and_options():
    with pytest.raises(TAHNetSpecError, match="presets: tahnet_v1"):
        preset_config("tahnet_v9")
    with pytest.raises(TAHNetSpecError, match="dim_convv"):
        tahnet_v1(dim_convv=3)


def test_table4_first_block_heads_build_at_8x7x7_and_run():
    for spec in ("FCx2", "Conv2Dx2+FCx2"):
        model = create_tahnet(spec, dim_conv=8, dim_fc=16, input_size=(8, 7, 7), in_channels=4, num_classes=3)
        assert model(torch.randn(2, 4, 8, 7, 7)).shape == (2, 3)
    cfg = TAHNetConfig("Conv2Dx2+FCx2", dim_conv=256, input_size=(8, 7, 7))
    assert cfg.conv_strides() == [(1, 1, 1), (1, 2, 2)] and cfg.output_size == (8, 4, 4)
    assert cfg.feature_dim == 1024


# ------------------------------------------------------------------------- spec parsing


def test_spec_parses_into_the_paper_tables_fields():
    assert parse_head_spec("CB+Conv3Dx5+GAP+FC") == HeadSpec(cb=True, conv_type="Conv3D", n_conv=5, gap=True, n_fc=1)
    assert parse_head_spec("FCx2") == HeadSpec(n_fc=2)
    assert parse_head_spec(" Conv2Dx2 + FC×2 ") == HeadSpec(conv_type="Conv2D", n_conv=2, n_fc=2)
    assert str(parse_head_spec("Conv3D+FCx1")) == "Conv3Dx1+FC"
    assert TAHNetConfig("CB + Conv3Dx3 + GAP").spec == "CB+Conv3Dx3+GAP"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "empty head spec"),
        ("CB+Conv4Dx3+GAP", "unknown module 'Conv4D'"),
        ("cb+Conv3Dx3", "did you mean 'CB'"),
        ("CB+conv3dx3", "did you mean 'Conv3D'"),
        ("Conv3Dx0+FC", "at least 1"),
        ("CBx2+Conv3Dx3", "CB takes no repeat count"),
        ("Conv3Dx3+GAPx2", "GAP takes no repeat count"),
        ("Conv3Dx2+Conv3Dx3", "appears twice"),
        ("Conv2Dx2+Conv3Dx2", "cannot be mixed"),
        ("GAP+Conv3Dx3", "Conv3D after GAP"),
        ("Conv3Dx3+FC+GAP", "GAP after FC"),
        ("Conv3Dx3++FC", "bad module ''"),
        ("Conv3D x3", "bad module"),
        ("Conv3Dx-1", "bad module"),
    ],
)
def test_bad_specs_raise_a_clear_error(spec, message):
    with pytest.raises(TAHNetSpecError, match=message):
        parse_head_spec(spec)
    with pytest.raises(TAHNetSpecError):
        create_tahnet(spec)


def test_spec_errors_are_hiar_errors_and_value_errors():
    with pytest.raises(HiarError):
        parse_head_spec("MLP")
    with pytest.raises(ValueError):
        parse_head_spec("MLP")
    with pytest.raises(TAHNetSpecError, match="must be a string"):
        parse_head_spec(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(spec="Conv3Dx3+GAP", dim_conv=0), "dim_conv must be a positive integer"),
        (dict(spec="Conv3Dx3+GAP", input_size=(8, 14)), "input_size must be three"),
        (dict(spec="Conv3Dx3+GAP", input_size=(8, 0, 14)), "input_size must be three positive"),
        (dict(spec="Conv3Dx3+GAP", cb_temporal_kernel=3), "has no CB"),
        (dict(spec="CB+Conv3Dx3+GAP", cb_temporal_kernel=2), "must be odd"),
        (dict(spec="CB+GAP+FC", first_conv_stride=(2, 2, 2)), "has no Conv3D/Conv2D"),
        (dict(spec="Conv2Dx2+FCx2", last_conv_stride=(2, 2, 2)), "never strides over T"),
        (dict(spec="CB+Conv3Dx3+GAP", cb_widths=(64, 32)), "cb_widths must be three"),
        (dict(spec="Conv3Dx3+GAP", norm="layer"), "norm must be"),
        (dict(spec="Conv3Dx3+GAP", dropout=1.0), "dropout"),
    ],
)
def test_bad_options_raise_a_clear_error(options, message):
    with pytest.raises(TAHNetSpecError, match=message):
        TAHNetConfig(**options)


def test_create_tahnet_rejects_unknown_options():
    with pytest.raises(TAHNetSpecError, match="unknown TAHNet option"):
        create_tahnet("Conv3Dx3+GAP", channels=256)


# ----------------------------------------------------------------------- input checking


@pytest.mark.parametrize(
    "shape, message",
    [
        ((256, 8, 14, 14), r"got a 4-d tensor of shape \(256, 8, 14, 14\)"),
        ((1, 128, 8, 14, 14), r"built for input \(B, 256, 8, 14, 14\), got \(1, 128, 8, 14, 14\)"),
        ((1, 256, 16, 14, 14), r"input_size=\(16, 14, 14\)"),
        ((1, 256, 8, 28, 28), r"built for input \(B, 256, 8, 14, 14\)"),
    ],
)
def test_bad_input_shapes_raise_a_clear_error(shape, message):
    model = meta_model(preset_config("tahnet_v1"))
    with pytest.raises(ValueError, match=message):
        model(torch.empty(shape, device="meta"))


def test_non_tensor_and_integer_inputs_are_rejected():
    model = create_tahnet("GAP+FC", dim_fc=4, in_channels=3, input_size=(2, 2, 2), num_classes=2)
    with pytest.raises(TypeError, match="expects a tensor"):
        model([[0.0]])
    with pytest.raises(ValueError, match="floating-point"):
        model(torch.zeros(1, 3, 2, 2, 2, dtype=torch.long))


def test_forward_features_is_the_head_output_before_the_classifier():
    model = create_tahnet("CB+Conv3Dx2+GAP+FC", dim_conv=8, dim_fc=12, in_channels=4, input_size=(4, 6, 6), num_classes=3).eval()
    x = torch.randn(2, 4, 4, 6, 6)
    c = model.forward_features(x)
    assert c.shape == (2, model.config.feature_dim) == (2, 12)
    torch.testing.assert_close(model.classifier(c), model(x))


def test_norm_none_gives_biased_convs_without_batchnorm():
    model = create_tahnet("CB+Conv3Dx2+GAP", dim_conv=8, in_channels=4, input_size=(2, 4, 4), norm="none", num_classes=2)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv3d)]
    assert len(convs) == 5 and all(c.bias is not None for c in convs)
    assert not any(isinstance(m, nn.BatchNorm3d) for m in model.modules())


def test_hidden_fc_layers_start_at_he_scale_and_the_classifier_near_zero() -> None:
    # At std 0.01 (the classifier's), hidden FC layers shrink every gradient that reaches
    # the convolutions by ~1e-4 and plain SGD stalls; see TAHNet._init_weights.
    torch.manual_seed(0)
    model = create_tahnet("CB+Conv3Dx2+GAP+FC", in_channels=32, input_size=(4, 7, 7), dim_conv=64, dim_fc=256, num_classes=10)
    hidden = model.fcs[0].weight
    assert hidden.std().item() == pytest.approx((2.0 / hidden.shape[1]) ** 0.5, rel=0.1)
    assert model.classifier.weight.std().item() == pytest.approx(0.01, rel=0.1)
    assert not model.classifier.bias.any() and not model.fcs[0].bias.any()
