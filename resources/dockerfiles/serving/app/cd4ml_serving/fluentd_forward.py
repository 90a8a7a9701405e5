"""A Fluentd forward-protocol client that knows what the peer received.

fluent-logger (the Python client) writes and forgets: a peer that accepts connections but never
reads swallows everything the kernel buffers take, and nothing is counted. This client sends
batches in PackedForward mode with the protocol's `chunk` option, and a batch counts as
delivered only when the peer answers `{"ack": chunk}` (Fluentd's in_forward and Fluent Bit >= 1.5
do). Every socket operation has a deadline, so a stuck peer costs one timeout per batch, never
a stuck sender. With acks off (for peers that do not answer them) a batch counts as delivered
once the kernel accepted it.
"""
from __future__ import annotations

import base64
import socket
import time
import uuid
from typing import Optional

import msgpack


class PeerUnavailable(Exception):
    """No connection (refused, reset, closed): the batch was not taken and can be sent again."""


class PeerNotReading(Exception):
    """The peer took the connection but did not read or acknowledge the batch in time."""


class ForwardClient:
    def __init__(self, host: str, port: int, tag: str, timeout_s: float, ack: bool = True):
        self.host, self.port, self.tag = host, port, tag
        self.timeout_s = timeout_s
        self.ack = ack
        self._socket: Optional[socket.socket] = None

    def send(self, entries: bytes, count: int, deadline: float = float("inf")) -> None:
        """Sends `count` msgpack-encoded `[time, record]` entries as one PackedForward message;
        returns once the peer acknowledged them (or, without acks, once they are written)."""
        timeout = min(self.timeout_s, deadline - time.monotonic())
        if timeout <= 0:
            raise PeerNotReading("no time left to send")
        chunk = base64.b64encode(uuid.uuid4().bytes).decode("ascii") if self.ack else None
        option = {"size": count, **({"chunk": chunk} if chunk else {})}
        message = msgpack.packb([self.tag, entries, option], use_bin_type=True)
        connection = self._connect(timeout)
        try:
            connection.settimeout(timeout)
            connection.sendall(message)  # since Python 3.5 the timeout bounds the whole call
            if chunk:
                self._await_ack(connection, chunk, time.monotonic() + timeout)
        except socket.timeout as e:
            self.close()
            raise PeerNotReading(f"{self.host}:{self.port} did not "
                                 f"{'acknowledge' if chunk else 'read'} {count} records within {timeout:.1f} s") from e
        except OSError as e:
            self.close()
            raise PeerUnavailable(f"{self.host}:{self.port}: {e}") from e

    def _connect(self, timeout: float) -> socket.socket:
        if self._socket is None:
            try:
                self._socket = socket.create_connection((self.host, self.port), timeout=timeout)
            except OSError as e:
                raise PeerUnavailable(f"cannot connect to {self.host}:{self.port}: {e}") from e
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self._socket

    def _await_ack(self, connection: socket.socket, chunk: str, deadline: float) -> None:
        unpacker = msgpack.Unpacker(raw=False)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("ack timeout")
            connection.settimeout(remaining)
            data = connection.recv(4096)
            if not data:
                raise ConnectionResetError("the peer closed the connection before acknowledging")
            unpacker.feed(data)
            for answer in unpacker:
                if isinstance(answer, dict) and answer.get("ack") == chunk:
                    return

    def close(self) -> None:
        if self._socket is not None:
            try:
                self._socket.close()
            finally:
                self._socket = None
