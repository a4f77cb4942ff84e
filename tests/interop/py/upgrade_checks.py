"""A wswire upgrade inside an HTTP server (the hyper_upgrade and axum_upgrade examples)
against Python `websockets` and plain HTTP requests, on 127.0.0.1.

usage: upgrade_checks.py BASE_URL

BASE_URL is http://127.0.0.1:PORT: the page on `/`, the WebSocket echo on `/ws`. Checks
the page, the negotiation and echo of every size through the HTTP library's upgrade, a
Ping, the closing handshake, and the core's refusals of bad upgrade requests, answered
through the HTTP library. Prints one line per check.
"""

import asyncio
import sys
import urllib.request

from websockets.asyncio.client import connect

import common

STEP = 30  # seconds allowed for any one check

report = common.Report("python-client")


def page(base):
    name = "GET / serves the page"
    try:
        with urllib.request.urlopen(base + "/", timeout=STEP) as response:
            body = response.read().decode()
            kind = response.headers.get("Content-Type", "")
            report.check(name, response.status == 200 and "text/html" in kind
                         and "new WebSocket" in body,
                         f"status {response.status}, type {kind!r}, {len(body)} bytes")
    except Exception as e:  # noqa: BLE001
        report.fail(name, repr(e))


async def echo(url):
    try:
        ws = await asyncio.wait_for(connect(url, max_size=None, open_timeout=10,
                                            close_timeout=10), STEP)
    except Exception as e:  # noqa: BLE001
        report.fail("connect", repr(e))
        return
    try:
        answer = ws.response.headers.get("Sec-WebSocket-Extensions")
        report.check("negotiate deflate=default", answer == "permessage-deflate",
                     f"server answered {answer!r}", detail=f"answered {answer!r}")
        for n in common.SIZES:
            for message in (common.text_of(n), common.binary_of(n, seed=n)):
                name = f"{'text' if isinstance(message, str) else 'binary'} {n}"
                try:
                    await asyncio.wait_for(ws.send(message), STEP)
                    got = await asyncio.wait_for(ws.recv(), STEP)
                    report.check(name, got == message, "echo differs")
                except Exception as e:  # noqa: BLE001
                    report.fail(name, repr(e))
        try:
            waiter = await asyncio.wait_for(ws.ping(b"upgrade"), STEP)
            await asyncio.wait_for(waiter, STEP)
            report.ok("ping/pong")
        except Exception as e:  # noqa: BLE001
            report.fail("ping/pong", repr(e))
        await asyncio.wait_for(ws.close(4000, "bye"), STEP)
        got = ws.protocol.close_rcvd
        report.check("close 4000", got is not None and got.code == 4000,
                     f"server's Close was {got!r}")
    finally:
        if ws.transport is not None and not ws.transport.is_closing():
            ws.transport.abort()


async def raw_request(host, port, lines):
    """Sends a request head, returns the response (the server closes or answers whole)."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), STEP)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP)
        return head.decode(errors="replace")
    finally:
        writer.close()


async def refusals(base):
    host, port = base.removeprefix("http://").rsplit(":", 1)
    common_lines = [f"GET /ws HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                    "Connection: Upgrade"]
    cases = [
        ("no Sec-WebSocket-Key gets 400", common_lines + ["Sec-WebSocket-Version: 13"],
         "HTTP/1.1 400", None),
        ("Sec-WebSocket-Version 8 gets 426 naming 13",
         common_lines + ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                         "Sec-WebSocket-Version: 8"],
         "HTTP/1.1 426", "sec-websocket-version: 13"),
    ]
    for name, lines, status, field in cases:
        try:
            head = await raw_request(host, int(port), lines)
            good = head.startswith(status) and (field is None or field in head.lower())
            report.check(name, good, f"answer {head.splitlines()[:6]!r}",
                         detail=head.splitlines()[0])
        except Exception as e:  # noqa: BLE001
            report.fail(name, repr(e))


async def main():
    base = sys.argv[1].rstrip("/")
    page(base)
    await echo(base.replace("http://", "ws://") + "/ws")
    await refusals(base)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    asyncio.run(main())
    common.main_exit(report)
