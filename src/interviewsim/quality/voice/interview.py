"""Plays a persona's interview through GET /api/voice: answers spoken in real time, the replies played back.

The interview is started over HTTP as the typed harness does; then every answer the persona writes
(`Persona.decide` and the writer, as today) is said into the microphone by the built-in voice, once per
interview with a think-pause inside an open clause, and once talked over an interviewer turn a second
into its audio. Nothing is judged here: the transcript goes through the runner's `fill` for the usual
criteria, and a `VoiceLog` is kept for the voice criteria.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.exceptions import WebSocketException

from interviewsim.quality.personas import Persona
from interviewsim.quality.records import Intent, Prompt, RunRecord, Verdict
from interviewsim.quality.runner import MAX_CANDIDATE_TURNS, ApiError, InterviewsApi, Plan, Writer, fill
from interviewsim.quality.server import Target
from interviewsim.quality.voice.audio import CandidateVoice, Utterance, spoken_text, think_pause_split
from interviewsim.quality.voice.criteria import think_pause_exercised, voice_verdicts
from interviewsim.quality.voice.line import WAIT_SECONDS, Heard, Said, VoiceLine, VoiceLineError, VoiceLineTimeout
from interviewsim.quality.voice.records import BargeIn, SpokenAnswer, VoiceLog
from interviewsim.vendors.errors import ProviderError

BARGE_IN_AFTER_SECONDS = 1.0  # the candidate starts talking this far into the interviewer's audio
MIN_PLAYBACK_LEFT_SECONDS = 1.5  # ...if at least this much of it is still to play
MIN_BARGE_IN_WORDS = 14  # a turn this long lasts ~5 s in the built-in voices: room to talk over it
MAX_REPEATS = 1  # an answer the server heard no words in is said once more before it is typed
NOT_HEARD_SECONDS = 15.0  # no `speech.started` this long after an answer was sent: the server did not hear it
FAILURES = (httpx.HTTPError, ApiError, ProviderError, KeyError, ValueError, VoiceLineError, WebSocketException, OSError)


@dataclass(frozen=True)
class Moments:
    """Where an interview's think-pause and barge-in go: the first answer / reply that fits, from a seeded point."""

    think_from: int  # answer index
    barge_from: int  # interviewer message index (0: the greeting)

    @classmethod
    def of(cls, plan: Plan) -> Moments:
        """The same moments for the same persona, seed and run."""
        rng = random.Random(f"voice:{plan.persona}:{plan.session_seed}:{plan.control}")
        return cls(think_from=rng.randint(1, 3), barge_from=rng.randint(0, 2))


class VoiceTransport:
    """Plays plans through the voice socket (the runner's transport switch) and keeps each one's `VoiceLog`."""

    def __init__(self, target: Target, voice: CandidateVoice | None = None) -> None:
        self.target = target
        self.voice = voice or CandidateVoice()
        self.logs: dict[tuple[str, int, bool], VoiceLog] = {}

    async def __call__(self, api: InterviewsApi, plan: Plan, writer: Writer, pass_mark: int | None) -> RunRecord:
        """Play one interview to its end; a failure is recorded on the run rather than raised."""
        record = RunRecord(persona=plan.persona, run=plan.run, seed=plan.session_seed)
        log = self.logs[(plan.persona, plan.run, plan.control)] = VoiceLog()
        interview = SpokenInterview(self.voice, plan, writer, log)
        started = time.monotonic()
        try:
            record.session_id, first = await api.start(plan.start_body())
            await interview.run(self.target, record.session_id, first)
            detail = await api.detail(record.session_id)
        except FAILURES as error:
            record.error = f"{type(error).__name__}: {error}"
            return record
        finally:
            log.seconds = time.monotonic() - started
        log.stored = list(detail.get("messages", []))
        sent = [(answer.text, answer.intent) for answer in log.answers]
        fill(record, as_written(detail, interview.replies), interview.replies, sent, pass_mark)
        return record

    def verdicts(self, records: Sequence[RunRecord]) -> tuple[dict[tuple[str, int], list[Verdict]], list[Verdict]]:
        """The voice criteria of every run, and of the suite (control runs are only compared with, not judged)."""
        logs = {(r.persona, r.run): self.logs.get((r.persona, r.run, False), VoiceLog()) for r in records}
        runs = {(r.persona, r.run): voice_verdicts(r, logs[(r.persona, r.run)]) for r in records}
        return runs, [think_pause_exercised(list(logs.values()))]


def as_written(detail: dict[str, Any], replies: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The session with each interviewer message the candidate cut short put back as the interviewer wrote it."""
    # The conduct criteria judge what the interviewer said; that the cut was stored is a voice criterion.
    written = iter(replies)
    messages = []
    for message in detail.get("messages", []):
        if message.get("role") == "assistant":
            reply = next(written, {})
            if message.get("interrupted") and reply.get("text_response"):
                message = {**message, "text": reply["text_response"]}
        messages.append(message)
    return {**detail, "messages": messages}


class SpokenInterview:
    """One interview on a voice line: the persona listens, then answers aloud (or types what cannot be said)."""

    def __init__(self, voice: CandidateVoice, plan: Plan, writer: Writer, log: VoiceLog) -> None:
        self.voice = voice
        self.writer = writer
        self.log = log
        self.persona: Persona = plan.persona_for()
        self.moments = Moments.of(plan)
        self.replies: list[dict[str, Any]] = []
        self.history: list[tuple[str, str]] = []
        self._line: VoiceLine | None = None

    @property
    def line(self) -> VoiceLine:
        """The open voice line."""
        assert self._line is not None, "the voice line is not open"
        return self._line

    async def run(self, target: Target, session_id: str, first: dict[str, Any]) -> None:
        """Open the line, answer every interviewer turn until the interview ends, and let its last words play."""
        self.replies.append(first)
        async with VoiceLine.open(target, session_id) as line:
            self._line = line
            reply = first
            turn = int(line.heard[await line.event("audio.start")].event["turn"])  # type: ignore[index]
            for _ in range(MAX_CANDIDATE_TURNS):
                if reply.get("end"):
                    break
                reply, turn = await self.exchange(reply, turn)
            if not reply.get("end"):
                start = line.cursor
                await line.send({"type": "end", "reason": "manual"})
                reply, turn = await self.reply_after(start, start)
            self.log.final_reply = reply
            await line.play(turn)
            await line.wait_closed()
            self.log.close_code = line.close_code

    async def exchange(self, reply: dict[str, Any], turn: int) -> tuple[dict[str, Any], int]:
        """Listen to the interviewer's turn, answer it; the reply to the answer and its audio turn."""
        prompt = Prompt.of(reply)
        self.history.append(("assistant", prompt.text))
        intent = self.persona.decide(prompt)
        text = await self.writer.write(self.persona, intent, prompt, self.history)
        # Keyboard mashing is typed: said aloud, it comes back as acronyms the interviewer rightly takes for words.
        spoken = None if intent is Intent.GIBBERISH else spoken_text(text)
        answer = SpokenAnswer(text if spoken is None else spoken, intent, typed=spoken is None)
        self.history.append(("user", answer.text))
        self.log.answers.append(answer)
        if answer.typed:
            await self.line.play(turn)
            start = self.line.cursor
            await self.line.send({"type": "text", "text": answer.text})
            return await self.reply_after(start, start)
        reply_index = len(self.replies) - 1
        barge = (
            self.log.barge_in is None
            and reply_index >= self.moments.barge_from
            and len(str(reply.get("voice_response") or "").split()) >= MIN_BARGE_IN_WORDS
        )
        if not barge and self.log.think_pause is None and len(self.log.answers) > self.moments.think_from:
            answer.halves = think_pause_split(answer.text)
            if answer.halves is not None:
                self.log.think_pause = len(self.log.answers) - 1
        speaking = asyncio.create_task(self.utterance(answer))
        cut: BargeIn | None = None
        try:
            said = await self.talk_over(turn, speaking) if barge else None
            if said is not None:
                cut = self.log.barge_in = BargeIn(turn, reply_index)
            else:
                await self.line.play(turn)
                said = self.line.say(await speaking)
        finally:
            speaking.cancel()
        result = await self.heard_out(answer, said)
        if cut is not None and said.onset_at is not None:
            self.measure_cut(cut, said.onset_at)
        return result

    async def utterance(self, answer: SpokenAnswer) -> Utterance:
        """The answer as audio: with its think-pause when it has one (dropped if a half cannot be said)."""
        if answer.halves is not None:
            with contextlib.suppress(ValueError):
                return await self.voice.say_with_pause(*answer.halves)
            answer.halves = None
            self.log.think_pause = None
        return await self.voice.say(answer.text)

    async def talk_over(self, turn: int, speaking: asyncio.Task[Utterance]) -> Said | None:
        """Start the answer a second into `turn`'s audio; None when too little of the turn is left to talk over."""
        _, first_at = await self.line.first_audio(turn)
        await asyncio.sleep(max(0.0, first_at + BARGE_IN_AFTER_SECONDS - time.monotonic()))
        utterance = await speaking
        if self.line.playback_left(turn, first_at) < MIN_PLAYBACK_LEFT_SECONDS:
            return None
        return self.line.say(utterance)

    async def heard_out(self, answer: SpokenAnswer, said: Said) -> tuple[dict[str, Any], int]:
        """Wait for the server to take the answer (said again, then typed, if no words were heard); reply and turn."""
        while True:
            async with asyncio.timeout(said.utterance.seconds + WAIT_SECONDS):
                await said.done.wait()
            event = await self.taken(said)
            lost = event is None or event.get("code") == "stt_failed" or not str(event.get("text", "-")).strip()
            if event is not None and not lost:
                if event["type"] == "error":
                    raise VoiceLineError(f"the answer was not taken: {event}")
                return await self.reply_after(said.queued_index, event["index"], answer)
            if answer.repeats < MAX_REPEATS:
                answer.repeats += 1
                said = self.line.say(said.utterance)
                continue
            answer.typed = True
            start = self.line.cursor
            await self.line.send({"type": "text", "text": answer.text})
            return await self.reply_after(start, start)

    async def taken(self, said: Said) -> dict[str, Any] | None:
        """The answer's final transcript or error (its frame index as "index"); None if no speech was heard in it."""
        # A lone short word ("Hi.") can be under the 0.25 s of speech the server needs to start a turn.
        try:
            await self.line.until(_speech, said.queued_index, what="speech", seconds=NOT_HEARD_SECONDS)
        except VoiceLineTimeout:
            return None
        index = await self.line.until(_taken, said.done_index, what="the answer's final transcript")
        return {**(self.line.heard[index].event or {}), "index": index}

    async def reply_after(
        self, start: int, after: int, answer: SpokenAnswer | None = None
    ) -> tuple[dict[str, Any], int]:
        """The interviewer's reply after frame `after` (one per turn the answer became) and its audio turn."""
        index = await self.line.until(lambda h: h.is_event("reply") or _failed(h), after, what="a reply")
        if _failed(self.line.heard[index]):
            raise VoiceLineError(f"the turn failed: {self.line.heard[index].event}")
        if answer is not None:
            # An answer the server split into several turns gets a reply per turn: wait for all of them.
            while True:
                finals = [e for _, e in self.line.events("transcript", start) if e.get("final") and e["text"].strip()]
                replies = self.line.events("reply", start)
                if len(replies) >= len(finals):
                    break
                await self.line.event("reply", replies[-1][0] + 1)
            answer.finals = [str(e["text"]) for e in finals]
        replies = self.line.events("reply", start)
        self.replies.extend(event for _, event in replies)
        last = replies[-1][0]
        thinking = [i for i, _ in self.line.events("thinking", start, last)]
        audio = await self.line.event("audio.start", thinking[-1] if thinking else start)
        return replies[-1][1], int(self.line.heard[audio].event["turn"])  # type: ignore[index]

    def measure_cut(self, cut: BargeIn, speech_at: float) -> None:
        """When the cut turn stopped, from the moment the candidate's speech set in (its onset frame went out)."""
        interrupted = [h.at for h in self.line.heard if h.is_event("interrupted", turn=cut.turn)]
        frames = self.line.audio_of(cut.turn)
        cut.interrupted_after = interrupted[0] - speech_at if interrupted else None
        cut.last_frame_after = frames[-1].at - speech_at if frames else None


def _speech(heard: Heard) -> bool:
    return heard.is_event("speech.started")


def _taken(heard: Heard) -> bool:
    """The server's word on a spoken answer: its final transcript, or an error."""
    return heard.is_event("transcript", final=True) or _failed(heard)


def _failed(heard: Heard) -> bool:
    """An error about the candidate's turn (a voice that failed mid-reply only shortens the reply's audio)."""
    return heard.is_event("error") and not heard.is_event("error", code="tts_failed")
