"""A local WebSocket server (the `websockets` library) that replays recorded stream frames.

Each connection is answered by ``respond(connection_number, request_path)``, which returns the
frames to send and whether to drop the connection afterwards without a closing handshake (a broken
connection, as when a server restarts or a network path fails); otherwise the connection stays open
until the client closes it. The request paths (with their query strings) and headers are recorded.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

Respond = Callable[[int, str], tuple[list[str], bool]]


class ReplayServer:
    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    def _handle(self, websocket: ServerConnection) -> None:
        with self._lock:
            number = len(self.requests) + 1
            self.requests.append((websocket.request.path, dict(websocket.request.headers.raw_items())))
        frames, drop = self.respond(number, websocket.request.path)
        try:
            for frame in frames:
                websocket.send(frame)
            if drop:
                websocket.socket.shutdown(socket.SHUT_RDWR)
                return
            for _message in websocket:  # until the client goes away
                pass
        except (ConnectionClosed, OSError):
            pass
