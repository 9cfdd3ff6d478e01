"""The server's own limits, probed as an attacker would: raw sockets against a real `interviewsim serve`.

Header floods, slow clients (slow loris), silent connections, slow bodies and too many connections;
every loop is bounded, and no test asserts a speed: only that the server closes or refuses in the end,
within its configured timeout plus slack, while others are still served.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import websockets
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from interviewsim.serving import protocol
from interviewsim.serving.options import WS_MAX_MESSAGE_BYTES
from interviewsim.serving.threaded import serve_in_thread
from interviewsim.speech.live.session import LiveConfig
from tests.support.servers import ServerProcess

TOKEN = "limits-test-token-0123"
HEADER_TIMEOUT = 2
BODY_TIMEOUT = 3
SLACK = 8  # seconds beyond a timeout before a test calls the connection "still open"
LIMITS = {
    "HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
    "BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
    "MAX_HEADER_BYTES": str(16 * 1024),
    "MAX_HEADER_COUNT": "50",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    running = ServerProcess(tmp_path_factory.mktemp("limits"), TOKEN, LIMITS).start()
    try:
        yield running
    finally:
        running.stop()


def connect(server: ServerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def closed_by_server(sock: socket.socket, within: float, trickle: bytes = b"") -> bytes | None:
    """Read (sending `trickle` a byte a second) until the server closes; what it said, or None if it never did."""
    deadline = time.monotonic() + within
    received = b""
    sock.settimeout(1)
    while time.monotonic() < deadline:
        try:
            if trickle:
                sock.sendall(trickle[:1])
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return received
        if not chunk:
            return received
        received += chunk
    return None


def healthy(server: ServerProcess) -> bool:
    return httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200


def test_an_oversized_header_is_refused_without_reading_it_all(server: ServerProcess) -> None:
    with connect(server) as sock:
        answer, sent_mb = b"", 0
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
            for _ in range(64):  # up to 64 MB, as the probe sent; the server should stop us long before
                sock.sendall(b"a" * (1024 * 1024))
                sent_mb += 1
            sock.sendall(b"\r\n\r\n")
        except (ConnectionResetError, BrokenPipeError):
            pass
        with contextlib.suppress(OSError):
            answer = sock.recv(4096)
    assert sent_mb < 64, "the server read the whole unfinished header line"
    assert not answer.startswith(b"HTTP/1.1 200"), answer[:100]
    # Empty when the close reset the connection before the client read the 431.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431"), answer[:100]
    assert healthy(server)


def head_of(size: int) -> bytes:
    """A GET /healthz head of exactly `size` bytes as the cap counts them (URL, names, values, ': ' and CRLF)."""
    counted = len(b"/healthz") + len(b"host") + len(b"127.0.0.1") + 4 + len(b"x-pad") + 4
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * (size - counted) + b"\r\n\r\n"


def answer_to(server: ServerProcess, request: bytes) -> bytes:
    """Send `request` in one write; the server's answer up to its close or its JSON body."""
    with connect(server) as sock:
        sock.sendall(request)
        received = b""
        while b"}" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        return received


def test_a_head_at_the_cap_is_served_and_one_byte_more_gets_431(server: ServerProcess) -> None:
    cap = int(LIMITS["MAX_HEADER_BYTES"])
    assert answer_to(server, head_of(cap)).startswith(b"HTTP/1.1 200")
    refused = answer_to(server, head_of(cap + 1))
    assert refused.startswith(b"HTTP/1.1 431"), refused[:100]
    assert b"headers_too_large" in refused and b"connection: close" in refused


def test_eight_header_floods_at_once_are_all_cut_off(server: ServerProcess) -> None:
    socks = [connect(server) for _ in range(8)]
    refused = 0
    try:
        for sock in socks:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
        for _ in range(32):  # 32 MB each at most, never finished
            for sock in socks:
                try:
                    sock.sendall(b"a" * (1024 * 1024))
                except (ConnectionResetError, BrokenPipeError):
                    continue
        for sock in socks:
            if closed_by_server(sock, within=SLACK) is not None:
                refused += 1
    finally:
        for sock in socks:
            sock.close()
    assert refused == 8
    assert healthy(server)


def test_too_many_header_fields_are_refused_with_431(server: ServerProcess) -> None:
    headers = {f"x-field-{n}": "1" for n in range(60)}
    response = httpx.get(f"{server.base_url}/healthz", headers=headers)
    assert response.status_code == 431
    assert "header fields" in response.json()["error"]


def test_a_slow_loris_is_closed_and_others_are_served_meanwhile(server: ServerProcess) -> None:
    with connect(server) as loris:
        loris.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        served: list[int] = []
        other = threading.Thread(target=lambda: served.append(httpx.get(f"{server.base_url}/healthz").status_code))
        other.start()
        said = closed_by_server(loris, within=HEADER_TIMEOUT + SLACK, trickle=b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        other.join(timeout=30)
    assert said is not None, "a client sending a byte a second was never closed"
    assert said == b"" or said.startswith(b"HTTP/1.1 408")
    assert served == [200]


def test_a_connection_that_never_sends_a_request_is_closed(server: ServerProcess) -> None:
    with connect(server) as silent:
        said = closed_by_server(silent, within=HEADER_TIMEOUT + SLACK)
    assert said is not None and (said == b"" or said.startswith(b"HTTP/1.1 408"))


def test_a_second_request_trickled_on_a_kept_alive_connection_is_closed(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while b'"ok"' not in first:
            chunk = sock.recv(4096)
            assert chunk, "the first request got no answer"
            first += chunk
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # then a byte a second
        said = closed_by_server(sock, within=HEADER_TIMEOUT + SLACK, trickle=b"Host: 127.0.0.1......")
    assert said is not None


def test_a_body_that_stops_arriving_is_closed(server: ServerProcess) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST /api/start-session HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + TOKEN.encode()
            + b'\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"domain": '
        )
        said = closed_by_server(sock, within=BODY_TIMEOUT + SLACK)
    assert said is not None, "a body that never finished kept its connection open"
    assert not said.startswith(b"HTTP/1.1 200")
    assert healthy(server)


def test_an_oversized_websocket_message_is_refused_by_the_server_before_the_app(server: ServerProcess) -> None:
    """A 1 MiB message is over `serve`'s WebSocket limit: closed 1009 at once (uvicorn's default takes 16 MiB)."""

    async def send_big() -> tuple[int | None, str | None]:
        url = f"ws://127.0.0.1:{server.port}/api/voice?session_id=any"
        async with websockets.connect(url, max_size=2**20) as ws:
            # Unauthenticated: the app would read it as the auth message and close 1008 (policy).
            await ws.send(bytes(2**20))
            with contextlib.suppress(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return ws.close_code, ws.close_reason

    code, reason = asyncio.run(send_big())
    assert code == 1009, (code, reason)
    assert healthy(server)


def test_the_websocket_limit_lets_the_voice_loops_own_limits_answer_first() -> None:
    """Every frame the live loop accepts, and one byte over (closed by the loop with its reason), fits the limit."""
    config = LiveConfig()
    assert max(config.max_frame_bytes, config.max_text_bytes) < WS_MAX_MESSAGE_BYTES < 2**20


def test_past_the_concurrency_limit_requests_get_503(tmp_path: Path) -> None:
    # Long deadlines here: on a loaded machine the idle connections must still be open when /healthz asks.
    patient = {**LIMITS, "HEADER_TIMEOUT_SECONDS": "60", "LIMIT_CONCURRENCY": "4"}
    limited = ServerProcess(tmp_path, TOKEN, patient).start()
    try:
        idle = [connect(limited) for _ in range(4)]
        try:
            assert httpx.get(f"{limited.base_url}/healthz").status_code == 503
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 30
        while httpx.get(f"{limited.base_url}/healthz").status_code != 200:
            assert time.monotonic() < deadline, "the server never recovered from the idle connections"
            time.sleep(0.2)
    finally:
        limited.stop()


# --- what the deadlines must never cut: a WebSocket and a long streamed response ----------------------


async def _stream(_: object) -> StreamingResponse:
    async def slow() -> object:
        for n in range(4):
            yield f"part {n}\n"
            await asyncio.sleep(1)

    return StreamingResponse(slow(), media_type="text/plain")


async def _slow(_: object) -> PlainTextResponse:
    await asyncio.sleep(2)
    return PlainTextResponse("slept")


async def _body(request: Request) -> PlainTextResponse:
    return PlainTextResponse(await request.body())


async def _echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for message in websocket.iter_text():
        await websocket.send_text(message)


@contextlib.contextmanager
def deadline_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A small app behind the deadline protocol with 1-second deadlines, in a thread."""
    monkeypatch.setenv("HEADER_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("BODY_TIMEOUT_SECONDS", "1")
    protocol.request_limits.cache_clear()
    routes = [Route("/stream", _stream), Route("/slow", _slow), Route("/body", _body, methods=["POST"])]
    app = Starlette(routes=[*routes, WebSocketRoute("/ws", _echo)])
    try:
        with serve_in_thread(app, http=protocol.DeadlineHttpToolsProtocol, lifespan="off") as base_url:
            yield int(urlsplit(base_url).port or 0)
    finally:
        protocol.request_limits.cache_clear()


def test_a_pipelined_request_waiting_for_its_turn_is_not_cut_by_the_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server stops reading while a request runs: its deadlines must wait too, then apply again."""
    with deadline_server(monkeypatch) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # A 2-second request, then a second one whose body is unfinished: the server reads no more meanwhile.
        sock.sendall(
            b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            b"POST /body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nab"
        )
        received = b""
        while b"slept" not in received:
            chunk = sock.recv(4096)
            assert chunk, "the connection was closed while the first request ran"
            received += chunk
        sock.sendall(b"cde")
        while b"abcde" not in received:
            chunk = sock.recv(4096)
            assert chunk, "the second request was never answered"
            received += chunk
        # Its turn came: an unfinished body is timed again.
        sock.sendall(b"POST /body HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nab")
        assert closed_by_server(sock, within=1 + SLACK) is not None


def test_websockets_and_long_streams_outlive_the_request_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    with deadline_server(monkeypatch) as port:
        with httpx.stream("GET", f"http://127.0.0.1:{port}/stream", timeout=30) as response:
            assert response.read().decode().splitlines() == [f"part {n}" for n in range(4)]

        async def talk() -> list[str]:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as ws:
                replies = []
                for n in range(3):
                    await ws.send(f"hello {n}")
                    replies.append(str(await ws.recv()))
                    await asyncio.sleep(1)  # three seconds open in all: past both deadlines
                return replies

        assert asyncio.run(talk()) == ["hello 0", "hello 1", "hello 2"]
