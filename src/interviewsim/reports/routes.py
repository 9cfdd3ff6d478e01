"""HTTP routes of reports: export, share links, the shared page, and progress."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from interviewsim.auth.deps import CurrentUser
from interviewsim.errors import ERROR_RESPONSES
from interviewsim.interviews.schemas import SESSION_ID
from interviewsim.interviews.stores import Repository
from interviewsim.reports.content import Report
from interviewsim.reports.html import CONTENT_SECURITY_POLICY, render_html
from interviewsim.reports.markdown import render_markdown
from interviewsim.reports.pdf import render_pdf
from interviewsim.reports.service import ReportService

router = APIRouter(prefix="/api", tags=["reports"], responses=ERROR_RESPONSES)
shared_router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)

Format = Literal["md", "pdf", "html"]
SessionId = Annotated[str, Path(min_length=1, max_length=64, pattern=SESSION_ID)]
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {}, "text/markdown": {}, "application/pdf": {}},
        "description": "The report: print-ready HTML (default), Markdown or PDF",
    }
}
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


async def report_service(repository: Repository) -> ReportService:
    """The report service bound to this request's transaction."""
    return ReportService(repository)


Service = Annotated[ReportService, Depends(report_service)]


class ShareRequest(BaseModel):
    """POST /api/sessions/{id}/share."""

    expires_in_days: int = Field(default=7, ge=1, le=30)


class ShareOut(BaseModel):
    """A new share link; the URL is shown once (only its hash is stored)."""

    url: str
    expires_at: str


@router.get("/sessions/{session_id}/report", response_class=Response, responses=REPORT_RESPONSES)
async def report(
    session_id: SessionId, user: CurrentUser, service: Service, format: Annotated[Format, Query()] = "html"
) -> Response:
    """The caller's graded interview as a report to keep."""
    return rendered(await service.report(user, session_id), format)


@router.post("/sessions/{session_id}/share", response_model=ShareOut)
async def share(
    session_id: SessionId, user: CurrentUser, service: Service, request: Request, body: ShareRequest | None = None
) -> ShareOut:
    """Opt in to sharing: an unguessable, read-only link to this report that expires."""
    token, expires_at = await service.share(user, session_id, (body or ShareRequest()).expires_in_days)
    return ShareOut(url=f"{str(request.base_url).rstrip('/')}/shared/{token}", expires_at=expires_at.isoformat())


@router.delete("/sessions/{session_id}/share", status_code=204, response_class=Response)
async def revoke(session_id: SessionId, user: CurrentUser, service: Service) -> Response:
    """Revoke every share link of this interview."""
    await service.revoke(user, session_id)
    return Response(status_code=204)


@router.get("/progress")
async def progress(user: CurrentUser, service: Service) -> dict[str, Any]:
    """Per-skill and per-question progress (best, latest, history) over the caller's graded interviews."""
    return await service.progress(user)


@shared_router.get("/shared/{token}", response_class=Response, responses=REPORT_RESPONSES)
async def shared(
    token: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,128}$")],
    service: Service,
    format: Annotated[Format, Query()] = "html",
) -> Response:
    """The report a share link opens: no sign-in, read-only, nothing else of the owner's."""
    return rendered(await service.shared(token), format)


def rendered(report: Report, format: Format) -> Response:
    """The report in the asked format; Markdown and PDF as downloads."""
    name = f"interview-report-{report.date:%Y-%m-%d}"
    if format == "md":
        return Response(
            render_markdown(report),
            media_type="text/markdown; charset=utf-8",
            headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}.md"'},
        )
    if format == "pdf":
        return Response(
            render_pdf(report),
            media_type="application/pdf",
            headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(
        render_html(report),
        media_type="text/html; charset=utf-8",
        headers={**PRIVATE, "Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )
