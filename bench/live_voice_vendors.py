"""`python -m bench.live_voice_vendors`: the live voice loop with vendor fakes at fixed latencies, timed.

STT=elevenlabs streams each answer to the real-time speech-to-text fake (a commit is answered `--stt-latency`
later), the interviewer is the Claude fake (first token `--llm-latency` after the request) and the voice the
ElevenLabs fake (raw PCM, first byte `--tts-latency` after the request). The fakes run in this process,
`interviewsim serve` in its own; the candidate is `bench.live_voice`'s (Piper answers at real-time pace, replies
played in real time). End of speech -> first reply audio is set against the target: the finished-sentence
silence + the vendors' latencies + 100 ms.
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
from tests.fakes.elevenlabs import FakeElevenLabs, silent_mp3
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
def vendors(stt_latency: float, llm_latency: float, tts_latency: float) -> Iterator[dict[str, str]]:
    """ElevenLabs (speech-to-text, batch and real-time, and voice) and Claude fakes; yields the server settings."""
    batch, realtime = FakeElevenLabsStt(), FakeElevenLabsRealtime(commit_latency=stt_latency)
    voice = FakeElevenLabs(silent_mp3(0.3), first_byte_delay=tts_latency)
    for fake in (batch, realtime, voice):
        fake.set_key(ELEVEN_KEY, "ok")
    claude = BenchAnthropic(
        default=interviewer_reply, first_token_delay=llm_latency, delta_delay=0.0, api_key=ANTHROPIC_KEY
    )
    eleven_app = Starlette(routes=[*batch.app.routes, *realtime.app.routes, *voice.app.routes])
    with serve_in_thread(eleven_app) as eleven_url, serve_in_thread(claude.app) as claude_url:
        yield {
            "STT": "elevenlabs",
            "ELEVEN_KEYS": ELEVEN_KEY,
            "ELEVEN_BASE_URL": eleven_url,
            "VOICE": "elevenlabs",
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
    """A warm-up turn (the VAD loads), then `turns` answers timed one interview at a time."""
    warm, _, warm_errors = await interview(base_url, clips, 1)
    timings, _, errors = await interview(base_url, clips, turns)
    voice = [t["latency"] - t["first_reply_text"] for t in timings if t.get("first_reply_text") is not None]
    return {
        "cold_first_turn_s": warm[0]["latency"],
        "warm_up_errors": warm_errors,
        "turns": timings,
        "summary_ms": _stage_summary(timings),
        "first_reply_text_to_audio_ms": summarize_ms(voice),
        "errors": errors,
    }


def report(results: dict[str, Any], latencies: dict[str, float]) -> list[str]:
    """The headline against the target, one line each."""
    silence = Settings.model_fields["voice_finished_silence_seconds"].default
    target_ms = round((silence + sum(latencies.values()) + MARGIN_SECONDS) * 1000)
    parts = " + ".join(f"{seconds * 1000:.0f} ms {name}" for name, seconds in latencies.items())
    summary = results["summary_ms"]
    latency = summary["latency"]
    verdict = "n/a" if latency["p50"] is None else ("pass" if latency["p50"] <= target_ms else "MISS")
    return [
        f"end of answer -> first reply audio, {latency['count']} turns: "
        f"p50 {latency['p50']} ms, p95 {latency['p95']} ms",
        f"target p50 <= {silence * 1000:.0f} ms silence + {parts} + {MARGIN_SECONDS * 1000:.0f} ms = {target_ms} ms "
        f"[{verdict}]",
        f"after the last voiced frame (p50): commit answered {summary['speculative_transcript']['p50']} ms, "
        f"turn over {summary['final_transcript']['p50']} ms, first reply text {summary['first_reply_text']['p50']} ms; "
        f"reply text -> audio {results['first_reply_text_to_audio_ms']['p50']} ms; errors {len(results['errors'])}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=10, help="answers timed")
    parser.add_argument("--stt-latency", type=float, default=0.15, help="seconds from a commit to its transcript")
    parser.add_argument("--llm-latency", type=float, default=0.3, help="seconds to the interviewer's first token")
    parser.add_argument("--tts-latency", type=float, default=0.2, help="seconds to the voice's first audio byte")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    # Answers without commas: the fake cannot hear, and would call a clause cut at a comma a finished sentence.
    clips = [clip for clip in synthesize_answers() if "," not in clip.text]
    with (
        tempfile.TemporaryDirectory(prefix="bench-voice-vendors-") as workdir,
        vendors(args.stt_latency, args.llm_latency, args.tts_latency) as settings,
    ):
        server = ServerProcess(Path(workdir) / "data", settings, "WARNING").start()
        try:
            results = asyncio.run(run(server.base_url, clips, args.turns))
        finally:
            server.stop()
    latencies = {"STT": args.stt_latency, "LLM": args.llm_latency, "TTS": args.tts_latency}
    results["latencies_s"] = latencies
    results["load_after"] = [round(load, 2) for load in os.getloadavg()]
    lines = report(results, latencies)
    print("\n".join(["live voice with vendor fakes (ElevenLabs streaming STT and voice, Claude)", *lines]))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"live-voice-vendors-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps({**results, "report": lines}, indent=2))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
