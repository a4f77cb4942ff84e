"""Python `websockets` clients against wswire's echo_server.

usage: client_checks.py --deflate-url URL --no-deflate-url URL --protocol-url URL

--deflate-url: echo_server (permessage-deflate on); --no-deflate-url: echo_server
--no-deflate; --protocol-url: echo_server --protocol chat. Prints one line per check.
"""

import argparse
import asyncio

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

import common

STEP = 30  # seconds allowed for any one check

report = common.Report("python-client")


async def session(url, label, expect_ext, compression="deflate", extensions=None):
    """One connection: negotiation, every size both ways, fragments, ping, close."""
    tag = f"deflate={label}"
    kwargs = dict(max_size=None, ping_interval=None, open_timeout=10, close_timeout=10)
    if extensions is not None:
        kwargs["extensions"] = extensions
        kwargs["compression"] = None
    else:
        kwargs["compression"] = compression
    try:
        ws = await asyncio.wait_for(connect(url, **kwargs), STEP)
    except Exception as e:  # noqa: BLE001 - any failure is the check's failure
        report.fail(f"connect {tag}", repr(e))
        return
    try:
        offered = ws.request.headers.get("Sec-WebSocket-Extensions")
        answer = ws.response.headers.get("Sec-WebSocket-Extensions")
        report.check(
            f"negotiate {tag}",
            answer == expect_ext,
            f"offered {offered!r}, server answered {answer!r}, expected {expect_ext!r}",
            detail=f"offered {offered!r}, answered {answer!r}",
        )
        # websockets' own view: it accepted the answer and compresses (or not) accordingly.
        names = [e.name for e in ws.protocol.extensions]
        want = ["permessage-deflate"] if expect_ext else []
        report.check(
            f"extension active {tag}",
            names == want,
            f"websockets runs extensions {names}, expected {want}",
        )

        for kind in ("text", "binary"):
            for n in common.SIZES:
                message = common.text_of(n) if kind == "text" else common.binary_of(n, seed=n)
                await echo_check(ws, f"{kind} {n} {tag}", message)

        # Fragmented: text cut inside multi-byte characters, with an empty fragment too.
        data = common.text_of(100_000).encode()
        a, b, c = common.split_mid_char(data)
        await echo_check(ws, f"fragmented text 4 frames {tag}", [a, b"", b, c], data.decode())
        data = common.binary_of(200_000, seed=7)
        pieces = [data[:1], data[1:70_000], data[70_000:]]
        await echo_check(ws, f"fragmented binary 3 frames {tag}", pieces, data)

        try:
            payload = bytes(range(125))
            waiter = await asyncio.wait_for(ws.ping(payload), STEP)
            await asyncio.wait_for(waiter, STEP)
            report.ok(f"ping/pong 125 bytes {tag}")
        except Exception as e:  # noqa: BLE001
            report.fail(f"ping/pong 125 bytes {tag}", repr(e))

        try:
            await asyncio.wait_for(ws.close(4000, "bye"), STEP)
            got = ws.protocol.close_rcvd
            # RFC 6455 §5.5.1: the reply "typically" echoes the code; the reason is free.
            report.check(
                f"close 4000 bye {tag}",
                got is not None and got.code == 4000 and ws.protocol.close_sent.code == 4000,
                f"server's Close was {got!r}, expected code 4000",
                detail=f"server echoed {got.code if got else None} {got.reason if got else ''!r}",
            )
        except Exception as e:  # noqa: BLE001
            report.fail(f"close 4000 bye {tag}", repr(e))
    finally:
        if ws.transport is not None and not ws.transport.is_closing():
            ws.transport.abort()  # a check failed before the closing handshake


async def echo_check(ws, name, message, expected=None):
    """Sends `message` (a list: fragments), waits for its echo, compares."""
    if expected is None:
        expected = message
    try:
        if isinstance(message, list):
            text = isinstance(expected, str)
            await asyncio.wait_for(ws.send(message, text=text), STEP)
        else:
            await asyncio.wait_for(ws.send(message), STEP)
        echo = await asyncio.wait_for(ws.recv(), STEP)
    except Exception as e:  # noqa: BLE001
        report.fail(name, repr(e))
        return
    if type(echo) is not type(expected):
        report.fail(name, f"echo is {common.describe(echo)}, sent {common.describe(expected)}")
    elif echo != expected:
        enc = (lambda s: s.encode()) if isinstance(expected, str) else bytes
        report.fail(name, "echo differs: " + common.first_difference(enc(expected), enc(echo)))
    else:
        report.ok(name)


async def invalid_utf8(url, label, compression):
    """A Text message that is not UTF-8 (cut inside '€'): the server fails it with 1007."""
    name = f"invalid utf-8 text gets close 1007 deflate={label}"
    try:
        async with connect(url, compression=compression, open_timeout=10, close_timeout=10) as ws:
            await asyncio.wait_for(ws.send("ok €".encode()[:-1], text=True), STEP)
            try:
                echo = await asyncio.wait_for(ws.recv(), STEP)
                report.fail(name, f"server echoed {echo!r}")
                return
            except ConnectionClosed:
                pass
            got = ws.protocol.close_rcvd
            report.check(name, got is not None and got.code == 1007,
                         f"server's Close was {got!r}, expected 1007",
                         detail=f"server closed {got.code if got else None} {got.reason if got else ''!r}")
    except Exception as e:  # noqa: BLE001
        report.fail(name, repr(e))


async def subprotocol(url, offer, expect):
    name = f"subprotocol offer=[{','.join(offer or [])}]"
    try:
        async with connect(url, subprotocols=offer, open_timeout=10, close_timeout=10) as ws:
            await asyncio.wait_for(ws.send("é"), STEP)
            echo = await asyncio.wait_for(ws.recv(), STEP)
            header = ws.response.headers.get("Sec-WebSocket-Protocol")
            report.check(
                name,
                ws.subprotocol == expect and header == expect and echo == "é",
                f"negotiated {ws.subprotocol!r} (header {header!r}), expected {expect!r}",
                detail=f"negotiated {ws.subprotocol!r}",
            )
    except Exception as e:  # noqa: BLE001
        report.fail(name, repr(e))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deflate-url", required=True)
    parser.add_argument("--no-deflate-url", required=True)
    parser.add_argument("--protocol-url", required=True)
    args = parser.parse_args()

    # The default offer, "permessage-deflate; client_max_window_bits".
    await session(args.deflate_url, "default", "permessage-deflate")
    await session(args.deflate_url, "off", None, compression=None)
    await session(
        args.deflate_url,
        "params(smwb=10,cmwb=11,cnct)",
        "permessage-deflate; client_no_context_takeover; server_max_window_bits=10",
        extensions=[
            ClientPerMessageDeflateFactory(
                server_max_window_bits=10,
                client_max_window_bits=11,
                client_no_context_takeover=True,
                compress_settings={"memLevel": 5},
            )
        ],
    )
    await session(
        args.deflate_url,
        "params(snct,smwb=9)",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
        extensions=[
            ClientPerMessageDeflateFactory(server_no_context_takeover=True, server_max_window_bits=9)
        ],
    )
    await session(args.no_deflate_url, "server-off", None)

    await invalid_utf8(args.deflate_url, "default", "deflate")
    await invalid_utf8(args.deflate_url, "off", None)

    await subprotocol(args.protocol_url, ["chat"], "chat")
    await subprotocol(args.protocol_url, ["x-other", "chat"], "chat")
    await subprotocol(args.protocol_url, None, None)


if __name__ == "__main__":
    asyncio.run(main())
    common.main_exit(report)
