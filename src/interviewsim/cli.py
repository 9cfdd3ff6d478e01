"""Command line: `interviewsim serve` (more commands arrive with their issues)."""

from __future__ import annotations

import logging
import sys

import typer

from interviewsim.config import Settings, SettingsError, load_settings

cli = typer.Typer(help="interviewsim: AI mock interviews.", no_args_is_help=True, add_completion=False)


@cli.callback()
def _root() -> None:
    """AI mock interviews: serve the API, practise in the terminal, grade and report."""


def _settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except SettingsError as error:
        typer.echo(f"interviewsim: {error}", err=True)
        raise typer.Exit(2) from None


@cli.command()
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (PORT)."),
) -> None:
    """Start the HTTP server."""
    import uvicorn

    from interviewsim.app import build_verifier, create_app

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings_or_exit(**overrides)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        verifier = build_verifier(settings)
    except SettingsError as error:
        typer.echo(f"interviewsim: {error}", err=True)
        raise typer.Exit(2) from None
    address = f"http://{settings.host}:{settings.port}"
    typer.echo(f"interviewsim {address}  (API docs: {address}/docs)")
    if settings.resolved_auth_mode == "local":
        from interviewsim.auth.local import ensure_local_token

        token = ensure_local_token(settings.data_dir, settings.fixed_local_token)
        typer.echo(f"local access token: {token}")
        typer.echo(f"  try: curl -H 'Authorization: Bearer {token}' {address}/api/sessions")
    sys.stdout.flush()
    uvicorn.run(
        create_app(settings, verifier=verifier),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


def main() -> None:
    """Console-script entry point."""
    cli()
