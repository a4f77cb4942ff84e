"""wswire's echo_client (or tokio_client) against Python `websockets` servers.

usage: server_checks.py ECHO_CLIENT

Starts websockets servers on 127.0.0.1 (ephemeral ports), runs ECHO_CLIENT against them
(each run bounded by `timeout`), and checks both sides: the client's `ok` lines, exit status
and negotiated extension / subprotocol (its stderr), and the server's view: the answer it
sent, each message's content as received, the Pong to its Ping, the Close code received.
"""

import asyncio
import os
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

import common

RUN_LIMIT = 60  # seconds for one echo_client run (the `timeout` around it)
PING = b"interop-ping"

# The client under test names its stderr lines and the report: echo_client, tokio_client.
CLIENT = os.path.basename(sys.argv[1]) if len(sys.argv) > 1 else "echo_client"
report = common.Report(f"{CLIENT}/python-server")


def commands(sizes=common.SIZES):
    return [(kind, n) for kind in ("text", "binary") for n in sizes]


class Server:
    """A websockets server that echoes, records what it saw per connection path."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.records = {}
        self.server = None
        self.port = None

    async def start(self):
        self.server = await serve(
            self.handler, "127.0.0.1", 0, max_size=None, ping_interval=None, **self.kwargs
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def handler(self, ws):
        rec = {
            "answer": ws.response.headers.get("Sec-WebSocket-Extensions"),
            "offer": ws.request.headers.get("Sec-WebSocket-Extensions"),
            "subprotocol": ws.subprotocol,
            "received": [],
            "pong": False,
            "close": None,
            "error": None,
        }
        self.records[ws.request.path] = rec
        fragment = ws.request.path.endswith("/frag")
        try:
            # A Ping before any data: the client answers it while it waits for its echo.
            waiter = await ws.ping(PING)
            waiter.add_done_callback(
                lambda f: rec.__setitem__("pong", not f.cancelled() and f.exception() is None)
            )
            async for message in ws:
                rec["received"].append(message)
                if fragment:
                    # Echo in 4 frames, one of them empty.
                    k = len(message) // 3
                    await ws.send([message[:k], message[k : 2 * k], message[2 * k : 2 * k], message[2 * k :]])
                else:
                    await ws.send(message)
        except ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001
            rec["error"] = repr(e)
        rc = ws.protocol.close_rcvd
        rec["close"] = (rc.code, rc.reason) if rc is not None else None


async def run_client(echo_client, url, flags, cmds):
    stdin = "".join(f"{kind} {n}\n" for kind, n in cmds).encode()
    proc = await asyncio.create_subprocess_exec(
        "timeout", "-k", "5", str(RUN_LIMIT), echo_client, url, *flags,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), RUN_LIMIT + 15)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def pairing(echo_client, label, server_kwargs, flags, expect_answer, expect_client,
                  path="/", sizes=common.SIZES, protocol=None, what=""):
    """One echo_client run against a fresh server; one line per check."""
    tag = f"deflate={label}"
    server = Server(**server_kwargs)
    await server.start()
    cmds = commands(sizes)
    try:
        code, out, err = await run_client(
            echo_client, f"ws://127.0.0.1:{server.port}{path}", flags, cmds
        )
    finally:
        server.server.close()
        await asyncio.wait_for(server.server.wait_closed(), 15)
    rec = server.records.get(path)
    err_lines = [line for line in err.splitlines() if line.startswith(f"{CLIENT}: ")]
    last_err = err_lines[-1] if err_lines else err.strip()[-300:]
    if rec is None:
        report.fail(f"connect {what}{tag}", f"server saw no connection; exit {code}, stderr {err!r}")
        return

    ext_line = next((line for line in err_lines if "extension" in line or "permessage" in line), None)
    want_line = f"{CLIENT}: {expect_client or 'no extension'}"
    report.check(
        f"negotiate {what}{tag}",
        rec["answer"] == expect_answer and ext_line == want_line,
        f"offered {rec['offer']!r}; server answered {rec['answer']!r} (expected {expect_answer!r}); "
        f"client says {ext_line!r} (expected {want_line!r})",
        detail=f"offered {rec['offer']!r}, answered {rec['answer']!r}",
    )
    if protocol is not None:
        sub_line = next((line for line in err_lines if "subprotocol" in line), None)
        report.check(
            f"subprotocol offer=[{protocol}]",
            rec["subprotocol"] == protocol and sub_line == f"{CLIENT}: subprotocol {protocol}",
            f"server chose {rec['subprotocol']!r}, client says {sub_line!r}",
            detail=f"negotiated {rec['subprotocol']!r}",
        )

    oks = out.split()
    for i, (kind, n) in enumerate(cmds):
        name = f"{kind} {n} {what}{tag}"
        expected = common.echo_client_payload(kind, n)
        got = rec["received"][i] if i < len(rec["received"]) else None
        if got is None:
            report.fail(name, f"server never received it; client: {last_err!r}")
            continue
        got_bytes = got.encode() if isinstance(got, str) else got
        if isinstance(got, str) != (kind == "text") or got_bytes != expected:
            report.fail(name, f"server received {common.describe(got)}: "
                        + common.first_difference(expected, got_bytes))
        elif i >= len(oks) or oks[i] != "ok":
            report.fail(name, f"client did not confirm the echo; client: {last_err!r}")
        else:
            report.ok(name)

    report.check(f"ping/pong {what}{tag}", rec["pong"], "server got no Pong to its Ping")
    report.check(
        f"close 1000 {what}{tag}",
        rec["close"] == (1000, "") and code == 0 and rec["error"] is None,
        f"server received Close {rec['close']!r} (expected (1000, '')), server error "
        f"{rec['error']!r}, client exit {code}, client: {last_err!r}",
        detail=f"server received {rec['close']!r}, client exit {code}",
    )


async def main():
    echo_client = sys.argv[1]
    default = dict()  # websockets' default: server_max_window_bits=12, client_max_window_bits=12
    await pairing(
        echo_client, "default", default, [],
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
    )
    await pairing(echo_client, "off", default, ["--no-deflate"], None, None)
    await pairing(echo_client, "server-off", dict(compression=None), [], None, None)
    await pairing(
        echo_client, "client-params(snct,cnct,smwb=10,cmwb=11)", default,
        ["--server-no-context-takeover", "--client-no-context-takeover",
         "--server-max-window-bits", "10", "--client-max-window-bits", "11"],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=10; client_max_window_bits=11",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=10; client_max_window_bits=11",
    )
    # The server limits the client to a 9-bit window and inflates with exactly that
    # window (zlib wbits=-9): a client compressing with a larger one fails to inflate.
    narrow = dict(
        compression=None,
        extensions=[ServerPerMessageDeflateFactory(
            server_no_context_takeover=True, client_no_context_takeover=True,
            server_max_window_bits=9, client_max_window_bits=9,
        )],
    )
    await pairing(
        echo_client, "server-params(snct,cnct,smwb=9,cmwb=9)", narrow, [],
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=9; client_max_window_bits=9",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
        "server_max_window_bits=9; client_max_window_bits=9",
    )
    # The server echoes each message in 4 frames (one empty): the client reassembles.
    frag_sizes = [0, 1, 126, 65536, 1 << 20]
    await pairing(
        echo_client, "default", default, [],
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        path="/frag", sizes=frag_sizes, what="echo=fragmented ",
    )
    await pairing(echo_client, "off", default, ["--no-deflate"], None, None,
                  path="/frag", sizes=frag_sizes, what="echo=fragmented ")
    # Subprotocol: the server supports chat, the client offers it.
    await pairing(
        echo_client, "default", dict(subprotocols=["chat"]), ["--protocol", "chat"],
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        sizes=[1, 126], protocol="chat", what="protocol=chat ",
    )


if __name__ == "__main__":
    asyncio.run(main())
    common.main_exit(report)
