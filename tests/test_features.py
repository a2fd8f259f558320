"""The feature cache: extraction resumes after a kill -9, shards under torchrun, never mixes settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.conftest import free_port
from hiar_lib.cli import main
from hiar_lib.features import CacheError, ExtractionConfig, load_cached_video, open_cache
from hiar_lib.pool import PoolerConfig
from hiar_lib.synth import index_synthetic

REPO = Path(__file__).resolve().parents[1]


def extract_args(root: Path, cache: Path, limit: int, *extra: str) -> list[str]:
    return [
        "extract", "--dataset", "synthetic", "--data", str(root), "--protocol", "cs", "--random-init",
        "--score-thresh", "0.3", "--clip-len", "4", "--stride", "4", "--output-size", "7",
        "--limit", str(limit), "--cache", str(cache), "--no-progress", *extra,
    ]  # fmt: skip


def expected_names(root: Path, limit: int) -> set[str]:
    split = index_synthetic(root).split("cs")
    return {s.name for part in split.values() for s in part[:limit]}


def test_killed_extraction_resumes_without_recomputing_or_corrupting(synthetic_tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "hiar_lib.cli", *extract_args(synthetic_tiny, cache, 4)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and not list(cache.glob("*.pt")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL  # it really was killed mid-run
    first = {p: p.stat().st_mtime_ns for p in cache.glob("*.pt")}
    assert 1 <= len(first) < 8
    for p in first:  # every file present is complete
        assert load_cached_video(p).clips
    # Resume: the finished videos are not computed again, the rest are, no debris.
    assert main(extract_args(synthetic_tiny, cache, 4)) == 0
    after = {p.stem for p in cache.glob("*.pt")}
    assert after == expected_names(synthetic_tiny, 4)
    assert all(p.stat().st_mtime_ns == t for p, t in first.items())
    assert not list(cache.glob(".*.tmp"))
    video = load_cached_video(cache / f"{sorted(after)[0]}.pt")
    clip = video.clips[0]
    k = clip.tubes.shape[0]
    assert clip.tubes.shape[1:] == (128, 4, 7, 7) and clip.tubes.dtype == torch.float16
    assert clip.present.shape == (k, 4) and clip.boxes.shape == (k, 4, 4)
    assert clip.person_labels is not None and clip.person_labels.shape == (k,)


@pytest.mark.slow
def test_torchrun_shards_videos_across_two_ranks(synthetic_tiny: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={free_port()}",
        "-m", "hiar_lib.cli", *extract_args(synthetic_tiny, cache, 2),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "rank 0 of 2" in out.stdout and "rank 1 of 2" in out.stdout
    assert {p.stem for p in cache.glob("*.pt")} == expected_names(synthetic_tiny, 2)


def test_a_cache_of_other_pooler_settings_is_refused(tmp_path: Path, capsys) -> None:
    cfg = ExtractionConfig(dataset="synthetic", data_root="x", protocol="cs", detector="synthetic:abc")
    open_cache(tmp_path, cfg)
    other = ExtractionConfig(dataset="synthetic", data_root="x", protocol="cs", detector="synthetic:abc",
                             pooler=PoolerConfig(box="basic", output_size=7))  # fmt: skip
    with pytest.raises(CacheError, match=r"other settings(.|\n)*pooler.box: 'outermost' in the cache, 'basic' asked for"):
        open_cache(tmp_path, other)
    assert other.key() != cfg.key()
    with pytest.raises(CacheError, match="no feature cache"):
        open_cache(tmp_path / "nothing", cfg, create=False)


def test_cli_refuses_to_extract_into_a_cache_of_other_settings(synthetic_tiny: Path, tmp_path: Path, capsys) -> None:
    cache = tmp_path / "cache"
    assert main(extract_args(synthetic_tiny, cache, 1)) == 0
    assert main(extract_args(synthetic_tiny, cache, 1, "--levels", "P2", "P3", "P4")) == 2
    err = capsys.readouterr().err
    assert "refusing to mix" in err and "pooler.levels" in err and "Traceback" not in err


def test_unreadable_cache_files_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a torch file")
    with pytest.raises(CacheError, match="unreadable cached video"):
        load_cached_video(bad)
    with pytest.raises(CacheError, match="not found"):
        load_cached_video(tmp_path / "missing.pt")
