"""``wfsync simulate fortnox|webcrm|edit``: the vendor simulators as local servers.

``fortnox`` and ``webcrm`` serve a simulator on a port and print, plainly (a
paste must not break on terminal wrapping), the TOML block to put into
``wfsync.toml``. Their default sample data describe one company seen from both
systems, so the README's trial (import, then ``sync --once``) leaves the error
inbox empty; ``--sample messy`` is the older webCRM sample that does not fit
Fortnox, for seeing the error inbox at work. ``edit`` is the person at the
keyboard of the simulated Fortnox or webCRM: it asks a running simulator to
make an edit through its user interface (:mod:`wfsync.simulators.ui_bridge`).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import typer

from wfsync.cli.app import app
from wfsync.cli.listen import ensure_can_listen
from wfsync.http.errors import ConfigError, WfsyncError

simulate_app = typer.Typer(
    help="Serve a simulated Fortnox or webCRM for trials, or edit one that is running.",
    no_args_is_help=True,
)
app.add_typer(simulate_app, name="simulate")

DEFAULT_PORTS = {"fortnox": 8081, "webcrm": 8082}


class System(StrEnum):
    fortnox = "fortnox"
    webcrm = "webcrm"


class Sample(StrEnum):
    trial = "trial"
    messy = "messy"


_SAMPLE_HELP = (
    "trial (default): the same company in both simulators, so import + sync run clean; "
    "messy: a webCRM sample that does not fit Fortnox (unknown terms of payment, products "
    "Fortnox lacks, shared organisation numbers) to see the error inbox at work."
)


def _serve(
    system: System, port: int, host: str, seed: Path | None, empty: bool, sample: Sample
) -> None:
    import uvicorn

    if seed is not None and not seed.is_file():
        raise ConfigError(f"--seed: {seed} is not a readable file")
    ensure_can_listen(host, port)
    base_url = f"http://{host}:{port}"
    if system is System.fortnox:
        from wfsync.simulators.fortnox import build_standalone_app as build_fortnox

        asgi, banner = build_fortnox(seed=seed, empty=empty, base_url=base_url)
    else:
        from wfsync.simulators.webcrm import build_standalone_app as build_webcrm

        asgi, banner = build_webcrm(seed=seed, empty=empty, base_url=base_url, sample=sample.value)
    # Plain print, not rich: rich wraps long lines, and a wrapped token breaks the paste.
    print(banner, file=sys.stderr, flush=True)
    print(
        f"# Edit as a person would: wfsync simulate edit {system.value} --help",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(asgi, host=host, port=port, log_level="warning")


@simulate_app.command("fortnox")
def simulate_fortnox(
    port: int = typer.Option(DEFAULT_PORTS["fortnox"], "--port", "-p", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    seed: Path | None = typer.Option(None, "--seed", help="JSON seed file instead of sample data."),
    empty: bool = typer.Option(False, "--empty", help="Start with no sample data."),
    sample: Sample = typer.Option(
        Sample.trial, "--sample", help="Sample data (Fortnox's is the same for both)."
    ),
) -> None:
    """Serve a simulated Fortnox API (OAuth, rate limits, sample company) on a port."""
    _serve(System.fortnox, port, host, seed, empty, sample)


@simulate_app.command("webcrm")
def simulate_webcrm(
    port: int = typer.Option(DEFAULT_PORTS["webcrm"], "--port", "-p", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    seed: Path | None = typer.Option(None, "--seed", help="JSON seed file instead of sample data."),
    empty: bool = typer.Option(False, "--empty", help="Start with no sample data."),
    sample: Sample = typer.Option(Sample.trial, "--sample", help=_SAMPLE_HELP),
) -> None:
    """Serve a simulated webCRM API (token login, rate limits, sample tenant) on a port."""
    _serve(System.webcrm, port, host, seed, empty, sample)


def _value(text: str) -> Any:
    """``FIELD=VALUE``: true, false and null as such, ``[…]``/``{…}`` as JSON (order
    rows); everything else as text (the running simulator turns text into a number
    where its field wants one)."""
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except ValueError:
            raise typer.BadParameter(f"{text!r} is not valid JSON") from None
    return {"true": True, "false": False, "null": None}.get(text, text)


def _split(words: list[str]) -> tuple[list[str], dict[str, Any]]:
    args: list[str] = []
    fields: dict[str, Any] = {}
    for word in words:
        name, equals, value = word.partition("=")
        if equals and name.isidentifier():
            fields[name] = _value(value)
        elif fields:
            raise typer.BadParameter(f"{word!r}: ids come before FIELD=VALUE pairs")
        else:
            args.append(word)
    return args, fields


@simulate_app.command("edit")
def simulate_edit(
    system: System = typer.Argument(..., help="Which running simulator to edit."),
    action: str = typer.Argument(
        ...,
        help="What the person does: update_customer, bookkeep_invoice, update_organisation, "
        "create_delivery, customer (show one), … (`list` shows them all).",
    ),
    words: list[str] | None = typer.Argument(
        None, help="Ids first (customer number, organisation id, …), then FIELD=VALUE pairs."
    ),
    url: str | None = typer.Option(
        None, "--url", help="Base URL of the simulator (default http://127.0.0.1:8081 / :8082)."
    ),
) -> None:
    """Make an edit in a running simulator as a person in its user interface would.

    Examples: `wfsync simulate edit fortnox update_customer 7 Phone1="040-611 20 99"`,
    `wfsync simulate edit webcrm update_organisation 3 OrganisationTelephone="040-1"`,
    `wfsync simulate edit fortnox bookkeep_invoice 3`. The record (or its id) is printed
    as JSON on stdout.
    """
    base = (url or f"http://127.0.0.1:{DEFAULT_PORTS[system.value]}").rstrip("/")
    args, fields = _split(words or [])
    try:
        with httpx.Client(timeout=10.0) as http:
            if action == "list":
                reply = http.get(f"{base}/_simulator/ui/")
            else:
                reply = http.post(
                    f"{base}/_simulator/ui/{action}", json={"args": args, "fields": fields}
                )
    except httpx.HTTPError as exc:
        raise WfsyncError(
            f"no {system.value} simulator answers at {base} ({type(exc).__name__}); start one "
            f"with `wfsync simulate {system.value}` or pass --url"
        ) from None
    try:
        answer = reply.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise WfsyncError(f"{base} is not a wfsync simulator (HTTP {reply.status_code})")
    if answer.get("usage"):
        raise ConfigError(f"{system.value}: {answer['error']}")
    if reply.status_code >= 400:
        raise WfsyncError(f"{system.value} refused the edit: {answer.get('error', reply.text)}")
    result = answer.get("methods", answer.get("result"))
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False, default=str))
