"""`wfsync serve`: the read-only status page in a browser."""

from __future__ import annotations

import typer

from wfsync.cli.app import GLOBALS, app, err_console


@app.command("serve")
def serve_command(
    port: int = typer.Option(8080, "--port", "-p", help="Port for the status page."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
) -> None:
    """Serve the status page (runs, links, error inbox, conflicts) over HTTP."""
    import uvicorn

    from wfsync.cli.listen import ensure_can_listen
    from wfsync.cli.state_access import ensure_state_exists
    from wfsync.web import create_app

    settings = GLOBALS.settings()
    ensure_state_exists(settings.state.url)  # a page over a store that is not there misleads
    ensure_can_listen(host, port)
    err_console.print(
        f"status page on http://{host}:{port}/ (JSON at /api/status) — Ctrl-C to stop"
    )
    uvicorn.run(create_app(settings.state.url), host=host, port=port, log_level="warning")
