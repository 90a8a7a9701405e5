"""A minimal Fluentd forward-protocol server for tests (TCP, msgpack).

Decodes the three entry modes of the forward protocol: Message `[tag, time, record, option?]`,
Forward `[tag, [[time, record], ...], option?]` and PackedForward `[tag, bin, option?]`, and
answers `{"ack": chunk}` when the option asks for it, as Fluentd's in_forward does. With
`reading=False` it accepts connections and never reads from them (a stuck peer).
"""
from __future__ import annotations

import socket
import threading
import time
from typing import List, Tuple

import msgpack


class FluentdReceiver:
    def __init__(self, port: int = 0, reading: bool = True, ack: bool = True):
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", port))
        self._server.listen()
        self.port = self._server.getsockname()[1]
        self.reading = reading
        self.ack = ack
        self.events: List[Tuple[str, object, dict]] = []
        self.connections: List[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                self.connections.append(connection)
            if self.reading:
                threading.Thread(target=self._read, args=(connection,), daemon=True).start()

    def _read(self, connection: socket.socket) -> None:
        unpacker = msgpack.Unpacker(raw=False)
        try:
            while True:
                data = connection.recv(65536)
                if not data:
                    return
                unpacker.feed(data)
                for entry in unpacker:
                    self._decode(entry)
                    option = entry[-1] if isinstance(entry[-1], dict) else {}
                    if self.ack and "chunk" in option:
                        connection.sendall(msgpack.packb({"ack": option["chunk"]}))
        except OSError:
            return
        finally:
            connection.close()

    def _decode(self, entry) -> None:
        tag, second = entry[0], entry[1]
        if isinstance(second, list):
            records = [(t, r) for t, r in second]
        elif isinstance(second, (bytes, bytearray)):
            unpacker = msgpack.Unpacker(raw=False)
            unpacker.feed(second)
            records = [(t, r) for t, r in unpacker]
        else:
            records = [(second, entry[2])]
        with self._lock:
            self.events.extend((tag, t, r) for t, r in records)

    @property
    def received(self) -> int:
        with self._lock:
            return len(self.events)

    def wait_for(self, count: int, timeout_s: float = 10.0) -> List[Tuple[str, object, dict]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.events) >= count:
                    return list(self.events)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} Fluentd events, got {len(self.events)}")

    def close(self) -> None:
        self._closed = True
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(), so the port is free
        except OSError:
            pass
        self._server.close()
        with self._lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
