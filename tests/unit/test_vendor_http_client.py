"""The vendor HTTP client holds hundreds of calls open at once (no hidden connection cap)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from interviewsim.vendors.common import vendor_http_client

# aiohttp's connector allows 100 connections unless told otherwise; an interview turn holds one for
# seconds, so a cap at 100 would queue the 101st candidate behind someone else's reply.
CONCURRENT_CALLS = 150


async def test_more_than_a_hundred_calls_are_in_flight_together() -> None:
    in_flight = 0
    peak = 0
    everyone_arrived = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal in_flight, peak
        await reader.readuntil(b"\r\n\r\n")
        in_flight += 1
        peak = max(peak, in_flight)
        if in_flight >= CONCURRENT_CALLS:
            everyone_arrived.set()
        # Like a vendor still thinking: answer once everyone is waiting, or give up after a while.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone_arrived.wait(), timeout=3)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
        await writer.drain()
        in_flight -= 1
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = vendor_http_client(httpx.Timeout(10))
    try:
        replies = await asyncio.gather(
            *(client.get(f"http://127.0.0.1:{port}/v1/text-to-speech") for _ in range(CONCURRENT_CALLS))
        )
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()

    assert [reply.text for reply in replies] == ["ok"] * CONCURRENT_CALLS
    assert peak == CONCURRENT_CALLS
