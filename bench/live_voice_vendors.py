"""`python -m bench.live_voice_vendors`: the live voice loop with vendor fakes at fixed latencies, timed.

STT=elevenlabs streams each answer to the real-time speech-to-text fake (a commit is answered `--stt-latency`
later) and the interviewer is the Claude fake (first token `--llm-latency` after the request); the voice is the
built-in Piper, since the live loop speaks raw PCM and no vendor voice does yet. The fakes run in this process,
`interviewsim serve` in its own; the candidate is `bench.live_voice`'s (Piper answers at real-time pace, replies
played in real time). End of speech -> first reply audio is set against the target: the finished-sentence
silence + the vendors' latencies + 100 ms. Piper's first sentence, local work the target leaves out, is shown
beside it (first reply text -> first audio).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from tests.fakes.elevenlabs_realtime import FakeElevenLabsRealtime
from tests.fakes.scripts import interviewer_reply
from tests.fakes.speech_to_text import FakeElevenLabsStt

from bench.config import DEFAULT_OUT
from bench.fakes import ANTHROPIC_KEY, ELEVEN_KEY, BenchAnthropic
from bench.live_voice import Clip, _stage_summary, interview, synthesize_answers
from bench.services import ServerProcess
from bench.stats import summarize_ms
from interviewsim.config import Settings
from interviewsim.serving.threaded import serve_in_thread

MARGIN_SECONDS = 0.1  # what the loop itself may add on top of the silence and the vendors


@contextlib.contextmanager
def vendors(stt_latency: float, llm_latency: float) -> Iterator[dict[str, str]]:
    """ElevenLabs (batch and real-time speech-to-text) and Claude fakes on 127.0.0.1; yields the server settings."""
    batch, realtime = FakeElevenLabsStt(), FakeElevenLabsRealtime(commit_latency=stt_latency)
    batch.set_key(ELEVEN_KEY, "ok")
    realtime.set_key(ELEVEN_KEY, "ok")
    claude = BenchAnthropic(
        default=interviewer_reply, first_token_delay=llm_latency, delta_delay=0.0, api_key=ANTHROPIC_KEY
    )
    eleven_app = Starlette(routes=[*batch.app.routes, *realtime.app.routes])
    with serve_in_thread(eleven_app) as eleven_url, serve_in_thread(claude.app) as claude_url:
        yield {
            "STT": "elevenlabs",
            "ELEVEN_KEYS": ELEVEN_KEY,
            "ELEVEN_BASE_URL": eleven_url,
            "VOICE": "builtin",
            "INTERVIEWER": "anthropic",
            "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
            "ANTHROPIC_BASE_URL": claude_url,
            "EVALUATOR": "builtin",
            "EVALUATOR_MIN_ANSWERS": "0",
            "HF_HUB_OFFLINE": "1",
        }
        if realtime.problems:
            raise RuntimeError(f"the real-time fake refused what it was sent: {realtime.problems[:3]}")


async def run(base_url: str, clips: list[Clip], turns: int) -> dict[str, Any]:
    """A warm-up turn (the VAD and Piper load), then `turns` answers timed one interview at a time."""
    warm, _, warm_errors = await interview(base_url, clips, 1)
    timings, _, errors = await interview(base_url, clips, turns)
    piper = [t["latency"] - t["first_reply_text"] for t in timings if t.get("first_reply_text") is not None]
    return {
        "cold_first_turn_s": warm[0]["latency"],
        "warm_up_errors": warm_errors,
        "turns": timings,
        "summary_ms": _stage_summary(timings),
        "piper_first_sentence_ms": summarize_ms(piper),
        "errors": errors,
    }


def report(results: dict[str, Any], stt: float, llm: float) -> list[str]:
    """The headline against the target, one line each."""
    silence = Settings.model_fields["voice_finished_silence_seconds"].default
    target_ms = round((silence + stt + llm + MARGIN_SECONDS) * 1000)
    latency = results["summary_ms"]["latency"]
    piper = results["piper_first_sentence_ms"]
    verdict = "n/a" if latency["p50"] is None else ("pass" if latency["p50"] <= target_ms else "MISS")
    with_piper = None if piper["p50"] is None else target_ms + piper["p50"]
    return [
        f"end of answer -> first reply audio, {latency['count']} turns: "
        f"p50 {latency['p50']} ms, p95 {latency['p95']} ms",
        f"target p50 <= {silence * 1000:.0f} ms silence + {stt * 1000:.0f} ms STT + {llm * 1000:.0f} ms LLM + "
        f"{MARGIN_SECONDS * 1000:.0f} ms = {target_ms} ms [{verdict}]; with Piper's first sentence "
        f"(p50 {piper['p50']} ms, local, not a vendor) {with_piper} ms",
        f"final transcript after the last voiced frame: p50 {results['summary_ms']['final_transcript']['p50']} ms; "
        f"errors {len(results['errors'])}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=10, help="answers timed")
    parser.add_argument("--stt-latency", type=float, default=0.15, help="seconds from a commit to its transcript")
    parser.add_argument("--llm-latency", type=float, default=0.3, help="seconds to the interviewer's first token")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    # Answers without commas: the fake cannot hear, and would call a clause cut at a comma a finished sentence.
    clips = [clip for clip in synthesize_answers() if "," not in clip.text]
    with (
        tempfile.TemporaryDirectory(prefix="bench-voice-vendors-") as workdir,
        vendors(args.stt_latency, args.llm_latency) as settings,
    ):
        server = ServerProcess(Path(workdir) / "data", settings, "WARNING").start()
        try:
            results = asyncio.run(run(server.base_url, clips, args.turns))
        finally:
            server.stop()
    results["latencies_s"] = {"stt_commit": args.stt_latency, "llm_first_token": args.llm_latency}
    results["load_after"] = [round(load, 2) for load in os.getloadavg()]
    lines = report(results, args.stt_latency, args.llm_latency)
    print("\n".join(["live voice with vendor fakes (STT=elevenlabs streaming, Claude fake, Piper)", *lines]))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"live-voice-vendors-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({**results, "report": lines}, indent=2))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
