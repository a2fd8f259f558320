"""``hiar weights download``: fetch the paper preset's COCO detector weights, only when asked."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weights",
        help="fetch the paper preset's COCO detector weights (the only command that downloads)",
        description="Manage the detector weights of the paper preset.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    d = actions.add_parser(
        "download",
        help="download torchvision's COCO Keypoint R-CNN and Mask R-CNN files and check their hashes",
        description=(
            "Download torchvision's two COCO ResNet-50-FPN files (Keypoint R-CNN and Mask R-CNN) into the torch "
            "hub cache, where `--preset paper` finds them, checking each file's SHA-256 against the prefix in its "
            "name. Needs internet (or --mirror); nothing else in hiar downloads."
        ),
    )
    d.add_argument("--to", type=Path, default=None, metavar="DIR",
                   help="folder to write them to (default: the torch hub cache, torch.hub.get_dir()/checkpoints)")  # fmt: skip
    d.add_argument("--mirror", default=None, metavar="URL", help="fetch URL/<file name> instead of download.pytorch.org")
    d.add_argument("--timeout", type=float, default=60.0, metavar="S", help="seconds to wait for the server")
    d.add_argument("--no-progress", action="store_true")
    d.set_defaults(func=run_download)


def run_download(args: argparse.Namespace) -> int:
    from hiar_lib.detection.download import download_weights

    paths = download_weights(dest=args.to, mirror=args.mirror, timeout=args.timeout, progress=not args.no_progress)
    print(f"{len(paths)} files in {paths[0].parent}: `--preset paper` finds them there"
          + ("" if args.to is None else f" when given --weights {paths[0].parent}"))  # fmt: skip
    return 0
