"""``hhbill serve`` and ``hhbill apikey create|list|revoke``: the web wing's commands (FastAPI loads only here)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from .._config import DB_ENV
from ._common import TextOrJson, console, emit, err_console, hhbill_from, reported_errors
from ._root import app

apikey_app = typer.Typer(
    rich_markup_mode=None,
    help="Create, list and revoke API keys for the claim and procedure-log routes.",
    no_args_is_help=True,
)
app.add_typer(apikey_app, name="apikey")


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (default loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: Annotated[Path | None, typer.Option("--db", help="Database file (overrides the global --db).")] = None,
    rate_limit: Annotated[
        int | None,
        typer.Option(help="Requests per client per minute (0: no limit; default 1200 or $HHBILL_RATE_LIMIT)."),
    ] = None,
    cors_origin: Annotated[
        list[str] | None, typer.Option(help="An exact origin allowed to call the API from a browser (repeatable).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Server processes (default: 1 on a loopback address, which prints a one-time sign-in link; "
            "elsewhere one per core, at most 8; each has its own rate limits).",
        ),
    ] = None,
) -> None:
    """Serve the web UI and the REST API (loads the embedded default HCPCS release when none is imported)."""
    import uvicorn

    from ..web import Settings, create_app
    from ..web._server import default_workers, uvicorn_options

    with reported_errors():
        hhbill = hhbill_from(ctx)
        if db is not None:  # serve's own --db wins over the global one
            from dataclasses import replace

            from ..app import Hhbill

            hhbill = Hhbill(db, settings=replace(hhbill.settings, db_path=db))
        store = hhbill.store
        if hhbill.ensure_default() is not None:
            err_console().print("no HCPCS release was imported: serving the embedded default release")
        settings = Settings.from_env(rate_limit=rate_limit, cors_origins=tuple(cors_origin) if cors_origin else None)
        web_app = create_app(hhbill, settings=settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from ..web._first_run import is_loopback

    if workers is None:
        # a loopback server is one person's own machine: one process, which can hand out the one-time sign-in
        # link (it lives in that process); any other address serves many users: one process per core
        workers = 1 if is_loopback(host) and settings.require_api_key else default_workers()
    err_console().print(f"hhbill serving on http://{host}:{port}/ with {workers} worker(s) (database {store.path})")
    if not settings.require_api_key:
        err_console().print(
            "[bold red]WARNING: API keys are OFF: anyone who can reach this server can read and write claims and "
            "the procedure log.[/bold red]"
        )
    elif workers == 1:
        from ..web._first_run import enable_first_run_link

        link = enable_first_run_link(web_app, store, host, port)
        if link is not None:  # loopback only: anywhere else a key is needed (hhbill apikey create)
            typer.echo(f"sign in once with this link (it works one time): {link}", err=True)
    # uvicorn's own access log prints query strings (patient data on claim routes): ours logs templates only
    options: dict[str, Any] = uvicorn_options(settings, host=host, port=port, workers=workers)
    if workers == 1:
        uvicorn.run(web_app, **options)
        return
    # several processes: each builds the same app from the environment (database path and settings)
    store.close()
    saved = dict(os.environ)
    os.environ.update({DB_ENV: str(store.path), **settings.to_env()})
    try:
        uvicorn.run("hhbill.web._app:create_app", factory=True, workers=workers, **options)
    finally:  # a caller in the same process (a test) gets its environment back
        os.environ.clear()
        os.environ.update(saved)


@apikey_app.command("create")
def apikey_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "",
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Create an API key. The key is printed once: only its salted hash is stored."""
    from ..web import create_api_key

    with reported_errors():
        key, text = create_api_key(hhbill_from(ctx).store, name)
        emit({**key.to_dict(), "key": text}, fmt.value, _created_text)


def _created_text(data: dict[str, Any]) -> str:
    return (
        f"{data['key']}\n"
        f"API key {data['id']} ({data['name']}, prefix {data['prefix']}) created.\n"
        "Store it now: it is not shown again.\n"
        "Send it as the X-API-Key header, or sign in with it at /login."
    )


@apikey_app.command("list")
def apikey_list(ctx: typer.Context, fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text) -> None:
    """List the API keys (never the keys themselves)."""
    from ..web import list_api_keys

    with reported_errors():
        keys = [k.to_dict() for k in list_api_keys(hhbill_from(ctx).store)]
        if fmt is TextOrJson.json:
            emit({"keys": keys}, "json")
            return
        from rich.table import Table

        table = Table("id", "name", "prefix", "created", "state")
        for k in keys:
            table.add_row(
                str(k["id"]),
                k["name"],
                k["prefix"],
                k["created_at"],
                "active" if k["active"] else f"revoked {k['revoked_at']}",
            )
        console().print(table if keys else "no API keys (hhbill apikey create)")


@apikey_app.command("revoke")
def apikey_revoke(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The key's id or prefix (or the key itself).")],
    fmt: Annotated[TextOrJson, typer.Option("--format")] = TextOrJson.text,
) -> None:
    """Revoke an API key; requests using it are refused from now on."""
    from ..web import revoke_api_key

    with reported_errors():
        revoked = revoke_api_key(hhbill_from(ctx).store, key)
        emit(revoked.to_dict(), fmt.value, lambda d: f"API key {d['id']} ({d['prefix']}) revoked at {d['revoked_at']}")


app.command("serve")(serve)
