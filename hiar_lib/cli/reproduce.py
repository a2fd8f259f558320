"""``hiar reproduce``: every notebook executed with papermill, then ``results/README.md``.

``make reproduce`` calls it after the main chain; see
:mod:`hiar_lib.experiments.reproduce` for what is resumed and how the estimate is made.
"""

from __future__ import annotations

import argparse
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]


def register(sub: argparse._SubParsersAction) -> None:
    from hiar_lib.experiments.reproduce import EXTRA_NOTEBOOKS, NOTEBOOKS

    p = sub.add_parser(
        "reproduce",
        help="run every notebook with papermill (resumable) and write results/README.md",
        description=(
            "Execute the suite's notebooks in order with papermill into OUT (default "
            "RESULTS_DIR/notebooks), skipping those an earlier run did with the same source "
            "and parameters; print an estimate of what is left first, from measured times; "
            "then write RESULTS_DIR/README.md from the records of the profile."
        ),
    )
    p.add_argument("--profile", default=None, help="smoke, quick, synthetic-full or paper (default $HIAR_PROFILE, else quick)")
    p.add_argument("--dataset", default="synthetic")
    p.add_argument("--data-root", default=None)
    p.add_argument("--protocol", default="cs")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--cache-dir", default=None, help="default $HIAR_CACHE_DIR, else the checkout's cache/")
    p.add_argument("--results-dir", default=None, help="default $HIAR_RESULTS_DIR, else the checkout's results/")
    p.add_argument("--weights", default=None)
    p.add_argument("--notebooks", type=Path, default=_CHECKOUT / "notebooks",
                   help="the source notebooks' folder (default the checkout's notebooks/)")
    p.add_argument("--out", type=Path, default=None, help="where the executed notebooks go")
    p.add_argument("--only", nargs="+", default=None, choices=NOTEBOOKS + EXTRA_NOTEBOOKS, metavar="NAME",
                   help="run these notebooks only (also claims, which make reproduce leaves to make claims)")
    p.add_argument("--force", action="store_true", help="run them even when an earlier run did")
    p.add_argument("--estimate", action="store_true", help="print what is left and how long it takes; run nothing")
    p.set_defaults(func=run_reproduce)


def run_reproduce(args: argparse.Namespace) -> int:
    from hiar_lib.experiments.reproduce import run_notebooks
    from hiar_lib.experiments.reproduce import EXTRA_NOTEBOOKS
    from hiar_lib.experiments.results_page import page_profile, write_results_page
    from hiar_lib.profiles import DEFAULT_PROFILE
    from hiar_lib.experiments.suite import suite_params

    params = suite_params(args.profile, args.dataset, args.data_root, args.protocol, args.seeds, args.device,
                          args.cache_dir, args.results_dir, args.weights)  # fmt: skip
    out = args.out or params.results_dir / "notebooks"
    run_notebooks(params, args.notebooks, out, names=args.only, force=args.force,
                  repo_results=_CHECKOUT / "results", estimate_only=args.estimate)  # fmt: skip
    if args.estimate:
        return 0
    profile = params.profile
    if args.only and set(args.only) <= set(EXTRA_NOTEBOOKS):  # `make claims`: every page has their section
        profile = page_profile(params.results_dir) or DEFAULT_PROFILE
    page = write_results_page(params.results_dir, profile)
    print(f"wrote {page} (the {profile} profile's page)")
    return 0
