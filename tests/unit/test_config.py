"""Settings: the seed's names, defaults, lists, and one clear line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from interviewsim.config import DEFAULT_CORS_ORIGINS, SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "PORT",
        "HOST",
        "CORS_ORIGINS",
        "DATABASE_URL",
        "LOCAL_TOKEN",
        "FIREBASE_CREDENTIALS",
        "ELEVEN_KEYS",
        "INTERVIEWER",
        "EVALUATOR",
        "VOICE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.host == "127.0.0.1" and settings.port == 5000
    assert tuple(settings.cors_origins) == DEFAULT_CORS_ORIGINS
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'interviewsim.db'}"
    assert settings.eleven_voice_male == "pNInz6obpgDQGcFmaJgB"
    assert settings.eleven_voice_female == "21m00Tcm4TlvDq8ikWAM"
    assert settings.interviewer_chain == ["builtin"] and settings.voice_chain == ["builtin"]
    assert settings.resolved_auth_mode == "local"


def test_lists_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, http://localhost:8080")
    monkeypatch.setenv("ELEVEN_KEYS", "k1,k2 , k3")
    settings = load_settings()
    assert settings.cors_origins == ["https://a.example", "http://localhost:8080"]
    assert [k.get_secret_value() for k in settings.eleven_keys] == ["k1", "k2", "k3"]
    assert "k1" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "not-a-port", "PORT"),
        ("PORT", "0", "PORT"),
        ("CORS_ORIGINS", "https://ok.example,*", "CORS_ORIGINS"),
        ("CORS_ORIGINS", "https://trailing.example/", "CORS_ORIGINS"),
        ("VOICE", "builtin,nope", "VOICE"),
        ("HOST", "0.0.0.0", "HOST"),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_emulator_host_without_the_explicit_mode_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIREBASE_PROJECT_ID", "demo")
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "FIREBASE_AUTH_EMULATOR_HOST" in str(error.value) and "AUTH_MODE=firebase-emulator" in str(error.value)
    monkeypatch.setenv("AUTH_MODE", "firebase-emulator")
    assert load_settings().resolved_auth_mode == "firebase-emulator"


def test_firebase_mode_may_listen_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("FIREBASE_PROJECT_ID", "demo")
    assert load_settings().resolved_auth_mode == "firebase"


def test_vendor_defaults_follow_their_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    monkeypatch.setenv("GEMINI_API_KEY", "g-x")
    monkeypatch.setenv("ELEVEN_KEYS", "e1,e2")
    settings = load_settings()
    assert (settings.interviewer_chain, settings.evaluator_chain, settings.voice_chain) == (
        ["anthropic"],
        ["gemini"],
        ["elevenlabs"],
    )
    monkeypatch.setenv("INTERVIEWER", "anthropic,gemini,builtin")
    assert load_settings().interviewer_chain == ["anthropic", "gemini", "builtin"]


def test_a_selected_vendor_needs_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALUATOR", "gemini")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "GEMINI_API_KEY" in str(error.value)
