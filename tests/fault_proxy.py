"""A TCP proxy for fault tests: between a client and the S3 server, it breaks things on purpose.

It runs an asyncio loop in a background thread and listens on ``127.0.0.1`` only. The fault can be
switched at any time from the test thread; every connection looks at the current fault for each
chunk it forwards, so a switch also affects connections already open (pooled keep-alive ones)::

    with FaultProxy(server.endpoint) as proxy:
        profile = server_profile(server, endpoint=proxy.endpoint)
        proxy.cut(after=1024, direction="up")   # reset every connection after 1 KiB of request
        ...
        proxy.pass_through()

Faults:

- ``pass_through()``: forward everything.
- ``refuse()``: close the listening socket and reset open connections (connect: ECONNREFUSED).
- ``reset()``: accept, then reset at once (the server dies as the request arrives).
- ``blackhole()``: leave connection attempts unanswered (SYNs dropped: connecting times out).
- ``delay(seconds)``: wait ``seconds`` before forwarding each chunk.
- ``stall(after=0, direction="both")``: forward ``after`` bytes, then forward nothing more and keep
  the connection open (a hung server).
- ``cut(after, direction)``: forward ``after`` bytes, then reset both sides.
- ``answer(status, body, content_type)``: answer every new request itself with that HTTP status
  and body, without the server (a proxy or load balancer whose upstream is gone); open
  connections are reset.

``direction`` is ``"up"`` (client to server: requests, uploads), ``"down"`` (server to client:
responses, downloads) or ``"both"``; byte counts are per connection and direction, counted from the
moment the fault was set.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine
from typing import Any, Literal

import attrs

__all__ = ["Direction", "Fault", "FaultProxy", "ProxyStats"]

Direction = Literal["up", "down", "both"]
Kind = Literal["pass", "refuse", "reset", "blackhole", "delay", "stall", "cut", "answer"]

CHUNK = 64 * 1024
_POLL = 0.02  # how often a stalled pump looks for a new fault
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@attrs.frozen
class Fault:
    """The current behaviour of the proxy. ``generation`` restarts byte counts when it changes."""

    kind: Kind = "pass"
    after: int = 0
    direction: Direction = "both"
    seconds: float = 0.0
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html"
    generation: int = 0

    def applies_to(self, direction: Literal["up", "down"]) -> bool:
        return self.direction in ("both", direction)


@attrs.define
class ProxyStats:
    """Counters since the proxy started (or since :meth:`FaultProxy.reset_stats`)."""

    connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    cuts: int = 0  # connections reset by a ``cut`` fault


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), the way a crashed peer looks to the other side."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """A loopback TCP proxy to ``upstream`` (``host:port``) whose behaviour tests switch at will."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        upstream_host, _, upstream_port = upstream.rpartition(":")
        self.upstream: tuple[str, int] = (upstream_host, int(upstream_port))
        self.host = host
        self.port = port
        self.stats = ProxyStats()
        self._fault = Fault()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._blackhole: list[socket.socket] = []
        self._connections: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()
        self._handlers: set[asyncio.Task[Any]] = set()

    # ----------------------------------------------------------------------------------- lifecycle

    @property
    def endpoint(self) -> str:
        """``host:port`` to give a client instead of the server's endpoint."""
        return f"{self.host}:{self.port}"

    @property
    def fault(self) -> Fault:
        """The fault in force."""
        return self._fault

    def start(self) -> FaultProxy:
        """Start the loop thread and listen; returns once the port is bound."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        self._call(self._listen())
        return self

    def stop(self) -> None:
        """Close everything and stop the loop thread. Idempotent."""
        loop = self._loop
        if loop is None:
            return
        self._call(self._shutdown())
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        loop.close()
        self._loop = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset_stats(self) -> None:
        """Zero the counters."""
        with self._lock:
            self.stats = ProxyStats()

    # ----------------------------------------------------------------------------------- faults

    def pass_through(self) -> None:
        """Forward everything (listening again after :meth:`refuse` or :meth:`blackhole`)."""
        self._set(Fault("pass"))
        self._call(self._listen())

    def refuse(self) -> None:
        """Close the listening socket and reset every open connection: nothing is there."""
        self._set(Fault("refuse"))
        self._call(self._close_listener_and_connections())

    def reset(self) -> None:
        """Accept connections, then reset them at once; open connections are reset too."""
        self._set(Fault("reset"))
        self._call(self._abort_connections())

    def blackhole(self) -> None:
        """Keep the port but never complete a connection: the client's connect times out.

        The listening socket gets a backlog of 0 that one connection of our own fills, so the
        kernel drops further SYNs (Linux, ``tcp_abort_on_overflow=0``, the default).
        """
        self._set(Fault("blackhole"))
        self._call(self._close_listener_and_connections())
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(0)
        filler = socket.create_connection((self.host, self.port), timeout=2)
        self._blackhole = [listener, filler]

    def delay(self, seconds: float) -> None:
        """Wait ``seconds`` before forwarding each chunk, both ways."""
        self._set(Fault("delay", seconds=seconds))

    def stall(self, after: int = 0, direction: Direction = "both") -> None:
        """Forward ``after`` bytes per connection in ``direction``, then nothing; stay connected."""
        self._set(Fault("stall", after=after, direction=direction))

    def cut(self, after: int, direction: Direction = "both") -> None:
        """Forward ``after`` bytes per connection in ``direction``, then reset both sides."""
        self._set(Fault("cut", after=after, direction=direction))

    def answer(self, status: int, body: bytes = b"", content_type: str = "text/html") -> None:
        """Answer every request with ``status`` and ``body`` (``Connection: close``), never
        reaching the server; open connections are reset so that pooled ones are not reused."""
        self._set(Fault("answer", status=status, body=body, content_type=content_type))
        self._call(self._listen())
        self._call(self._abort_connections())

    def drop_connections(self) -> None:
        """Reset every open connection and keep listening (pooled connections go stale)."""
        self._call(self._abort_connections())

    # ----------------------------------------------------------------------------------- internals

    def _set(self, fault: Fault) -> None:
        with self._lock:
            self._fault = attrs.evolve(fault, generation=self._fault.generation + 1)
        for sock in self._blackhole:
            sock.close()
        self._blackhole = []

    def _call(self, coroutine: Coroutine[Any, Any, None]) -> None:
        assert self._loop is not None, "proxy not started"
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._handle, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close_listener_and_connections(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self._abort_connections()

    async def _abort_connections(self) -> None:
        for writer in list(self._connections):
            _abort(writer)
        self._connections.clear()

    async def _shutdown(self) -> None:
        for sock in self._blackhole:
            sock.close()
        self._blackhole = []
        await self._close_listener_and_connections()
        for task in list(self._pumps):
            task.cancel()
        # Handlers end on their own once their pumps are done; cancelling them upsets asyncio.
        await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _handle(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            await self._serve(client_reader, client)
        finally:
            self._handlers.discard(task)

    async def _serve(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        with self._lock:
            self.stats.connections += 1
        fault = self._fault
        if fault.kind in ("reset", "refuse"):
            _abort(client)
            return
        if fault.kind == "answer":
            await self._answer(client_reader, client, fault)
            return
        try:
            server_reader, server = await asyncio.open_connection(*self.upstream)
        except OSError:
            _abort(client)  # upstream down: the client sees a reset, as from a dead server
            return
        self._connections.update((client, server))
        pair = (client, server)
        up = asyncio.create_task(self._pump(client_reader, server, "up", pair))
        down = asyncio.create_task(self._pump(server_reader, client, "down", pair))
        self._pumps.update((up, down))
        try:
            await asyncio.gather(up, down, return_exceptions=True)
        finally:
            self._pumps.difference_update((up, down))
            for writer in pair:
                self._connections.discard(writer)
                if not writer.is_closing():
                    writer.close()

    async def _answer(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, fault: Fault
    ) -> None:
        """Read one request (head and ``Content-Length`` body), answer it with ``fault``, close."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method = lines[0].split(" ", 1)[0]
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            self._count("up", len(head) + length)
            reason = _REASONS.get(fault.status, "Error")
            answer = (
                f"HTTP/1.1 {fault.status} {reason}\r\n"
                f"Content-Type: {fault.content_type}\r\n"
                f"Content-Length: {len(fault.body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode("latin-1")
            if method != "HEAD":
                answer += fault.body
            self._count("down", len(answer))
            writer.write(answer)
            await writer.drain()
            writer.close()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, OSError):
            _abort(writer)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        direction: Literal["up", "down"],
        pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    ) -> None:
        generation = -1
        count = 0
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    if writer.can_write_eof() and not writer.is_closing():
                        writer.write_eof()
                    return
                while data:
                    fault = self._fault
                    if fault.generation != generation:
                        generation, count = fault.generation, 0
                    if fault.kind in ("reset", "refuse"):
                        self._abort_pair(pair)
                        return
                    active = fault.applies_to(direction)
                    if active and fault.kind == "stall" and count >= fault.after:
                        await asyncio.sleep(_POLL)
                        continue
                    limited = active and fault.kind in ("stall", "cut")
                    piece = data[: fault.after - count] if limited else data
                    if fault.kind == "delay":
                        await asyncio.sleep(fault.seconds)
                    if piece:
                        count += len(piece)
                        # Counted before drain: the peer may answer before drain returns.
                        self._count(direction, len(piece))
                        writer.write(piece)
                        await writer.drain()
                        data = data[len(piece) :]
                    if fault.kind == "cut" and active and count >= fault.after:
                        with self._lock:
                            self.stats.cuts += 1
                        self._abort_pair(pair)
                        return
        except (ConnectionError, OSError):
            self._abort_pair(pair)  # one side went away: the other sees it as abruptly

    @staticmethod
    def _abort_pair(pair: tuple[asyncio.StreamWriter, asyncio.StreamWriter]) -> None:
        for writer in pair:
            _abort(writer)

    def _count(self, direction: Literal["up", "down"], size: int) -> None:
        with self._lock:
            if direction == "up":
                self.stats.bytes_up += size
            else:
                self.stats.bytes_down += size
