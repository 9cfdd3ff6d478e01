"""Wrong tokens throttled per client address, with no limiter round trip for an address that has not failed."""

from __future__ import annotations

import time
from collections import OrderedDict

from interviewsim.shared.ratelimit import RateLimiter, parse_rule

# The rate-limit bucket of wrong tokens, counted per client address (RATE_LIMIT_AUTH_FAILURES).
FAILED_SIGN_INS = "failed sign-in"
_REMEMBERED = 4096  # addresses with a recent failure kept per process; the oldest is forgotten first


class SignInThrottle:
    """Refuses (429) an address over the failed sign-in limit before its token is checked.

    The shared limiter is asked only about addresses this process has seen fail within the rule's
    window: a valid token from a clean address, the common case, costs a dict lookup and not a
    limiter (or Redis) round trip. With several workers an address's first attempt on each worker is
    checked only after it fails, and a failure over the limit answers 429 there too.
    """

    def __init__(self, limiter: RateLimiter, rule: str) -> None:
        self._limiter = limiter
        self._rule = rule
        self._window = max(item.get_expiry() for item in parse_rule(rule))
        self._failed: OrderedDict[str, float] = OrderedDict()  # address -> monotonic time of its last failure

    async def check(self, address: str) -> None:
        """Raise RateLimited when `address` is already over the limit."""
        last = self._failed.get(address)
        if last is None:
            return
        if time.monotonic() - last > self._window:
            del self._failed[address]
            return
        await self._limiter.check(FAILED_SIGN_INS, address, self._rule)

    async def failed(self, address: str) -> None:
        """Count a wrong token from `address`; raises RateLimited once it is over the limit."""
        self._failed[address] = time.monotonic()
        self._failed.move_to_end(address)
        if len(self._failed) > _REMEMBERED:
            self._failed.popitem(last=False)
        await self._limiter.hit(FAILED_SIGN_INS, address, self._rule)
