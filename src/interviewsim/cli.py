"""Command line: `interviewsim serve` (more commands arrive with their issues)."""

from __future__ import annotations

import os
import sys
import tempfile

import typer

from interviewsim.config import Settings, SettingsError, load_settings
from interviewsim.observability.logging import configure_logging
from interviewsim.runtime import limit_malloc_arenas

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
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (production: 2 per core)."),
) -> None:
    """Start the HTTP server."""
    import uvicorn

    from interviewsim.app import build_verifier, create_app
    from interviewsim.serving.options import uvicorn_options

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings_or_exit(**overrides)
    configure_logging(settings.log_level, secrets=settings.secret_values())
    try:
        verifier = build_verifier(settings)
    except SettingsError as error:
        typer.echo(f"interviewsim: {error}", err=True)
        raise typer.Exit(2) from None
    address = f"http://{settings.host}:{settings.port}"
    typer.echo(f"interviewsim {address}  (web page: {address}/  API docs: {address}/docs)")
    if settings.resolved_auth_mode == "local":
        from interviewsim.auth.local import ensure_local_token

        token = ensure_local_token(settings.data_dir, settings.fixed_local_token)
        typer.echo(f"local access token: {token}")
        typer.echo(f"  try: curl -H 'Authorization: Bearer {token}' {address}/api/sessions")
    sys.stdout.flush()
    common = uvicorn_options(settings)
    limit_malloc_arenas()
    # Whatever reads the settings again in this process or its workers (the app, the request deadlines)
    # sees the flags too.
    os.environ.update({"HOST": settings.host, "PORT": str(settings.port)})
    if workers == 1:
        uvicorn.run(create_app(settings, verifier=verifier, settle_heap=True), **common)
        return
    # Each worker process builds its own app from the same environment;
    # Prometheus sums the workers' metrics through a shared directory.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="interviewsim-metrics-"))
    uvicorn.run("interviewsim.app:app_from_env", factory=True, workers=workers, **common)


def _register_feature_commands() -> None:
    """Commands that live with their features (their heavy imports stay inside them)."""
    from interviewsim.practice.commands import practice, report
    from interviewsim.quality.commands import simulate

    cli.command()(practice)
    cli.command()(report)
    cli.command()(simulate)


def main() -> None:
    """Console-script entry point."""
    _register_feature_commands()
    cli()
