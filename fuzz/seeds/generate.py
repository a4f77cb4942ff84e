#!/usr/bin/env python3
"""Writes the committed seed corpora under fuzz/seeds/<target>/ (run from anywhere).

Each frames-style seed starts with the four setup bytes the targets read first (see
fuzz/src/lib.rs, `Setup`); each handshake seed with the four configuration bytes of its
target. The frames are RFC 6455 §5.7's examples and RFC 7692 §7.2.3's compressed
messages, masked for a server's input with RFC 6455's example key. The handshakes are
what real clients and servers send (browsers, Python websockets, Node ws, curl).

Re-running rewrites every file; the names are stable, so `git diff` shows any change.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(b0, payload, mask=None):
    out = bytearray([b0])
    bit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        out.append(bit | n)
    elif n < 65536:
        out.append(bit | 126)
        out += struct.pack(">H", n)
    else:
        out.append(bit | 127)
        out += struct.pack(">Q", n)
    if mask:
        out += mask
        out += bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    else:
        out += payload
    return bytes(out)


def write(target, name, data):
    folder = os.path.join(HERE, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---- frames: (name, [(b0, payload)], needs deflate) ----
HELLO = b"Hello"
FRAMES = [
    # RFC 6455 §5.7
    ("rfc6455-text", [(0x81, HELLO)], False),
    ("rfc6455-fragmented-text", [(0x01, b"Hel"), (0x80, b"lo")], False),
    ("rfc6455-ping", [(0x89, HELLO)], False),
    ("rfc6455-pong", [(0x8A, HELLO)], False),
    ("rfc6455-binary-256", [(0x82, bytes(range(256)))], False),
    ("close-normal", [(0x88, b"\x03\xe8bye")], False),
    ("close-empty", [(0x88, b"")], False),
    ("close-invalid-code", [(0x88, b"\x03\xed")], False),
    ("text-ping-inside-fragments",
     [(0x01, "caf".encode()), (0x89, b"p"), (0x80, "é ü €😀".encode())], False),
    ("invalid-utf8", [(0x81, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")], False),
    ("reserved-opcode", [(0x83, b"")], False),
    # RFC 7692 §7.2.3
    ("rfc7692-hello", [(0xC1, bytes.fromhex("f248cdc9c90700"))], True),
    ("rfc7692-takeover", [(0xC1, bytes.fromhex("f248cdc9c90700")),
                          (0xC1, bytes.fromhex("f200110000"))], True),
    ("rfc7692-fragmented", [(0x41, bytes.fromhex("f248cd")),
                            (0x80, bytes.fromhex("c9c90700"))], True),
    ("rfc7692-stored", [(0xC1, bytes.fromhex("000500faff48656c6c6f00"))], True),
    ("rfc7692-bfinal", [(0xC1, bytes.fromhex("f348cdc9c907000000"))], True),
    ("rfc7692-two-blocks",
     [(0xC1, bytes.fromhex("f248050000 00ffffcac9c90700".replace(" ", "")))], True),
    ("rfc7692-empty", [(0xC1, b"\x00")], True),
    ("deflate-then-plain", [(0xC1, bytes.fromhex("f248cdc9c90700")), (0x81, HELLO),
                            (0x89, b""), (0x88, b"\x03\xe8")], True),
]

# Setup bytes: byte 0 limits and deflate (0x40: on), byte 1 deflate parameters, byte 2 how
# the input is cut, byte 3 local actions (bit 7: leave output queued, bit 6: timers and the
# clock, bit 5: an output limit) and how input arrives (bit 4: through input_buffer, bit 3:
# a 1 KiB read size).
SETUPS = [
    ("whole", [0x00, 0x00, 0x00, 0x00]),
    ("chunks-bytewise", [0x01, 0x00, 0x01, 0x00]),
    ("split-acting", [0x00, 0x00, 0x07, 0x2B]),
    ("timers-acting", [0x00, 0x00, 0x07, 0x4B]),
    ("timers-limit-queued", [0x01, 0x00, 0x03, 0xED]),
]
DEFLATE_SETUPS = [
    ("deflate-whole", [0x40, 0x00, 0x00, 0x00]),
    ("deflate-chunks-split", [0x41, 0x00, 0x05, 0x00]),
    ("deflate-nct-acting", [0x40, 0x03, 0x09, 0x11]),
    ("deflate-timers-limit", [0x40, 0x00, 0x05, 0x6B]),
]

for name, frames, deflate in FRAMES:
    for setup_name, setup in (DEFLATE_SETUPS if deflate else SETUPS + DEFLATE_SETUPS[:1]):
        client_bytes = b"".join(frame(b0, p) for b0, p in frames)
        server_bytes = b"".join(frame(b0, p, MASK) for b0, p in frames)
        write("client_frames", f"{name}-{setup_name}", bytes(setup) + client_bytes)
        write("server_frames", f"{name}-{setup_name}", bytes(setup) + server_bytes)
        # split_invariance: byte 3's low bit picks the role (0: server).
        s = list(setup)
        s[3] = 0
        write("split_invariance", f"{name}-{setup_name}-server", bytes(s) + server_bytes)
        s[3] = 1
        write("split_invariance", f"{name}-{setup_name}-client", bytes(s) + client_bytes)

# Messages over 1 KiB. Read through input_buffer with a 1 KiB read size (byte 3: 0x18), a
# binary frame over 2 KiB is collected and the rest of it read into the message buffer.
# Text collected from fragments, then a compressed message (8,192 "a"s, 8 KiB limit:
# byte 0 0x7C): the two buffers, of which a connection may hold one message's worth.
A8192 = bytes.fromhex("ecc1010d000000c2a0acef5fc21c6e400100000000000000ef06")
LARGE = [
    ("binary-3000", [(0x82, bytes(i % 251 for i in range(3000)))],
     [0x00, 0x00, 0x00, 0x18]),
    ("binary-fragments-2x1500", [(0x02, bytes([1]) * 1500), (0x80, bytes([2]) * 1500)],
     [0x00, 0x00, 0x07, 0x18]),
    ("text-fragments-then-compressed",
     [(0x01, b"x" * 2000), (0x80, b"x" * 2000), (0xC1, A8192)], [0x7C, 0x00, 0x00, 0x00]),
    ("text-fragments-then-compressed-read",
     [(0x01, b"x" * 2000), (0x80, b"x" * 2000), (0xC1, A8192)], [0x7C, 0x00, 0x05, 0x18]),
]
for name, frames, setup in LARGE:
    client_bytes = b"".join(frame(b0, p) for b0, p in frames)
    server_bytes = b"".join(frame(b0, p, MASK) for b0, p in frames)
    write("client_frames", name, bytes(setup) + client_bytes)
    write("server_frames", name, bytes(setup) + server_bytes)
    s = list(setup)
    s[3] &= 0x18
    write("split_invariance", f"{name}-server", bytes(s) + server_bytes)
    s[3] |= 1
    write("split_invariance", f"{name}-client", bytes(s) + client_bytes)

# frame_header_diff: the frames alone, masked and not (a header is at most 14 bytes; the
# rest lets a seed hold the next header too).
for name, frames, _ in FRAMES:
    for suffix, mask in (("unmasked", None), ("masked", MASK)):
        data = b"".join(frame(b0, p, mask) for b0, p in frames)
        write("frame_header_diff", f"{name}-{suffix}", data[:32])
write("frame_header_diff", "len64-top-bit", bytes([0x82, 0x7F, 0x80]) + bytes(7))
write("frame_header_diff", "len64-masked", bytes([0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4]))

# Pings by the hundred while output is left queued (byte 3's top bit) and the driver sends
# large messages: the automatic Pongs pile up past 64 KiB and replace each other.
FLOOD = [(0x89, bytes([i % 256, 1, 2])) for i in range(500)]
for role, mask in (("server_frames", MASK), ("client_frames", None)):
    write(role, "ping-flood-undrained",
          bytes([0x00, 0x00, 0x01, 0x80]) + b"".join(frame(b0, p, mask) for b0, p in FLOOD))

# ---- server_handshake: requests, some followed by frames ----
def request(lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


REQUESTS = {
    "rfc6455": request([
        "GET /chat HTTP/1.1", "Host: server.example.com", "Upgrade: websocket",
        "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Origin: http://example.com", "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Version: 13"]),
    "chromium": request([
        "GET /chat HTTP/1.1", "Host: localhost:9001", "Connection: Upgrade",
        "Pragma: no-cache", "Cache-Control: no-cache",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36",
        "Upgrade: websocket", "Origin: https://example.com", "Sec-WebSocket-Version: 13",
        "Accept-Encoding: gzip, deflate, br, zstd", "Accept-Language: en-US,en;q=0.9",
        "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]),
    "firefox": request([
        "GET /socket HTTP/1.1", "Host: localhost:8080",
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
        "Accept: */*", "Accept-Language: en-US,en;q=0.5", "Accept-Encoding: gzip, deflate, br",
        "Sec-WebSocket-Version: 13", "Origin: http://localhost:8080",
        "Sec-WebSocket-Extensions: permessage-deflate",
        "Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==", "Connection: keep-alive, Upgrade",
        "Sec-Fetch-Dest: empty", "Sec-Fetch-Mode: websocket", "Sec-Fetch-Site: same-origin",
        "Pragma: no-cache", "Cache-Control: no-cache", "Upgrade: websocket"]),
    "python-websockets": request([
        "GET / HTTP/1.1", "Host: localhost:8765", "Upgrade: websocket",
        "Connection: Upgrade", "Sec-WebSocket-Key: 4Kx5a0hT3c9ynbcwJUYi3A==",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
        "User-Agent: Python/3.11 websockets/13.1"]),
    "node-ws": request([
        "GET /echo HTTP/1.1", "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: 9vGhrkiW6x2uwKxzOzd9Rg==", "Connection: Upgrade",
        "Upgrade: websocket",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
        "Host: 127.0.0.1:8080"]),
    "curl": request([
        "GET /ws HTTP/1.1", "Host: example.com", "User-Agent: curl/8.5.0", "Accept: */*",
        "Upgrade: websocket", "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Connection: Upgrade"]),
    "deflate-params": request([
        "GET / HTTP/1.1", "Host: h", "Upgrade: WebSocket", "Connection: upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
        "client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=10, "
        "permessage-deflate; server_max_window_bits=\"8\", permessage-deflate",
        "Sec-WebSocket-Extensions: x-webkit-deflate-frame"]),
    "version-8": request([
        "GET / HTTP/1.1", "Host: h", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 8"]),
    "post": request([
        "POST / HTTP/1.1", "Host: h", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]),
    "bare-lf": b"GET / HTTP/1.1\nHost: h\nUpgrade: websocket\nConnection: Upgrade\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n",
}
TRAILING = (frame(0x81, HELLO, MASK) + frame(0xC1, bytes.fromhex("f248cdc9c90700"), MASK)
            + frame(0x89, b"ping", MASK) + frame(0x88, b"\x03\xe8", MASK))
# Byte 0: 0x01 deflate with defaults, 0x06 deflate from the byte and subprotocols, 0x0C
# subprotocols and an origin allow-list; byte 1 limits; byte 2 cuts; byte 3 actions.
for name, req in REQUESTS.items():
    write("server_handshake", name, bytes([0x01, 0x00, 0x00, 0x00]) + req)
    write("server_handshake", f"{name}-split", bytes([0x06, 0x01, 0x07, 0x00]) + req)
    write("server_handshake", f"{name}-frames", bytes([0x0D, 0x00, 0x00, 0x2B]) + req + TRAILING)

# ---- client_handshake: responses to the fixed request (RFC nonce) ----
ACCEPT = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
RESPONSES = {
    "rfc6455": request(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                        "Connection: Upgrade", ACCEPT, "Sec-WebSocket-Protocol: chat"]),
    "deflate": request(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                        "Connection: Upgrade", ACCEPT,
                        "Sec-WebSocket-Extensions: permessage-deflate; "
                        "server_no_context_takeover; client_max_window_bits=12"]),
    "python-websockets": request([
        "HTTP/1.1 101 Switching Protocols", "Date: Mon, 01 Jan 2024 00:00:00 GMT",
        "Upgrade: websocket", "Connection: Upgrade", ACCEPT,
        "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; "
        "client_max_window_bits=12",
        "Server: Python/3.11 websockets/13.1"]),
    "node-ws": request(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                        "Connection: Upgrade", ACCEPT,
                        "Sec-WebSocket-Extensions: permessage-deflate"]),
    "interim-100": request(["HTTP/1.1 100 Continue"]) + request([
        "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
        ACCEPT]),
    "wrong-accept": request(["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                             "Connection: Upgrade",
                             "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ=="]),
    "not-found": request(["HTTP/1.1 404 Not Found", "Content-Type: text/plain",
                          "Content-Length: 10"]) + b"not found\n",
    "unauthorized-chunked": request(["HTTP/1.1 401 Unauthorized",
                                     "WWW-Authenticate: Basic realm=\"ws\"",
                                     "Transfer-Encoding: chunked"])
                            + b"5\r\nhello\r\n0\r\n\r\n",
    "redirect": request(["HTTP/1.1 302 Found", "Location: wss://example.com/chat",
                         "Content-Length: 0"]),
    "until-close": request(["HTTP/1.0 200 OK"]) + b"<html>no websocket here</html>",
}
CLIENT_TRAILING = (frame(0x81, HELLO) + frame(0xC1, bytes.fromhex("f248cdc9c90700"))
                   + frame(0x89, b"ping") + frame(0x88, b"\x03\xe8"))
# Byte 0: 0x01 deflate with defaults, 0x06 deflate from the byte and subprotocols, 0x15
# deflate, a small rejection body limit and subprotocols.
for name, resp in RESPONSES.items():
    write("client_handshake", name, bytes([0x05, 0x00, 0x00, 0x00]) + resp)
    write("client_handshake", f"{name}-split", bytes([0x06, 0x01, 0x07, 0x00]) + resp)
    write("client_handshake", f"{name}-frames",
          bytes([0x15, 0x00, 0x00, 0x2B]) + resp + CLIENT_TRAILING)

# ---- handshake_work: patterns repeated up to 128 times, for either reader ----
# Byte 0: bit 0 the role (0 server, 1 client), bits 1-7 the repeat count less one; byte 1
# how the result is cut (0 whole, 1 byte by byte, else drawn pieces).
WORK = {
    "server-crlf-runs": (0, b"\r\n" * 32),
    "server-lf-runs": (0, b"\n" * 64),
    "server-crlf-then-request": (0, b"\r\n" * 4 + REQUESTS["rfc6455"]),
    "server-many-fields": (0, b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 200),
    "server-long-line": (0, b"GET / HTTP/1.1\r\nX: " + b"v" * 2000),
    "client-interim": (1, b"HTTP/1.1 100 Continue\r\n\r\n"),
    "client-early-hints": (1, b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n\r\n"),
    "client-many-fields": (1, b"HTTP/1.1 101 Switching Protocols\r\n" + b"X-A: b\r\n" * 200),
}
for name, (role, pattern) in WORK.items():
    for cut, suffix in ((0x00, "whole"), (0x01, "bytewise"), (0x07, "pieces")):
        write("handshake_work", f"{name}-{suffix}", bytes([0xFE | role, cut]) + pattern)

# ---- extensions_header: header values ----
EXTENSIONS = [
    "permessage-deflate; client_max_window_bits",
    "permessage-deflate",
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
    "server_max_window_bits=10; client_max_window_bits=10",
    "permessage-deflate; client_max_window_bits=\"15\"; server_max_window_bits=9",
    "permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits",
    "x-webkit-deflate-frame, foo; bar=baz; q=\"a\\b\"",
    "permessage-deflate; client_max_window_bits=8",
    "permessage-deflate;client_max_window_bits=9 , ,permessage-deflate ; x=1",
    "",
]
for i, value in enumerate(EXTENSIONS):
    write("extensions_header", f"value-{i:02}", value.encode())
