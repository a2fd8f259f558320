"""Tests of hiar_lib.detection.download against a real HTTP server on loopback."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hiar_lib.cli import main
from hiar_lib.detection.download import WeightFile, download_weights, paper_weight_files
from hiar_lib.detection.weights import WeightsError


class _Server:
    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[_Server, Path]]:
    root = tmp_path / "served"
    root.mkdir()
    server = _Server(root)
    yield server, root
    server.close()


def _publish(root: Path, stem: str, content: bytes, prefix: str | None = None) -> str:
    """Write ``content`` as ``<stem>-<sha256 prefix>.pth`` (or a given prefix); the file name."""
    prefix = prefix or hashlib.sha256(content).hexdigest()[:8]
    name = f"{stem}-{prefix}.pth"
    (root / name).write_bytes(content)
    return name


def test_paper_files_are_torchvisions_coco_checkpoints_with_their_published_hash_prefixes():
    assert [(f.name, f.sha256_prefix) for f in paper_weight_files()] == [
        ("keypointrcnn_resnet50_fpn_coco-fc266e95.pth", "fc266e95"),
        ("maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth", "bf2d0c1e"),
    ]
    assert all(f.url.startswith("https://download.pytorch.org/models/") for f in paper_weight_files())


def test_files_are_fetched_checked_and_not_fetched_again(served, tmp_path):
    server, root = served
    contents = [os.urandom(3_000_000), os.urandom(1000)]
    names = [_publish(root, stem, c) for stem, c in zip(("kp", "mask"), contents)]
    files = [WeightFile.from_url(f"{server.url}/{n}") for n in names]
    lines: list[str] = []
    dest = tmp_path / "hub" / "checkpoints"
    paths = download_weights(files, dest, progress=False, log=lines.append)
    assert paths == [dest / n for n in names]
    assert [p.read_bytes() for p in paths] == contents
    assert sorted(os.listdir(dest)) == sorted(names)  # no temporary file left
    assert all("downloaded from http://127.0.0.1:" in line for line in lines)
    assert len(server.requests) == 2
    # Already there with the right hash: nothing is fetched.
    lines.clear()
    assert download_weights(files, dest, progress=False, log=lines.append) == paths
    assert len(server.requests) == 2 and all("already there, hash checked" in line for line in lines)
    # A damaged copy is fetched again.
    paths[0].write_bytes(b"truncated")
    download_weights(files, dest, progress=False, log=None)
    assert paths[0].read_bytes() == contents[0] and len(server.requests) == 3


def test_a_file_with_the_wrong_hash_or_a_missing_one_leaves_nothing_behind(served, tmp_path):
    server, root = served
    wrong = _publish(root, "kp", b"not the weights", prefix="0123abcd")
    dest = tmp_path / "hub"
    with pytest.raises(WeightsError, match=rf"{server.url}/{wrong} is not the expected file: its SHA-256 is [0-9a-f]{{16}}\.\.\., expected one starting with 0123abcd"):
        download_weights([WeightFile.from_url(f"{server.url}/{wrong}")], dest, progress=False, log=None)
    assert list(dest.iterdir()) == []
    with pytest.raises(WeightsError, match=rf"could not download {server.url}/none-00000000.pth: HTTP 404"):
        download_weights([WeightFile.from_url(f"{server.url}/none-00000000.pth")], dest, progress=False, log=None)
    assert list(dest.iterdir()) == []
    with pytest.raises(WeightsError, match="does not end in -<sha256 prefix>"):
        WeightFile.from_url(f"{server.url}/plain.pth")


def test_cli_download_from_a_mirror_checks_torchvisions_hashes(served, tmp_path, capsys):
    """The command fetches torchvision's own file names from the mirror; files that are not
    torchvision's (their hash differs) are refused in one line and nothing is kept."""
    server, root = served
    for f in paper_weight_files():
        (root / f.name).write_bytes(b"a stand-in, not the real weights")
    dest = tmp_path / "hub"
    assert main(["weights", "download", "--mirror", server.url, "--to", str(dest), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hiar weights: error: ")
    assert f"{server.url}/keypointrcnn_resnet50_fpn_coco-fc266e95.pth is not the expected file" in err[0]
    assert server.requests == ["/keypointrcnn_resnet50_fpn_coco-fc266e95.pth"]
    assert list(dest.iterdir()) == []
