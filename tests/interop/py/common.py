"""Shared by the Python drivers: payloads, the report lines, expectations."""

import os
import random
import sys

# Message sizes every pairing sends: the 7/16/64-bit length boundaries and 1 MiB.
SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20]

# UTF-8 of 1, 2, 3 and 4 bytes: 'a', 'é', '€', '😀' (10 bytes in all).
_PATTERN = "aé€😀"


def text_of(nbytes: int) -> str:
    """A string whose UTF-8 is exactly `nbytes` long, multi-byte characters throughout."""
    reps, rest = divmod(nbytes, len(_PATTERN.encode()))
    text = _PATTERN * reps + "x" * rest
    assert len(text.encode()) == nbytes
    return text


def binary_of(nbytes: int, seed: int = 1) -> bytes:
    """Pseudo-random bytes (seeded): incompressible, so deflate emits stored blocks too."""
    return random.Random(seed).randbytes(nbytes)


def echo_client_payload(kind: str, nbytes: int) -> bytes:
    """What echo_client sends for `text N` / `binary N`."""
    if kind == "text":
        return bytes(ord("a") + i % 26 for i in range(nbytes))
    return bytes(i % 256 for i in range(nbytes))


def split_mid_char(data: bytes, cuts: int = 2) -> list[bytes]:
    """Cuts UTF-8 `data` into cuts+1 pieces, each cut inside a multi-byte character."""
    points, start = [], 0
    for k in range(1, cuts + 1):
        p = max(start + 1, len(data) * k // (cuts + 1))
        while p < len(data) and (data[p] & 0xC0) != 0x80:
            p += 1
        points.append(min(p, len(data)))
        start = p
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    assert b"".join(pieces) == data
    return pieces


def describe(data) -> str:
    kind = "text" if isinstance(data, str) else "binary"
    size = len(data.encode()) if isinstance(data, str) else len(data)
    return f"{kind} of {size} bytes"


def first_difference(a: bytes, b: bytes) -> str:
    if len(a) != len(b):
        return f"length {len(b)}, expected {len(a)}"
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"byte {i} is {y:#04x}, expected {x:#04x}"
    return "equal"


class Report:
    """Prints one line per check: `ok   PEER NAME [- detail]` or `FAIL PEER NAME: why`."""

    def __init__(self, peer: str):
        # INTEROP_TARGET names the wswire program under test when it is not the default
        # one (echo_server, echo_client), so that each line says whom it checked.
        target = os.environ.get("INTEROP_TARGET")
        self.peer = f"{peer}@{target}" if target else peer
        self.passed = 0
        self.failed = 0

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        suffix = f" - {detail}" if detail else ""
        print(f"ok   {self.peer} {name}{suffix}", flush=True)

    def fail(self, name: str, why) -> None:
        self.failed += 1
        why = str(why) or type(why).__name__
        if isinstance(why, str) and len(why) > 400:
            why = why[:400] + "..."
        print(f"FAIL {self.peer} {name}: {why}", flush=True)

    def check(self, name: str, good: bool, why: str = "", detail: str = "") -> bool:
        if good:
            self.ok(name, detail)
        else:
            self.fail(name, why or "check failed")
        return good

    def exit_code(self) -> int:
        if self.passed + self.failed == 0:
            print(f"FAIL {self.peer} ran no check", flush=True)
            return 1
        return 1 if self.failed else 0


def main_exit(report: Report) -> None:
    sys.exit(report.exit_code())
