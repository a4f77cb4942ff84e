"""wss:// between wswire's tokio examples and Python `websockets`, on 127.0.0.1.

usage: tls_checks.py TOKIO_CLIENT WSS_URL CA_FILE

WSS_URL is a tokio_echo_server started with --tls --write-ca CA_FILE: a certificate for
127.0.0.1 signed by a certificate authority made at its start-up. A client that trusts
that CA gets through (websockets and tokio_client); one that does not is refused during
the TLS handshake, with an error that says so. Prints one line per check.
"""

import asyncio
import ssl
import sys

from websockets.asyncio.client import connect

import common

STEP = 30  # seconds allowed for any one check
RUN_LIMIT = 60  # seconds for one tokio_client run

report = common.Report("tls")


async def python_trusting(url, ca_file):
    context = ssl.create_default_context(cafile=ca_file)
    name = "websockets client trusting the CA: echo over wss"
    try:
        async with connect(url, ssl=context, open_timeout=10, close_timeout=10,
                           max_size=None) as ws:
            for message in (common.text_of(70_000), common.binary_of(300_000, seed=3)):
                await asyncio.wait_for(ws.send(message), STEP)
                echo = await asyncio.wait_for(ws.recv(), STEP)
                if echo != message:
                    report.fail(name, f"echo of {common.describe(message)} differs")
                    return
            await asyncio.wait_for(ws.close(1000), STEP)
            got = ws.protocol.close_rcvd
            report.check(name, got is not None and got.code == 1000,
                         f"server's Close was {got!r}",
                         detail=f"TLS {ws.transport.get_extra_info('ssl_object').version()}")
    except Exception as e:  # noqa: BLE001
        report.fail(name, repr(e))


async def python_untrusting(url):
    name = "websockets client without the CA is refused"
    try:
        async with connect(url, open_timeout=10):
            report.fail(name, "the handshake succeeded")
    except ssl.SSLCertVerificationError as e:
        report.ok(name, e.verify_message)
    except Exception as e:  # noqa: BLE001
        report.fail(name, f"expected a certificate verification error, got {e!r}")


async def run_client(client, url, flags, stdin):
    proc = await asyncio.create_subprocess_exec(
        "timeout", "-k", "5", str(RUN_LIMIT), client, url, *flags,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), RUN_LIMIT + 15)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def tokio_client_trusting(client, url, ca_file):
    name = "tokio_client --ca: echo over wss"
    code, out, err = await run_client(client, url, ["--ca", ca_file],
                                      "text 5\nbinary 70000\ntext 1048576\n")
    report.check(name, code == 0 and out.split() == ["ok"] * 3,
                 f"exit {code}, stdout {out!r}, stderr {err.strip()[-300:]!r}")


async def tokio_client_untrusting(client, url):
    name = "tokio_client without the CA is refused"
    code, out, err = await run_client(client, url, [], "text 5\n")
    says = err.strip().splitlines()[-1] if err.strip() else ""
    report.check(name, code != 0 and "invalid peer certificate" in says and not out,
                 f"exit {code}, stdout {out!r}, stderr {err.strip()[-300:]!r}", detail=says)


async def main():
    client, url, ca_file = sys.argv[1:4]
    await python_trusting(url, ca_file)
    await python_untrusting(url)
    await tokio_client_trusting(client, url, ca_file)
    await tokio_client_untrusting(client, url)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(main())
    common.main_exit(report)
