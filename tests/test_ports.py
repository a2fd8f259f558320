"""free_port: a loopback port nobody listens on, which the caller can then bind."""

from __future__ import annotations

import socket

from hiar_lib.ports import free_port


def test_a_free_port_can_be_bound_and_a_listened_one_is_not_given() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        port = free_port()
        assert port != busy and 1024 <= port <= 65535
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # raises OSError if it were in use
