"""A server process settles its startup heap for the garbage collector; an embedded app does not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from interviewsim.runtime import GC_THRESHOLDS

# Runs in a fresh interpreter: freezing the heap is process-wide and must not touch the test process.
STARTUP = """
import asyncio, gc, json, sys
from interviewsim.app import create_app
from interviewsim.config import Settings

async def main():
    settings = Settings(data_dir=sys.argv[1], local_token="local-test-token")
    app = create_app(settings, settle_heap=sys.argv[2] == "settle")
    async with app.router.lifespan_context(app):
        print(json.dumps({"frozen": gc.get_freeze_count(), "thresholds": gc.get_threshold()}))

asyncio.run(main())
"""


def _gc_state_after_startup(tmp_path: Path, mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", STARTUP, str(tmp_path), mode], capture_output=True, text=True, timeout=120, check=True
    )
    state: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return state


@pytest.mark.parametrize("mode", ["settle", "embedded"])
def test_only_a_server_process_freezes_its_startup_heap(tmp_path: Path, mode: str) -> None:
    state = _gc_state_after_startup(tmp_path, mode)
    if mode == "settle":
        assert isinstance(state["frozen"], int) and state["frozen"] > 10_000  # the SDKs, FastAPI, SQLAlchemy
        assert state["thresholds"] == list(GC_THRESHOLDS)
    else:
        assert state["frozen"] == 0
        assert state["thresholds"] != list(GC_THRESHOLDS)
