"""``hiar index`` (hiar_lib.cli.index): splits, coverage and bad files, as text and CSV."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import hiar_lib.cli as cli
from tests.dataset_trees import (
    put_video,
)


def test_cli_reports_splits_coverage_and_bad_files(
    ntu_root_with_bad_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", "ntu60", str(ntu_root_with_bad_files)]) == 0
    out = capsys.readouterr().out
    assert "4 samples of 4/60 classes; 6 bad files" in out
    assert "protocol cs: cross-subject" in out and "protocol cv: cross-view" in out
    assert "train       2 samples, 2/60 classes" in out
    assert "no sample in train for 58 of 60 classes; only these have one: A001 drink water, A060" in out
    assert f"{ntu_root_with_bad_files / 'extras' / 'foo.avi'}: misnamed" in out
    assert "action A061 is not in NTU RGB+D 60" in out


def test_cli_one_protocol_without_probe(
    nucla_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", "nucla", str(nucla_root), "--protocol", "v23_1", "--no-probe"]) == 0
    out = capsys.readouterr().out
    assert "protocol v23_1" in out and "protocol v12_3" not in out
    assert "videos not opened" in out and "bad files" in out


def test_cli_csv_is_one_parseable_table(
    ntu_root_with_bad_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", "ntu60", str(ntu_root_with_bad_files), "--csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    counts = df[df["section"] == "count"].astype({"label": int, "count": int})
    assert len(counts) == 60 + 2 * 2 * 60  # totals + (cs, cv) x (train, test)
    cs_test = counts[(counts["protocol"] == "cs") & (counts["split"] == "test")].set_index("class_id")
    assert cs_test.loc["A013", "count"] == 1 and cs_test.loc["A013", "class"] == "tear up paper"
    totals = counts[counts["split"] == "all"]
    assert totals["count"].sum() == 4 and (totals["protocol"] == "").all()
    bad = df[df["section"] == "bad"]
    assert len(bad) == 6
    assert str(ntu_root_with_bad_files / "extras" / "foo.avi") in set(bad["path"])


def test_cli_generic_without_split_still_reports_totals(
    tmp_path: Path, tiny_videos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    put_video(tiny_videos, tmp_path, "x.mp4")
    (tmp_path / "labels.csv").write_text("path,label\nx.mp4,wave\n")
    assert cli.main(["index", "generic", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 samples of 1/1 classes" in out and "not available: the CSV has no split column" in out


def test_cli_bad_root_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "nowhere"
    assert cli.main(["index", "ntu60", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hiar index: error: dataset root not found") and str(root) in err
    assert err.count("\n") == 1


def test_cli_names_the_classes_missing_from_each_split(
    tmp_path: Path, tiny_videos: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    for rel in ("a.mp4", "b.mp4", "c.mp4", "d.mp4"):
        put_video(tiny_videos, tmp_path, rel)
    (tmp_path / "list.csv").write_text(
        "path,label,split\na.mp4,wave,train\nb.mp4,jump,train\nc.mp4,wave,test\nd.mp4,run,test\n"
    )
    assert cli.main(["index", "generic", str(tmp_path / "list.csv")]) == 0
    out = capsys.readouterr().out
    assert "4 samples of 3/3 classes; 0 bad files" in out
    assert "no sample in train for 1 of 3 classes: run" in out
    assert "no sample in test for 1 of 3 classes: jump" in out
