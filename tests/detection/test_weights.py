"""hiar_lib.detection.weights: finding, reading and checking the paper preset's COCO files
and the library's own checkpoints.

No weights are downloaded: the paper preset's loading path is exercised with state dicts
of torchvision's own architectures, saved under a temporary torch hub cache with the
exact file names of the COCO_V1 weight enums.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import torch
from torchvision.models.detection import (
    KeypointRCNN_ResNet50_FPN_Weights,
    MaskRCNN_ResNet50_FPN_Weights,
    keypointrcnn_resnet50_fpn,
    maskrcnn_resnet50_fpn,
)

from hiar_lib.detection.build import build_detector
from hiar_lib.detection.weights import WeightsError, find_paper_weights, save_detector, state_dict_sha256
from tests.detection.conftest import SMALL

KP_FILE = os.path.basename(KeypointRCNN_ResNet50_FPN_Weights.COCO_V1.url)
MASK_FILE = os.path.basename(MaskRCNN_ResNet50_FPN_Weights.COCO_V1.url)


@pytest.fixture(scope="module")
def coco_like_checkpoints(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """torchvision's two COCO architectures, random init, saved under TORCH_HOME/hub/checkpoints."""
    torch.manual_seed(0)
    home = tmp_path_factory.mktemp("torch_home")
    folder = home / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    kp = keypointrcnn_resnet50_fpn(weights=None, weights_backbone=None).state_dict()
    mk = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None).state_dict()
    torch.save(kp, folder / KP_FILE)
    torch.save(mk, folder / MASK_FILE)
    keep = {
        "backbone": "backbone.body.layer1.0.conv1.weight",
        "bn_mean": "backbone.body.layer2.0.bn1.running_mean",
        "fpn": "backbone.fpn.inner_blocks.0.0.weight",
        "rpn": "rpn.head.conv.0.0.weight",
        "kp_head": "roi_heads.keypoint_head.0.weight",
        "box": "roi_heads.box_predictor.cls_score.weight",
    }
    return {
        "home": home,
        "folder": folder,
        "kp": {n: kp[k].clone() for n, k in keep.items()} | {"_keys": keep},
        "mask_head": mk["roi_heads.mask_head.0.0.weight"].clone(),
        "mask_logits_w": mk["roi_heads.mask_predictor.mask_fcn_logits.weight"].clone(),
        "mask_logits_b": mk["roi_heads.mask_predictor.mask_fcn_logits.bias"].clone(),
    }


def _check_loaded(model, ck: dict) -> None:
    sd = model.state_dict()
    for name, key in ck["kp"]["_keys"].items():
        assert torch.equal(sd[key], ck["kp"][name]), key
    assert torch.equal(sd["roi_heads.mask_head.0.0.weight"], ck["mask_head"])
    # the 91-class mask predictor is cut to background (0) and person (1)
    assert sd["roi_heads.mask_predictor.mask_fcn_logits.weight"].shape[0] == 2
    assert torch.equal(sd["roi_heads.mask_predictor.mask_fcn_logits.weight"], ck["mask_logits_w"][:2])
    assert torch.equal(sd["roi_heads.mask_predictor.mask_fcn_logits.bias"], ck["mask_logits_b"][:2])


def test_paper_preset_loads_coco_files_from_torch_hub_cache(coco_like_checkpoints, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(coco_like_checkpoints["home"]))
    model = build_detector("paper", **SMALL)
    _check_loaded(model, coco_like_checkpoints)
    assert model.detector_info.preset == "paper"
    assert [Path(p).name for p in model.detector_info.weights] == [KP_FILE, MASK_FILE]
    assert not model.training
    assert model.roi_heads.score_thresh == 0.5


def test_paper_preset_loads_from_a_folder_and_from_a_combined_file(coco_like_checkpoints, tmp_path):
    model = build_detector("paper", weights=coco_like_checkpoints["folder"], **SMALL)
    _check_loaded(model, coco_like_checkpoints)
    combined = save_detector(model, tmp_path / "paper_combined.pt")
    again = build_detector("paper", weights=combined, **SMALL)
    _check_loaded(again, coco_like_checkpoints)


def test_paper_preset_reads_legacy_key_names_of_the_real_coco_files(coco_like_checkpoints, tmp_path):
    # The COCO files predate torchvision 0.13 and name some layers differently.
    def legacy(key: str) -> str:
        key = re.sub(r"^(backbone\.fpn\.(?:inner|layer)_blocks\.\d+)\.0\.", r"\1.", key)
        key = re.sub(r"^rpn\.head\.conv\.0\.0\.", "rpn.head.conv.", key)
        return re.sub(r"^roi_heads\.mask_head\.(\d)\.0\.", lambda m: f"roi_heads.mask_head.mask_fcn{int(m[1]) + 1}.", key)

    folder = tmp_path / "legacy"
    folder.mkdir()
    for name in (KP_FILE, MASK_FILE):
        sd = torch.load(coco_like_checkpoints["folder"] / name, weights_only=True)
        old = {legacy(k): v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
        assert any("mask_fcn1" in k or "rpn.head.conv.weight" == k for k in old)
        torch.save(old, folder / name)
    model = build_detector("paper", weights=folder, **SMALL)
    _check_loaded(model, coco_like_checkpoints)


def test_missing_paper_weights_error_names_files_folder_and_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty_home"))
    with pytest.raises(WeightsError) as e:
        build_detector("paper", **SMALL)
    msg = str(e.value)
    assert KP_FILE in msg and MASK_FILE in msg
    assert str(tmp_path / "empty_home" / "hub" / "checkpoints") in msg
    assert "weights='COCO_V1'" in msg and "python -c" in msg and "`hiar weights download`" in msg


def test_missing_mask_file_only_names_that_file(coco_like_checkpoints, tmp_path):
    folder = tmp_path / "only_kp"
    folder.mkdir()
    os.symlink(coco_like_checkpoints["folder"] / KP_FILE, folder / KP_FILE)
    with pytest.raises(WeightsError, match=re.escape(MASK_FILE)) as e:
        find_paper_weights(folder)
    assert f"{KP_FILE}," not in str(e.value).split("missing")[0]


def test_wrong_shapes_give_a_short_error_naming_file_and_keys(coco_like_checkpoints, tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    sd = torch.load(coco_like_checkpoints["folder"] / KP_FILE, weights_only=True)
    sd["roi_heads.box_predictor.cls_score.weight"] = torch.zeros(91, 1024)
    sd["roi_heads.box_predictor.cls_score.bias"] = torch.zeros(91)
    torch.save(sd, folder / KP_FILE)
    os.symlink(coco_like_checkpoints["folder"] / MASK_FILE, folder / MASK_FILE)
    with pytest.raises(WeightsError) as e:
        build_detector("paper", weights=folder, **SMALL)
    msg = str(e.value)
    assert str(folder / KP_FILE) in msg
    assert "roi_heads.box_predictor.cls_score.bias" in msg and "(91,)" in msg
    assert len(msg) < 1200


def test_swapped_files_give_missing_key_error(coco_like_checkpoints, tmp_path):
    with pytest.raises(WeightsError, match="missing keys") as e:
        build_detector(
            "paper",
            weights=(coco_like_checkpoints["folder"] / MASK_FILE, coco_like_checkpoints["folder"] / KP_FILE),
            **SMALL,
        )
    assert MASK_FILE in str(e.value)


def test_unreadable_weights_file_is_a_weights_error(tmp_path):
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="garbage.pt"):
        build_detector("paper", weights=bad, **SMALL)
    with pytest.raises(WeightsError, match="not a synthetic detector checkpoint|cannot read"):
        build_detector("synthetic", weights=bad)
    with pytest.raises(WeightsError, match="needs weights"):
        build_detector("synthetic")


def test_state_dict_sha256_depends_on_names_dtypes_shapes_and_values_only():
    state = {"b": torch.arange(6, dtype=torch.float32).reshape(2, 3), "a": torch.tensor(7), "m": torch.ones(2, dtype=torch.bool)}
    h = state_dict_sha256(state)
    assert len(h) == 64 and h == state_dict_sha256({k: v.clone() for k, v in reversed(list(state.items()))})
    changed = [
        {**state, "b": state["b"].clone().index_put_((torch.tensor(0), torch.tensor(0)), torch.tensor(0.5))},
        {**state, "b": state["b"].reshape(3, 2)},
        {**state, "b": state["b"].double()},
        {**state, "a": torch.tensor(8)},
        {"c" if k == "a" else k: v for k, v in state.items()},
    ]
    hashes = {state_dict_sha256(s) for s in changed}
    assert h not in hashes and len(hashes) == len(changed)
