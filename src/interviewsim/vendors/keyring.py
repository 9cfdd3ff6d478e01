"""A ring of API keys: round-robin over the healthy ones, resting or retiring keys a vendor refuses."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Collection, Sequence
from typing import Literal, TypedDict

from interviewsim.shared.keystate import KeyStateStore, MemoryKeyStateStore

logger = logging.getLogger(__name__)

KeyState = Literal["healthy", "resting", "retired"]
RETIRED = math.inf
_DIGEST_CHARS = 8


class Key:
    """One API key; its `repr` and `str` show only the fingerprint, never the secret."""

    __slots__ = ("_secret", "fingerprint")

    def __init__(self, secret: str, fingerprint: str) -> None:
        self._secret = secret
        self.fingerprint = fingerprint

    def reveal(self) -> str:
        """The secret itself, for the request header and nothing else."""
        return self._secret

    def __repr__(self) -> str:
        return f"<Key {self.fingerprint}>"

    __str__ = __repr__


class KeyStatus(TypedDict):
    """One key in `KeyRing.status()`."""

    key: str
    state: KeyState
    until: float | None


def fingerprint(secret: str) -> str:
    """A label like `key#sha256:1a2b3c4d`, the same in every worker whatever the key's position in the config."""
    # A digest prefix names the key without showing any of its characters; 32 bits keep a ring's labels apart.
    digest = hashlib.sha256(secret.encode()).hexdigest()[:_DIGEST_CHARS]
    return f"key#sha256:{digest}"


class KeyRing:
    """Hands out healthy keys in turn; resting keys come back by themselves, retired ones never."""

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        store: KeyStateStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        unique = list(dict.fromkeys(secret.strip() for secret in secrets if secret.strip()))
        if not unique:
            raise ValueError("a key ring needs at least one non-empty key")
        self._keys = tuple(Key(secret, fingerprint(secret)) for secret in unique)
        self._store = store or MemoryKeyStateStore()
        self._clock = clock
        self._cursor = 0
        self._benched: set[str] = set()

    @property
    def keys(self) -> tuple[Key, ...]:
        """Every key, in configured order."""
        return self._keys

    def __repr__(self) -> str:
        return f"KeyRing({', '.join(key.fingerprint for key in self._keys)})"

    async def acquire(self, exclude: Collection[Key] = ()) -> Key | None:
        """The next healthy key not in `exclude`, rotating; None when there is none."""
        count = len(self._keys)
        for step in range(count):
            index = (self._cursor + step) % count
            key = self._keys[index]
            if key not in exclude and await self._state(key) == "healthy":
                self._cursor = (index + 1) % count
                self._note_back(key)
                return key
        return None

    async def retire(self, key: Key, reason: str) -> None:
        """Never use `key` again."""
        if await self._store.get_until(key.fingerprint) == RETIRED:
            return
        reason = self.redact(reason)
        await self._store.set_until(key.fingerprint, RETIRED, reason)
        self._benched.add(key.fingerprint)
        logger.warning("key %s retired: %s", key.fingerprint, reason)

    async def rest(self, key: Key, seconds: float, reason: str) -> None:
        """Keep `key` out of rotation for `seconds`; never shortens a longer rest or undoes a retirement."""
        until = self._clock() + seconds
        current = await self._store.get_until(key.fingerprint)
        if current is not None and current >= until:
            return
        reason = self.redact(reason)
        await self._store.set_until(key.fingerprint, until, reason)
        self._benched.add(key.fingerprint)
        logger.warning("key %s resting for %.0fs: %s", key.fingerprint, seconds, reason)

    async def status(self) -> list[KeyStatus]:
        """Each key's fingerprint, state and, while resting, the epoch second it comes back."""
        result: list[KeyStatus] = []
        for key in self._keys:
            until = await self._store.get_until(key.fingerprint)
            state = self._classify(until)
            result.append({"key": key.fingerprint, "state": state, "until": until if state == "resting" else None})
        return result

    async def next_available_in(self) -> float | None:
        """Seconds until some key is usable (0 if one is now); None when every key is retired."""
        now = self._clock()
        waits = [await self._store.get_until(key.fingerprint) for key in self._keys]
        finite = [max(0.0, (until or now) - now) for until in waits if until != RETIRED]
        return min(finite) if finite else None

    def redact(self, text: str) -> str:
        """`text` with any key replaced by its fingerprint."""
        for key in self._keys:
            text = text.replace(key.reveal(), key.fingerprint)
        return text

    async def _state(self, key: Key) -> KeyState:
        return self._classify(await self._store.get_until(key.fingerprint))

    def _classify(self, until: float | None) -> KeyState:
        if until is None or until <= self._clock():
            return "healthy"
        return "retired" if until == RETIRED else "resting"

    def _note_back(self, key: Key) -> None:
        if key.fingerprint in self._benched:
            self._benched.discard(key.fingerprint)
            logger.info("key %s is back in rotation", key.fingerprint)
