"""`serve` caps glibc's malloc arenas: in this process (mallopt) and, through the environment, in its workers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Eight threads allocating at once; then glibc's own account of its arenas (malloc_info's <heap> elements).
PROBE = """
import ctypes, os, tempfile, threading
from interviewsim.runtime import limit_malloc_arenas
if os.environ.get("CAP") == "1":
    limit_malloc_arenas()
start = threading.Barrier(8)
def allocate():
    start.wait()
    blocks = [bytearray(4096) for _ in range(2000)]
    del blocks
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    stream = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    arenas = open(out.name).read().count("<heap nr=")
print(os.environ.get("MALLOC_ARENA_MAX"), arenas)
"""


def probe(cap: bool, **env: str) -> tuple[str, int]:
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env | {"CAP": "1" if cap else "0"}
    out = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True)
    limit, arenas = out.stdout.split()
    return limit, int(arenas)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's arenas exist on Linux only")
def test_the_cap_holds_this_process_to_two_arenas_and_is_passed_to_workers() -> None:
    limit, uncapped = probe(cap=False)
    assert limit == "None" and uncapped > 2  # eight threads at once spread over several arenas
    limit, capped = probe(cap=True)
    assert limit == "2" and capped <= 2


def test_a_limit_the_user_set_is_kept() -> None:
    limit, _ = probe(cap=True, MALLOC_ARENA_MAX="6")
    assert limit == "6"
