"""The built-in voices: Piper (joe) for male, espeak-ng for female, PCM sentence by sentence for the live loop."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from interviewsim.speech.audio import decode
from interviewsim.stt.whisper import WhisperSpeechToText
from interviewsim.tts.base import PCM_OUTPUT_SAMPLE_RATE, PcmVoice, VoiceStyle
from interviewsim.tts.builtin import BuiltinVoice
from interviewsim.tts.piper import bundled_male_voice
from interviewsim.vendors.errors import ProviderError
from tests.support.speech import encode, word_error_rate, words_of

TWO_SENTENCES = "Thanks for that answer. Now tell me how you would scale it."


def test_styles_use_the_documented_engines() -> None:
    voice = BuiltinVoice()
    assert isinstance(voice, PcmVoice)
    assert voice.speaker_for("male") == "PiperSpeaker('en_US-joe-medium.onnx')"
    assert voice.speaker_for("female") == "EspeakSpeaker('en-us+f3')"
    swapped = BuiltinVoice(piper_male=None, piper_female=bundled_male_voice())
    assert swapped.speaker_for("male").startswith("EspeakSpeaker")
    assert swapped.speaker_for("female").startswith("PiperSpeaker")


def test_importing_loads_no_model() -> None:
    code = (
        "import sys, interviewsim.app, interviewsim.engines.factory, interviewsim.speech.routes;"
        "assert 'piper' not in sys.modules and 'faster_whisper' not in sys.modules and 'ctranslate2' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("style", ["male", "female"])
async def test_pcm_comes_sentence_by_sentence_at_the_output_rate(style: VoiceStyle) -> None:
    chunks = [chunk async for chunk in BuiltinVoice().synthesize_pcm(TWO_SENTENCES, style)]
    assert len(chunks) == 2 and all(len(chunk) % 2 == 0 for chunk in chunks)
    seconds = [len(chunk) / 2 / PCM_OUTPUT_SAMPLE_RATE for chunk in chunks]
    assert 0.8 < seconds[0] < seconds[1] < 6


async def test_the_piper_voice_is_understood_by_the_built_in_whisper() -> None:
    pcm = b"".join([chunk async for chunk in BuiltinVoice().synthesize_pcm(TWO_SENTENCES, "male")])
    whisper = WhisperSpeechToText()
    transcript = await whisper.transcribe(decode(encode(pcm, "wav"), max_seconds=30).pcm)
    await whisper.aclose()
    assert word_error_rate(TWO_SENTENCES, transcript.text) <= 0.15, transcript.text


async def test_a_short_answer_is_not_echoed_from_the_silence_after_it() -> None:
    # Piper renders differently each time; before the tail filter about half of these read "Yes. Yes.".
    voice, whisper = BuiltinVoice(), WhisperSpeechToText()
    heard = []
    for _ in range(5):
        pcm = b"".join([chunk async for chunk in voice.synthesize_pcm("Yes.", "male")])
        transcript = await whisper.transcribe(decode(encode(pcm, "webm"), max_seconds=30).pcm)
        heard.append((transcript.text, [word.word for word in transcript.words]))
    await whisper.aclose()
    assert all(words_of(text) == ["yes"] and timed == ["Yes."] for text, timed in heard), heard


async def test_whisper_without_word_timings_gives_the_same_words_and_a_confidence() -> None:
    pcm = b"".join([chunk async for chunk in BuiltinVoice().synthesize_pcm(TWO_SENTENCES, "male")])
    audio = decode(encode(pcm, "wav"), max_seconds=30).pcm
    whisper = WhisperSpeechToText()
    timed = await whisper.transcribe(audio)
    untimed = await whisper.transcribe(audio, word_timings=False)
    await whisper.aclose()
    assert timed.words and not untimed.words
    assert word_error_rate(timed.text, untimed.text) <= 0.1, (timed.text, untimed.text)
    assert untimed.confidence is not None and 0.6 < untimed.confidence <= 1.0


async def test_whisper_warms_up_in_its_own_pool_once() -> None:
    whisper = WhisperSpeechToText()
    assert whisper._model is None  # lazy: nothing loads until asked
    await whisper.warm_up()
    model = whisper._model
    assert model is not None
    await whisper.warm_up()
    assert whisper._model is model  # loaded once per process
    await whisper.aclose()


async def test_a_whisper_without_its_model_warms_up_quietly_and_fails_on_use(tmp_path: Path) -> None:
    whisper = WhisperSpeechToText(str(tmp_path))
    await whisper.warm_up()
    with pytest.raises(ProviderError, match="no CTranslate2 Whisper model"):
        await whisper.transcribe(bytes(3200))
    await whisper.aclose()
