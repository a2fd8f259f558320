"""Reading a head's training log: a resumed run's repeated lines, a line cut short, the loss it ended at."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from hiar_lib.engine import ClipSettings, TrainConfig, split_names, train_head
from hiar_lib.engine.train_log import final_loss, read_train_log, training_seconds
from hiar_lib.pool_config import PoolerConfig


def _line(iteration: int, loss: float, steps: int = 10) -> str:
    return json.dumps({"iteration": iteration, "loss": loss, "lr": 0.05, "epoch": 0, "steps": steps, "instances": 30, "elapsed_s": 1.0})


def test_a_resumed_runs_later_lines_count_and_a_cut_line_is_left_out(tmp_path: Path) -> None:
    log = tmp_path / "train_log.jsonl"
    # Iterations 10-50, killed while writing; resumed from the checkpoint at 40, logging 50 again, then 60-100.
    lines = [_line(i, 3.0 - i / 100) for i in (10, 20, 30, 40, 50)] + ['{"iteration": 5']
    lines += [_line(50, 9.0)] + [_line(i, 1.0) for i in (60, 70, 80, 90)] + [_line(100, 2.0, steps=30)]
    log.write_text("\n".join(lines) + "\n")
    entries = read_train_log(log)
    assert len(entries) == 11 and [e["iteration"] for e in entries][-3:] == [80, 90, 100]
    # The last fifth of 100 iterations: lines 90 and 100 (80 is not past 80), weighted by their steps.
    assert final_loss(entries) == pytest.approx((1.0 * 10 + 2.0 * 30) / 40)
    # Half: 60 to 100, and the resumed 50 is not among them; all of it: 50 counts its later line (9.0), once.
    assert final_loss(entries, 0.5) == pytest.approx((1.0 * 40 + 2.0 * 30) / 70)
    assert final_loss(entries, 1.0) == pytest.approx((sum(3.0 - i / 100 for i in (10, 20, 30, 40)) * 10 + 9.0 * 10 + 40 + 60) / 120)


def test_training_seconds_add_up_each_process_that_trained_the_head() -> None:
    def at(iteration: int, elapsed: float | str) -> dict[str, object]:
        return {"iteration": iteration, "loss": 1.0, "elapsed_s": elapsed}

    # 40 s to iteration 40, resumed there: 25 s more to 60, resumed again: 7 s more to 80.
    entries = [at(20, 20.0), at(40, 40.0), at(50, 12.5), at(60, 25.0), at(70, 3.0), at(80, 7.0)]
    assert training_seconds(entries) == pytest.approx(40.0 + 25.0 + 7.0)
    # Lines without a usable elapsed_s (older logs, a bad value) are passed over, not counted as a restart.
    assert training_seconds([at(10, 5.0), {"iteration": 20, "loss": 1.0}, at(30, "nan"), at(40, 9.0)]) == pytest.approx(9.0)
    # Logs that say which iteration each process started at end a stretch there, even where elapsed_s went up.
    marked = [at(20, 20.0) | {"started_at": 0}, at(40, 4.0) | {"started_at": 20}, at(60, 30.0) | {"started_at": 20}]
    assert training_seconds(marked) == pytest.approx(20.0 + 30.0)
    assert training_seconds([]) == 0.0 and training_seconds([{"iteration": 10, "loss": 1.0}]) == 0.0


def test_no_log_or_no_finite_loss_gives_none_and_a_bad_fraction_is_refused(tmp_path: Path) -> None:
    assert read_train_log(tmp_path / "absent.jsonl") == [] and final_loss([]) is None
    assert final_loss([{"iteration": 10, "loss": float("nan"), "steps": 10}]) is None
    with pytest.raises(ValueError, match=r"fraction must be in \(0, 1\]"):
        final_loss([{"iteration": 10, "loss": 1.0}], 0.0)


def test_the_loss_read_back_is_the_one_training_logged(crops_cache: Path, tmp_path: Path) -> None:
    clip = ClipSettings(4, PoolerConfig(output_size=7))
    cfg = TrainConfig(head="Conv3Dx1+GAP+FC", head_options={"dim_conv": 8, "dim_fc": 16}, lr=0.05, batch_size=2,
                      iterations=6, checkpoint_every=6, log_every=2, clip=clip)  # fmt: skip
    ckpt = train_head(cfg, crops_cache, split_names(crops_cache, "train", protocol="cs"), tmp_path / "run", progress=False)
    entries = read_train_log(ckpt.parent / "train_log.jsonl")
    assert [e["iteration"] for e in entries] == [2, 4, 6]
    assert final_loss(entries, 0.5) == pytest.approx((entries[1]["loss"] + entries[2]["loss"]) / 2)
    # Resumed to 10 iterations: the log keeps the first process's lines and the second counts from zero again.
    train_head(replace(cfg, iterations=10), crops_cache, split_names(crops_cache, "train", protocol="cs"), tmp_path / "run",
               progress=False)  # fmt: skip
    again = read_train_log(ckpt.parent / "train_log.jsonl")
    assert [e["iteration"] for e in again] == [2, 4, 6, 8, 10] and again[:3] == entries
    assert [e["started_at"] for e in again] == [0, 0, 0, 6, 6]
    assert training_seconds(again) == pytest.approx(entries[2]["elapsed_s"] + again[4]["elapsed_s"])
