"""Shared fixtures: where the real data lives, a tiny synthetic benchmark, and dataset
trees of tiny real videos named as NTU RGB+D and N-UCLA name theirs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from hiar_lib.data.video import write_video
from tests.dataset_trees import NTU_GOOD, NUCLA_GOOD, put_video

# The real photos and videos: $HIAR_REALDATA when set, else ../shared/realdata beside the
# repository (absent on a user's fresh checkout, and on a clone placed elsewhere).
REALDATA_ENV = "HIAR_REALDATA"
REALDATA = Path(os.environ.get(REALDATA_ENV) or Path(__file__).resolve().parents[1].parent / "shared" / "realdata")


COSTLY_FIXTURES = {"synthetic_tiny", "joint_caches", "demo_head"}
"""The session fixtures that take seconds to set up (rendering, extraction, training);
:func:`crops_cache` and :func:`oracle_cache` need :func:`joint_caches`."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``make mutation`` (a mutant under test), run the fastest tests first.

    mutmut stops a mutant's run at its first failing test (``-x``), so a mutant that a
    quick test kills should cost that test only. Its ``fork`` runner sorts the tests by
    the durations it measured; the ``forkserver`` runner, which torch needs, passes them in
    set order, and a mutant killed by a 1 s test could first run a 15 s detector test. The
    durations are mutmut's own (``mutmut-stats.json`` in the folder it runs from), of the
    test calls only: a session fixture is set up again in every mutant's run, so the tests
    that need a rendered benchmark, an extracted cache or a trained head go after those
    that need none. Any other run keeps pytest's order.
    """
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    stats = Path(config.rootpath) / "mutmut-stats.json"
    try:
        durations = json.loads(stats.read_text()).get("duration_by_test", {})
    except (OSError, ValueError):
        return
    items.sort(key=lambda item: (bool(COSTLY_FIXTURES & set(item.fixturenames)), durations.get(item.nodeid, 0.0)))


def realdata_file(*parts: str) -> Path:
    """A file of the shared real data, or a skip that says where it was looked for and how to point elsewhere."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared real data not present: {path} (set {REALDATA_ENV} to a copy of shared/realdata)")
    return path


@pytest.fixture(scope="session")
def synthetic_tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic benchmark (12 classes x 1 take x 3 views, 16 frames), rendered once."""
    from hiar_lib.synth.benchmark import generate_benchmark
    from hiar_lib.synth.config import SynthConfig, with_overrides

    root = tmp_path_factory.mktemp("synthetic_tiny")
    cfg = with_overrides(SynthConfig(), profile="tiny", takes_per_class=1, num_frames=16)
    generate_benchmark(root, cfg, seed=3, workers=1, progress=False)
    return root


@pytest.fixture(scope="session")
def joint_caches(synthetic_tiny: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A cache of track crops (the smoke profile: stride 2, clips of up to 16 frames) of 3
    training and 3 test videos of :func:`synthetic_tiny` and, from the same detector pass,
    its ground-truth instances cache (``hiar extract --oracle-cache``), made with a seeded
    untrained detector from a copy of the benchmark that is then deleted: whatever reads
    these caches can neither decode a video nor run the detector on one."""
    import shutil

    from hiar_lib.cli import main

    base = tmp_path_factory.mktemp("crops")
    data = base / "benchmark"
    shutil.copytree(synthetic_tiny, data)
    cache, oracle = base / "cache", base / "cache-oracle"  # the oracle's own name, as suite.feature_cache_dir gives it
    args = ["extract", "--dataset", "synthetic", "--data", str(data), "--protocol", "cs", "--profile", "smoke",
            "--random-init", "--score-thresh", "0.57", "--limit", "3", "--cache", str(cache), "--oracle-cache", str(oracle),
            "--no-progress"]  # fmt: skip
    assert main(args) == 0
    shutil.rmtree(data)
    return cache, oracle


@pytest.fixture(scope="session")
def crops_cache(joint_caches: tuple[Path, Path]) -> Path:
    """The detected instances cache of :func:`joint_caches`."""
    return joint_caches[0]


@pytest.fixture(scope="session")
def oracle_cache(joint_caches: tuple[Path, Path]) -> Path:
    """:func:`crops_cache`'s videos with the benchmark's annotated people as the tracks,
    pooled from the same untrained detector's maps (:func:`joint_caches`)."""
    return joint_caches[1]


@pytest.fixture(scope="session")
def demo_head(crops_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smoke TAHNet-v4 head (5 iterations) on :func:`crops_cache`, whose tubes came from
    the seeded untrained synthetic detector: ``hiar demo --random-init`` applies it."""
    from hiar_lib.cli import main

    out = tmp_path_factory.mktemp("demo_head")
    args = ["train", "--cache", str(crops_cache), "--protocol", "cs", "--profile", "smoke", "--head", "tahnet_v4",
            "--seeds", "0", "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    return out / "seed0"


@pytest.fixture(scope="module")
def tiny_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One tiny real video per container: {".avi": path, ".mp4": path}."""
    d = tmp_path_factory.mktemp("tiny_videos")
    frames = np.random.default_rng(0).integers(0, 255, size=(4, 24, 32, 3), dtype=np.uint8)
    return {ext: write_video(d / f"tiny{ext}", frames, fps=10.0) for ext in (".avi", ".mp4")}


@pytest.fixture
def ntu_root(tmp_path: Path, tiny_videos: dict[str, Path]) -> Path:
    root = tmp_path / "ntu"
    for rel in NTU_GOOD:
        put_video(tiny_videos, root, rel)
    (root / "README.txt").write_text("not a video, not a sample: ignored")
    return root


@pytest.fixture
def ntu_root_with_bad_files(ntu_root: Path, tiny_videos: dict[str, Path]) -> Path:
    (ntu_root / "S001C002P005R001A002_rgb.avi").write_bytes(b"")  # zero bytes
    (ntu_root / "S001C003P005R001A003_rgb.avi").write_text("this is text, not a video")
    put_video(tiny_videos, ntu_root, "extras/foo.avi")  # misnamed
    put_video(tiny_videos, ntu_root, "S018C001P050R001A061_rgb.avi")  # NTU RGB+D 120 action
    put_video(tiny_videos, ntu_root, "S018C001P050R001A001_rgb.avi")  # NTU RGB+D 120 setup
    put_video(tiny_videos, ntu_root, "copy/S001C001P001R001A001_rgb.avi")  # same sample twice
    (ntu_root / "._S001C001P001R001A001_rgb.avi").write_bytes(b"\0" * 10)  # macOS: hidden
    return ntu_root


@pytest.fixture
def nucla_root(tmp_path: Path, tiny_videos: dict[str, Path]) -> Path:
    root = tmp_path / "nucla"
    for rel in NUCLA_GOOD:
        put_video(tiny_videos, root, rel)
    return root


def rotated_copy(src: Path, dst: Path, degrees: int, frames: int | None = None) -> Path:
    """Re-encode ``src`` (its first ``frames`` frames) to ``dst`` with a display rotation of
    ``degrees`` counter-clockwise in the container, as a phone held upright records: the
    stored frames are ``src``'s, a player turns them. Encoded as ``write_video`` encodes."""
    import av

    from hiar_lib.data.video import iter_frames, probe_video

    info = probe_video(src)
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=round(info.fps) or 25, options={"crf": "18", "threads": "1"})
        stream.width, stream.height, stream.pix_fmt = info.width - info.width % 2, info.height - info.height % 2, "yuv420p"
        stream.set_display_rotation(degrees)
        for i, image in iter_frames(src):
            if frames is not None and i >= frames:
                break
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[: stream.height, : stream.width]), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return dst
