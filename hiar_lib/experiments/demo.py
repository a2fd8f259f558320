"""The demo and the inspector from a notebook's parameters (the ``inspect`` notebook).

:func:`demo_run` runs :func:`hiar_lib.demo.run_demo` with the suite's own head and
detector: TAHNet-v1 over the outermost region (Table 3's row, the head Figures 5 and 6
read, trained when it is not yet) and the detector its tubes came from, on a video of the
user's or, by default, the most crowded test clip of the synthetic benchmark.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["demo_run", "tracks_table"]


def demo_run(params: Any, video: str | os.PathLike | None = None, progress: bool = True) -> Any:
    """The demo on ``video`` (default: the most crowded test clip of the profile's
    synthetic benchmark) with the suite's TAHNet-v1 outermost head, written to
    ``results_dir/demo/``.

    Returns:
        The :class:`~hiar_lib.demo.DemoResult`.
    """
    from hiar_lib.demo import run_demo
    from hiar_lib.errors import HiarError
    from hiar_lib.experiments.suite import detector_preset, detector_weights, feature_cache, figure_head, synthetic_benchmark

    cache = feature_cache(params, progress=progress)
    record = figure_head(params, cache, progress=progress)
    assert record.path is not None
    head = record.path.parent / f"seed{params.seeds[0]}"
    if video is None:
        if params.dataset != "synthetic":
            raise HiarError("on a real dataset, name the video to run the demo on (the video parameter)")
        from hiar_lib.data.synthetic import crowded_test_clips

        benchmark = synthetic_benchmark(params, progress=progress)
        video = benchmark / crowded_test_clips(benchmark, 1, params.protocol)[0]["video"]
    return run_demo(video, params.results_dir / "demo", head, weights=detector_weights(params, progress=progress),
                    detector=detector_preset(params), device=params.device, progress=progress)  # fmt: skip


def tracks_table(result: Any) -> Any:
    """One line per track of a demo: its id, frames, windows and the action it is given
    most often (with its mean probability over those windows), as a ``pandas.DataFrame``."""
    from collections import Counter

    import pandas as pd

    lines = []
    for t in result.data["tracks"]:
        tops = [(w["top"][0]["action"], w["top"][0]["probability"]) for w in t["windows"]]
        action = Counter(a for a, _ in tops).most_common(1)[0][0] if tops else None
        lines.append({
            "track": t["track"], "first_frame": t["frames"][0], "last_frame": t["frames"][-1],
            "frames_detected": len(t["frames"]), "windows": len(t["windows"]), "action": action,
            "probability": round(sum(p for a, p in tops if a == action) / max(sum(a == action for a, _ in tops), 1), 3),
        })  # fmt: skip
    return pd.DataFrame(lines, columns=["track", "first_frame", "last_frame", "frames_detected", "windows", "action", "probability"])
