"""What all worker processes share: Redis when REDIS_URL is set, in-process stand-ins otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis

from interviewsim.config import Settings
from interviewsim.shared.idempotency import IdempotencyStore, MemoryIdempotencyStore, RedisIdempotencyStore
from interviewsim.shared.keystate import KeyStateStore, MemoryKeyStateStore, RedisKeyStateStore
from interviewsim.shared.locks import MemoryTurnLocks, RedisTurnLocks, TurnLocks
from interviewsim.shared.ratelimit import RateLimiter
from interviewsim.shared.redis import connect
from interviewsim.shared.speech_records import MemorySpeechRecords, RedisSpeechRecords, SpeechRecords


@dataclass
class SharedState:
    """Rate limits, turn locks, idempotency records, voice-key state and transcribed answers for this process."""

    limiter: RateLimiter
    locks: TurnLocks
    idempotency: IdempotencyStore
    key_state: KeyStateStore
    redis: Redis | None = None
    speech: SpeechRecords = field(default_factory=MemorySpeechRecords)

    async def ping(self) -> None:
        """Raise when Redis is configured but does not answer."""
        if self.redis is not None:
            await self.redis.ping()

    async def aclose(self) -> None:
        """Close the connections."""
        await self.limiter.aclose()
        if self.redis is not None:
            await self.redis.aclose()


async def build_shared_state(settings: Settings) -> SharedState:
    """Connect to Redis (failing loudly if it is configured but down) or use in-process state."""
    prefix = settings.redis_prefix
    limiter = RateLimiter(settings.redis_url, rules=settings.rate_limits, prefix=prefix)
    if settings.redis_url is None:
        return SharedState(limiter, MemoryTurnLocks(), MemoryIdempotencyStore(), MemoryKeyStateStore())
    redis = await connect(settings.redis_url)
    await redis.ping()
    return SharedState(
        limiter=limiter,
        locks=RedisTurnLocks(redis, prefix, ttl_seconds=settings.turn_lock_ttl_seconds),
        idempotency=RedisIdempotencyStore(redis, prefix),
        key_state=RedisKeyStateStore(redis, prefix),
        redis=redis,
        speech=RedisSpeechRecords(redis, prefix),
    )
