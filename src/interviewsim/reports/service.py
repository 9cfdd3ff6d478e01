"""Reports of the caller's graded interviews, share links to them, and progress; never raises HTTP errors itself."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from interviewsim.auth.base import AuthUser
from interviewsim.errors import Conflict, Gone, NotFound
from interviewsim.interviews.models import InterviewSession, ShareLink
from interviewsim.interviews.repository import InterviewRepository
from interviewsim.reports.content import Report, report_of
from interviewsim.reports.progress import progress_of
from interviewsim.storage.types import utcnow

TOKEN_BYTES = 32  # 256 bits: unguessable
PROGRESS_SESSIONS = 1000  # the most recent interviews whose progress is shown


def token_hash(token: str) -> str:
    """What is stored of a share token: its SHA-256, so a leaked table opens no report."""
    return hashlib.sha256(token.encode()).hexdigest()


class ReportService:
    """Reports for one request; the caller's transaction wraps it."""

    def __init__(self, repository: InterviewRepository, clock: Callable[[], datetime] = utcnow) -> None:
        self.repository = repository
        self.clock = clock

    async def report(self, user: AuthUser, session_id: str) -> Report:
        """The report of the caller's graded interview."""
        return await self._report(await self._owned(user, session_id))

    async def share(self, user: AuthUser, session_id: str, days: int) -> tuple[str, datetime]:
        """A new read-only link to the report: (the token, shown once, and when it expires)."""
        session = await self._owned(user, session_id)
        await self._report(session)  # only a graded interview can be shared
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.clock()
        link = ShareLink(
            token_hash=token_hash(token),
            session_id=session.id,
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(days=days),
            revoked_at=None,
        )
        await self.repository.add_share_link(link)
        return token, link.expires_at

    async def revoke(self, user: AuthUser, session_id: str) -> None:
        """Revoke every live share link of the caller's interview."""
        session = await self._owned(user, session_id)
        await self.repository.revoke_share_links(session.id, user.id, self.clock())

    async def shared(self, token: str) -> Report:
        """The report a share link opens, for anyone holding the link while it is live."""
        link = await self.repository.share_link(token_hash(token))
        if link is None:
            raise NotFound("This share link does not exist.")
        if link.revoked_at is not None:
            raise Gone("This share link was revoked by its owner.")
        if link.expires_at <= self.clock():
            raise Gone("This share link has expired.")
        session = await self.repository.get_session(link.session_id, link.user_id)
        if session is None:
            raise NotFound("This share link does not exist.")
        return await self._report(session)

    async def progress(self, user: AuthUser) -> dict[str, Any]:
        """Per-skill and per-question progress over the caller's graded interviews."""
        sessions = await self.repository.list_sessions(user.id, PROGRESS_SESSIONS)
        evaluations = await self.repository.evaluations_of_user(user.id)
        return progress_of(evaluations, sessions)

    async def _owned(self, user: AuthUser, session_id: str) -> InterviewSession:
        session = await self.repository.get_session(session_id, user.id)
        if session is None:
            raise NotFound("No interview with that id was found for your account.")
        return session

    async def _report(self, session: InterviewSession) -> Report:
        evaluation = await self.repository.get_evaluation(session.id)
        if evaluation is None:
            raise Conflict("This interview has not been graded yet; finish it or request its results first.")
        return report_of(session, evaluation.payload)
