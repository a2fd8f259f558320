"""A free TCP port on loopback: for JupyterLab in the inspector's browser run, and for
torchrun's rendezvous in the multi-process tests."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that no one listens on now (the kernel picks it; another
    process may still take it before the caller binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
