"""A per-user cap on concurrent speech synthesis, so one user cannot hold every synthesis thread."""

from __future__ import annotations

from interviewsim.errors import RateLimited


class UserSlots:
    """Counts each user's requests in progress in this process; over `limit` is a 429."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._active: dict[str, int] = {}

    def take(self, user_id: str) -> None:
        """Claim a slot for `user_id` (RateLimited when all of theirs are taken); `give_back` it when done."""
        active = self._active.get(user_id, 0)
        if active >= self.limit:
            raise RateLimited(
                f"You already have {self.limit} speech requests running; wait for one to finish.", retry_after=1
            )
        self._active[user_id] = active + 1

    def give_back(self, user_id: str) -> None:
        """Release a slot taken with `take`."""
        left = self._active.get(user_id, 0) - 1
        if left > 0:
            self._active[user_id] = left
        else:
            self._active.pop(user_id, None)
