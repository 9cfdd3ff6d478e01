"""Settings read from the environment (the seed's variable names are kept)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_CORS_ORIGINS = (
    "https://eightfoldai-chat.netlify.app",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
)
INTERVIEWERS = ("builtin", "anthropic", "gemini", "openai")
EVALUATORS = ("builtin", "gemini", "anthropic", "openai")
VOICES = ("builtin", "elevenlabs")
# Per-user limits when users sign in with Firebase; the local token's single operator has none by default.
FIREBASE_RATE_LIMITS = {
    "sessions": "20/hour",
    "chat": "30/minute;600/hour",
    "tts": "60/minute",
    "results": "30/minute",
    "stt": "30/minute;300/hour",
}
SPEECH_TO_TEXT = ("builtin", "elevenlabs", "openai")
FIREBASE_CERTS_URL = "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"


def _split_list(value: object) -> object:
    """Accept a comma-separated string for list settings."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def default_data_dir() -> Path:
    """The per-user data directory that holds the SQLite file and the local token."""
    return Path(platformdirs.user_data_dir("interviewsim", appauthor=False))


class Settings(BaseSettings):
    """Every setting of the service; invalid values stop the server at start."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    host: str = "127.0.0.1"
    port: int = Field(default=5000, ge=1, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=500)
    local_token: SecretStr | None = None
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=lambda: list(DEFAULT_CORS_ORIGINS))

    firebase_credentials: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    gemini_api_key: SecretStr | None = None
    eleven_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    eleven_voice_male: str = "pNInz6obpgDQGcFmaJgB"
    eleven_voice_female: str = "21m00Tcm4TlvDq8ikWAM"
    eleven_model: str = "eleven_flash_v2_5"
    eleven_base_url: str = "https://api.elevenlabs.io"
    eleven_quota_rest_hours: float = Field(default=6.0, gt=0)
    eleven_busy_cooldown_seconds: float = Field(default=5.0, gt=0)

    anthropic_model: str = "claude-sonnet-5-5"
    anthropic_base_url: str | None = None
    gemini_model: str = "gemini-3.8-flash"
    google_gemini_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str | None = None
    provider_timeout_seconds: float = Field(default=60.0, gt=0)
    provider_max_retries: int = Field(default=2, ge=0, le=10)
    max_retry_after_seconds: float = Field(default=10.0, ge=0)

    google_application_credentials: str | None = None
    firebase_project_id: str | None = None
    firebase_certs_url: str = FIREBASE_CERTS_URL
    firebase_clock_skew_seconds: int = Field(default=10, ge=0, le=60)
    firebase_check_revoked: bool = False
    firebase_auth_emulator_host: str | None = None
    # The Firebase project's public web API key: the built-in page signs in with it (not a secret).
    firebase_web_api_key: str | None = None

    interviewer: Annotated[list[str], NoDecode] = Field(default_factory=list)
    evaluator: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Grader hygiene: a second LLM pass that lowers scores their quoted evidence does not support, and the fewest
    # substantive (and, when spoken, reliably transcribed) answers an interview needs before it is graded at all.
    evaluator_verify: bool = False
    evaluator_min_answers: int = Field(default=1, ge=0, le=20)
    voice: Annotated[list[str], NoDecode] = Field(default_factory=list)
    stt: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["builtin"])

    # Speech: uploads to /api/stt, the built-in Whisper and Piper, the vendors' STT models.
    stt_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024)
    stt_max_seconds: float = Field(default=120.0, gt=0, le=1800)
    stt_workers: int = Field(default=1, ge=1, le=16)
    stt_queue: int = Field(default=4, ge=0, le=1000)
    whisper_model: str | None = None
    whisper_threads: int = Field(default=2, ge=1, le=64)
    eleven_stt_model: str = "scribe_v2"
    # With STT starting with elevenlabs, the live voice loop streams answers to this model ("" turns streaming off).
    eleven_stt_realtime_model: str | None = "scribe_v2_realtime"
    eleven_stt_realtime_timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    openai_stt_model: str = "whisper-1"
    openai_stt_base_url: str | None = None
    openai_stt_api_key: SecretStr | None = None
    speech_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 86400)
    piper_voice_male: str | None = None
    piper_voice_female: str | None = None
    tts_concurrent_per_user: int = Field(default=4, ge=1, le=100)

    pass_mark: int = Field(default=65, ge=0, le=100)
    shutdown_grace_seconds: int = Field(default=30, ge=0, le=600)
    metrics_token: SecretStr | None = None
    redis_url: str | None = None
    redis_prefix: str = Field(default="interviewsim:", pattern=r"^[\w:.-]{1,64}$")
    # Unset: Firebase mode applies FIREBASE_RATE_LIMITS; local mode (one operator on loopback) none.
    rate_limit_sessions: str | None = None
    rate_limit_chat: str | None = None
    rate_limit_tts: str | None = None
    rate_limit_results: str | None = None
    rate_limit_stt: str | None = None
    turn_lock_wait_seconds: float = Field(default=5.0, ge=0, le=120)
    # A lease renewed every fifth of itself while a turn runs, so it bounds only how long a killed
    # process can block its session, not how long a turn may take.
    turn_lock_ttl_seconds: float = Field(default=5.0, gt=1, le=3600)
    idempotency_ttl_seconds: int = Field(default=86400, ge=60, le=7 * 86400)
    trust_proxy_headers: bool = False
    # The HTTP server's own limits (`interviewsim serve`, per worker); the README's deployment section explains them.
    limit_concurrency: int = Field(default=1000, ge=1, le=100_000)
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    keep_alive_seconds: int = Field(default=5, ge=1, le=300)
    max_header_bytes: int = Field(default=32 * 1024, ge=4 * 1024, le=1024 * 1024)
    max_header_count: int = Field(default=100, ge=16, le=1000)
    rate_limit_auth_failures: str = "20/minute"
    auth_mode: Literal["local", "firebase", "firebase-emulator"] | None = None
    # The live voice interview (GET /api/voice): end-of-turn silences and per-process limits.
    voice_max_sessions: int = Field(default=8, ge=0, le=1000)
    voice_finished_silence_seconds: float = Field(default=0.7, ge=0.2, le=10)
    voice_open_silence_seconds: float = Field(default=2.5, ge=0.2, le=20)
    voice_barge_in_seconds: float = Field(default=0.25, ge=0.05, le=5)
    voice_idle_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    voice_send_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("cors_origins", "interviewer", "evaluator", "voice", "stt", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("eleven_keys", mode="before")
    @classmethod
    def _keys(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*" or not origin.startswith(("http://", "https://")) or origin.endswith("/"):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com")
        return value

    @field_validator("interviewer")
    @classmethod
    def _interviewer(cls, value: list[str]) -> list[str]:
        return _known(value, INTERVIEWERS)

    @field_validator("evaluator")
    @classmethod
    def _evaluator(cls, value: list[str]) -> list[str]:
        return _known(value, EVALUATORS)

    @field_validator("voice")
    @classmethod
    def _voice(cls, value: list[str]) -> list[str]:
        return _known(value, VOICES)

    @field_validator("stt")
    @classmethod
    def _stt(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one speech-to-text provider")
        return _known(value, SPEECH_TO_TEXT)

    @field_validator("eleven_stt_realtime_model")
    @classmethod
    def _realtime_model(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("piper_voice_male", "piper_voice_female", "whisper_model")
    @classmethod
    def _model_path(cls, value: str | None) -> str | None:
        if value and not Path(value).exists():
            raise ValueError(f"{value} does not exist (models are read from local files, never downloaded)")
        return value or None

    @model_validator(mode="after")
    def _stt_has_keys(self) -> Settings:
        if "elevenlabs" in self.stt and not self.eleven_keys:
            raise ValueError("STT=elevenlabs needs ELEVEN_KEYS")
        return self

    @model_validator(mode="after")
    def _providers_have_keys(self) -> Settings:
        chains = (("INTERVIEWER", self.interviewer), ("EVALUATOR", self.evaluator), ("VOICE", self.voice))
        for variable, chain in chains:
            for name in chain:
                needed = self._missing_key_for(name)
                if needed:
                    raise ValueError(f"{variable}={name} needs {needed}")
        return self

    @model_validator(mode="after")
    def _emulator_only_when_asked(self) -> Settings:
        if self.firebase_auth_emulator_host and self.auth_mode != "firebase-emulator":
            raise ValueError(
                "FIREBASE_AUTH_EMULATOR_HOST turns off token signature checks; "
                "set AUTH_MODE=firebase-emulator to use it on purpose, or unset it"
            )
        return self

    @model_validator(mode="after")
    def _local_auth_stays_on_loopback(self) -> Settings:
        if self.resolved_auth_mode == "local" and not _is_loopback(self.host):
            raise ValueError(
                f"HOST={self.host} exposes the server beyond this machine, but auth is the local token; "
                "set FIREBASE_CREDENTIALS (Firebase auth) or keep HOST=127.0.0.1"
            )
        if self.resolved_auth_mode == "firebase-emulator" and not _is_loopback(self.host):
            raise ValueError(
                f"HOST={self.host} exposes the server beyond this machine, but AUTH_MODE=firebase-emulator "
                "accepts unsigned tokens; keep HOST=127.0.0.1 or use AUTH_MODE=firebase"
            )
        return self

    def _missing_key_for(self, provider: str) -> str | None:
        """The variable a provider needs that is not set, if any."""
        needs = {
            "anthropic": ("ANTHROPIC_API_KEY", self.anthropic_api_key),
            "gemini": ("GEMINI_API_KEY", self.gemini_api_key),
            "openai": ("OPENAI_MODEL", self.openai_model),
            "elevenlabs": ("ELEVEN_KEYS", self.eleven_keys),
        }
        if provider not in needs:
            return None
        variable, value = needs[provider]
        return None if value else variable

    @property
    def resolved_auth_mode(self) -> str:
        """`firebase` when credentials are configured, else `local`."""
        if self.auth_mode:
            return self.auth_mode
        has_firebase = self.firebase_credentials or self.google_application_credentials or self.firebase_project_id
        return "firebase" if has_firebase else "local"

    @field_validator(
        "rate_limit_sessions",
        "rate_limit_chat",
        "rate_limit_tts",
        "rate_limit_results",
        "rate_limit_stt",
        "rate_limit_auth_failures",
    )
    @classmethod
    def _rate_rule(cls, value: str | None) -> str | None:
        from interviewsim.shared.ratelimit import parse_rule

        if value is not None:
            parse_rule(value)
        return value

    @property
    def rate_limits(self) -> dict[str, str | None]:
        """Each bucket's per-user rule: as set, else Firebase mode's default; None means no limit."""
        configured = {
            "sessions": self.rate_limit_sessions,
            "chat": self.rate_limit_chat,
            "tts": self.rate_limit_tts,
            "results": self.rate_limit_results,
            "stt": self.rate_limit_stt,
        }
        defaults = FIREBASE_RATE_LIMITS if self.resolved_auth_mode != "local" else {}
        return {bucket: rule if rule is not None else defaults.get(bucket) for bucket, rule in configured.items()}

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:6379/0 (or rediss:// for TLS)")
        return value or None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        """Accept the usual postgres:// URLs and pick the async driver for them."""
        if value is None:
            return None
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        if value.startswith("sqlite") and value.removeprefix("sqlite+aiosqlite://").lstrip("/") in ("", ":memory:"):
            raise ValueError("an in-memory SQLite database is not supported: use a file, sqlite+aiosqlite:///path.db")
        return value

    def secret_values(self) -> list[str]:
        """Every configured secret, for log redaction."""
        secrets = [
            self.local_token,
            self.metrics_token,
            self.anthropic_api_key,
            self.gemini_api_key,
            self.openai_api_key,
            self.openai_stt_api_key,
            self.firebase_credentials,
            *self.eleven_keys,
        ]
        return [secret.get_secret_value() for secret in secrets if secret is not None]

    @property
    def loopback_only(self) -> bool:
        """Whether the auth mode is safe only on this machine (the local token, the Auth emulator)."""
        return self.resolved_auth_mode in ("local", "firebase-emulator")

    @property
    def fixed_local_token(self) -> str | None:
        """LOCAL_TOKEN, when a fixed local token is configured."""
        return self.local_token.get_secret_value() if self.local_token else None

    @property
    def resolved_database_url(self) -> str:
        """DATABASE_URL, or a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'interviewsim.db'}"

    @property
    def interviewer_chain(self) -> list[str]:
        """Interviewer providers in the order they are tried (Claude when its key is set)."""
        return self.interviewer or (["anthropic"] if self.anthropic_api_key else ["builtin"])

    @property
    def evaluator_chain(self) -> list[str]:
        """Evaluator providers in the order they are tried (Gemini when its key is set)."""
        return self.evaluator or (["gemini"] if self.gemini_api_key else ["builtin"])

    @property
    def voice_chain(self) -> list[str]:
        """Voice providers in the order they are tried (ElevenLabs when keys are set)."""
        return self.voice or (["elevenlabs"] if self.eleven_keys else ["builtin"])


def _known(value: list[str], allowed: tuple[str, ...]) -> list[str]:
    """Reject provider names this build does not know."""
    for name in value:
        if name not in allowed:
            raise ValueError(f"unknown provider {name!r}; choose from {', '.join(allowed)}")
    return value


def _is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SettingsError(Exception):
    """Settings could not be loaded; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"]).upper()
        message = first["msg"].removeprefix("Value error, ")
        prefix = f"invalid setting {location}" if location else "invalid settings"
        raise SettingsError(f"{prefix}: {message}") from None
