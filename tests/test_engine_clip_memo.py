"""The memos of the engine's data path: pooled clips (bounded LRU, the same numbers with or without it) and opened cache files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hiar_lib.crops import crop_window
from hiar_lib.engine import ClipSettings, TestTubes, TrainConfig, TrainTubes, evaluate_head, load_checkpoint, split_names, train_head
from hiar_lib.engine.clip_memo import CLIP_MEMO, ClipMemo, clip_memo_key, set_clip_memo_budget
from hiar_lib.engine.data import _load_mmap
from hiar_lib.features import CacheError
from hiar_lib.pool_config import PoolerConfig


def tensor_of(nbytes: int) -> torch.Tensor:
    return torch.zeros(nbytes // 4, dtype=torch.float32)


def test_the_memo_keeps_the_most_recently_used_values_within_its_byte_budget() -> None:
    memo = ClipMemo(max_bytes=100)
    calls: list[str] = []

    def make(key: str, nbytes: int):
        def compute():
            calls.append(key)
            return {"tubes": tensor_of(nbytes), "start": 3, "ids": [tensor_of(8)]}

        return compute

    a = memo.get("a", make("a", 40))
    assert memo.get("a", make("a", 40)) is a  # the same object, not recomputed
    memo.get("b", make("b", 40))
    assert memo.nbytes == 96 and len(memo) == 2  # 40 + 8 per value: nested tensors count
    memo.get("a", make("a", 40))  # "a" is now the most recent: "b" goes first
    memo.get("c", make("c", 40))
    assert calls == ["a", "b", "c"] and memo.nbytes == 96
    memo.get("b", make("b", 40))
    assert calls[-1] == "b"  # evicted, so computed again
    memo.get("a", make("a", 40))
    assert calls[-1] == "a"  # "c" and "b" were newer than "a" after "c" came in
    assert (memo.hits, memo.misses) == (2, 5)
    big = memo.get("big", make("big", 400))  # larger than the whole budget: returned, not kept
    assert big["tubes"].numel() == 100 and "big" not in memo._items and memo.nbytes <= 100
    memo.resize(50)
    assert len(memo) == 1 and memo.nbytes == 48
    memo.resize(0)
    assert len(memo) == 0 and memo.nbytes == 0
    memo.get("a", make("a", 40))
    assert len(memo) == 0  # budget 0: the memo is off


def test_a_rewritten_cache_file_is_a_new_key(tmp_path: Path) -> None:
    f = tmp_path / "v.pt"
    f.write_bytes(b"1")
    pooler = PoolerConfig()
    k1 = clip_memo_key(f, 2, 8, pooler)
    assert k1 == clip_memo_key(f, 2, 8, PoolerConfig())
    assert k1 != clip_memo_key(f, 4, 8, pooler) != clip_memo_key(f, 2, 16, pooler)
    assert k1 != clip_memo_key(f, 2, 8, PoolerConfig(absent="zero"))
    f.write_bytes(b"12")
    assert clip_memo_key(f, 2, 8, pooler) != k1


def test_a_bad_memo_budget_in_the_environment_is_refused_by_name() -> None:
    env = {**os.environ, "HIAR_CLIP_MEMO_GB": "lots"}
    r = subprocess.run([sys.executable, "-c", "import hiar_lib.engine.clip_memo"], env=env, capture_output=True, text=True)
    assert r.returncode != 0 and "HIAR_CLIP_MEMO_GB must be a number of GiB" in r.stderr and "'lots'" in r.stderr
    env["HIAR_CLIP_MEMO_GB"] = "0.5"
    code = "from hiar_lib.engine.clip_memo import CLIP_MEMO; print(CLIP_MEMO.max_bytes)"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(r.stdout) == 2**29


def test_training_and_evaluation_from_crops_give_the_same_numbers_with_or_without_the_memo(crops_cache: Path, tmp_path: Path) -> None:
    clip = ClipSettings(4, PoolerConfig(output_size=7))
    names = split_names(crops_cache, "train", protocol="cs")
    test_names = split_names(crops_cache, "test", protocol="cs")
    head = {"head": "Conv3Dx1+GAP+FC", "head_options": {"dim_conv": 8, "dim_fc": 16}}
    cfg = TrainConfig(**head, lr=0.05, batch_size=2, iterations=12, checkpoint_every=12, log_every=4, clip=clip)
    budget = CLIP_MEMO.max_bytes
    try:
        set_clip_memo_budget(0)
        CLIP_MEMO.clear()
        off = train_head(cfg, crops_cache, names, tmp_path / "off", progress=False)
        off_eval = evaluate_head(off, crops_cache, test_names, progress=False)
        assert (len(CLIP_MEMO), CLIP_MEMO.hits) == (0, 0)
        set_clip_memo_budget(1.0)
        CLIP_MEMO.clear()
        on = train_head(cfg, crops_cache, names, tmp_path / "on", progress=False)
        # 12 iterations of 2 of the 3 training videos: 8 epochs, so some clip is drawn twice.
        assert CLIP_MEMO.hits > 0 and len(CLIP_MEMO) == CLIP_MEMO.misses
        on_eval = evaluate_head(on, crops_cache, test_names, progress=False)
        hits = CLIP_MEMO.hits
        assert evaluate_head(on, crops_cache, test_names, progress=False)["predictions"] == on_eval["predictions"]
        assert CLIP_MEMO.hits >= hits + len(split_names(crops_cache, "test", protocol="cs")) - len(on_eval["without_track"])
    finally:
        CLIP_MEMO.clear()
        CLIP_MEMO.resize(budget)
    a, b = load_checkpoint(off)["model"], load_checkpoint(on)["model"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert off_eval["predictions"] == on_eval["predictions"] and off_eval["accuracy"] == on_eval["accuracy"]
    # What the datasets serve from the memo is what pooling the clip gives.
    test = TestTubes(crops_cache, split_names(crops_cache, "test", protocol="cs"), clip=clip)
    train = TrainTubes(crops_cache, names, clip=clip)
    item = train[0]
    want = crop_window(torch.load(train.videos[0].path, weights_only=True), item.clip, 4, clip.pooler)
    assert torch.equal(train[0].tubes, want["tubes"]) and len(test) == len(split_names(crops_cache, "test", protocol="cs"))


def test_a_cached_video_is_opened_once_while_its_file_is_unchanged(crops_cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "v.pt"
    shutil.copy(next(crops_cache.glob("*.pt")), path)
    first = _load_mmap(path)
    assert _load_mmap(path) is first  # opened once
    payload = torch.load(path, weights_only=True)
    payload["label"] = int(payload["label"]) + 1
    torch.save(payload, path)  # rewritten: opened again, the new label read
    again = _load_mmap(path)
    assert again is not first and int(again["label"]) == int(first["label"]) + 1
    path.unlink()
    with pytest.raises(CacheError, match="cached video not found"):
        _load_mmap(path)


def test_a_memo_can_count_values_instead_of_bytes() -> None:
    memo = ClipMemo(2, measure=lambda _: 1)
    for key in "abc":
        memo.get(key, lambda: {"tubes": tensor_of(4000)})
    assert len(memo) == 2 and memo.nbytes == 2 and "a" not in memo._items
