"""`wfsync import`, `sync --once`, `status`, `conflicts`, `retry`, `skip`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from wfsync.cli.app import GLOBALS, TENANT_OPTION, app, err_console, use_tenant
from wfsync.cli.state_access import open_existing_store
from wfsync.http.errors import ConfigError
from wfsync.state import Failure, InboxStateError, RecordNotFoundError, StateStore
from wfsync.state.lease import describe_holder, writer_lease
from wfsync.sync.engine import SyncEngine
from wfsync.sync.report import RunReport

T = TypeVar("T")


def _engine_run(work: Callable[[SyncEngine], Awaitable[T]]) -> tuple[T, dict[str, int]]:
    settings = GLOBALS.settings(required=True)

    async def go() -> tuple[T, dict[str, int]]:
        async with SyncEngine.open(settings) as engine:
            result = await work(engine)
            calls = {
                "fortnox": engine.fortnox.http.total_calls,
                "webcrm": engine.webcrm.http.total_calls,
            }
            return result, calls

    return asyncio.run(go())


def _print_report(title: str, report: RunReport, calls: dict[str, int] | None = None) -> None:
    """The run's counts, and for a dry run the plan: one row per record, and counts
    ("would create", …) that are exactly the plan's rows by action."""
    counts = report.as_dict()
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        entity, _, action = key.partition(".")
        if action.startswith("planned_"):
            action = "would " + action.removeprefix("planned_")
        table.add_row(f"{entity} {action.replace('_', ' ')}", str(value))
    if not counts:
        table.add_row("nothing changed", "")
    err_console.print(table)
    if report.planned:
        plan = Table(title="plan (dry run: nothing was written)", title_justify="left")
        for column in ("entity", "action", "target", "record", "detail"):
            plan.add_column(column)
        for op in report.planned:
            plan.add_row(op.entity, op.action, op.target, op.ident, op.detail)
        err_console.print(plan)
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if calls is not None:
        err_console.print(
            f"API calls: Fortnox {calls['fortnox']}, webCRM {calls['webcrm']}", highlight=False
        )


@app.command("import")
def import_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Import all active Fortnox customers and active articles into webCRM (run once)."""
    use_tenant(tenant)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report, calls = _engine_run(lambda e: e.import_all(dry_run=dry_run, progress=progress))
    _print_report("import" + (" (dry run)" if dry_run else ""), report, calls)


@app.command("sync")
def sync_command(
    once: bool = typer.Option(
        False, "--once", help="Required: run one cycle of both directions, then exit."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; write nothing."),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """With --once: one sync cycle (webCRM changes, then Fortnox changes), then exit.

    `--once` is required, so that nobody expects this command to keep running:
    `wfsync run` keeps syncing on the 6/3-minute cadence.
    """
    use_tenant(tenant)
    if not once:
        raise ConfigError(
            "wfsync sync needs --once (one cycle, then exit); `wfsync run` keeps syncing"
        )
    from wfsync.runtime.runner import Runner  # console requests and alerts (issue #14)

    reports, calls = _engine_run(lambda e: Runner(e, e.clock).once(dry_run=dry_run))
    for name, report in zip(("webCRM → Fortnox", "Fortnox → webCRM"), reports, strict=True):
        _print_report(name + (" (dry run)" if dry_run else ""), report)
    err_console.print(f"API calls: Fortnox {calls['fortnox']}, webCRM {calls['webcrm']}")


@app.command("retry")
def retry_command(
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Retry every open entry of the error inbox now."""
    use_tenant(tenant)
    from wfsync.cli.state_access import ensure_state_exists

    ensure_state_exists(GLOBALS.settings(required=True).state.url)  # never create one
    report, calls = _engine_run(lambda e: e.retry_failures(force=True))
    _print_report("retry", report, calls)


def _store() -> StateStore:
    """The existing state store; a missing one is one line and exit 2, never created."""
    from wfsync.cli.state_access import open_existing_store

    settings = GLOBALS.settings()
    return open_existing_store(settings.state.url)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@app.command("status")
def status_command(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Last runs, link counts, open conflicts and the error inbox."""
    use_tenant(tenant)
    from wfsync.cli.status_view import collect_status, print_status

    store = _store()
    try:
        status = collect_status(store)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(_jsonable(status), indent=2, ensure_ascii=False))
    else:
        print_status(status)


@app.command("conflicts")
def conflicts_command(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout."),
    all_: bool = typer.Option(False, "--all", help="Include acknowledged conflicts."),
    ack: int | None = typer.Option(None, "--ack", help="Acknowledge the conflict with this id."),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Fields changed on both sides to different values, and which value was kept.

    The rule is \\[sync] conflict_winner. Under the default, "newest", Fortnox's value is
    kept in practice: Fortnox records carry no change time, so a later webCRM edit can
    never be proven (docs/sync.md).
    """
    use_tenant(tenant)
    rule = GLOBALS.settings().sync.conflict_winner
    store = _store()
    try:
        if ack is not None:
            store.acknowledge_conflict(ack)
            err_console.print(f"conflict {ack} acknowledged")
            return
        conflicts = store.conflicts(include_acknowledged=all_)
    finally:
        store.close()
    rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "webcrm_id": c.webcrm_id,
            "fortnox_id": c.fortnox_id,
            "field": c.field,
            "base": c.base_value,
            "webcrm": c.webcrm_value,
            "fortnox": c.fortnox_value,
            "winner": c.winner,
            "value": c.resolved_value,
            "rule": c.rule,
            "at": c.created_at,
        }
        for c in conflicts
    ]
    if as_json:
        typer.echo(json.dumps(_jsonable(rows), indent=2, ensure_ascii=False))
        return
    rule_note = {
        "newest": 'rule: conflict_winner = "newest" — Fortnox\'s value is kept, because Fortnox '
        "records carry no change time and a later webCRM edit cannot be proven; set "
        'conflict_winner = "webcrm" to keep webCRM\'s',
        "fortnox": 'rule: conflict_winner = "fortnox" — Fortnox\'s value is always kept',
        "webcrm": 'rule: conflict_winner = "webcrm" — webCRM\'s value is always kept',
    }[rule]
    if not rows:
        err_console.print("no open conflicts", highlight=False)
        err_console.print(rule_note, markup=False, highlight=False)
        return
    table = Table(title="conflicts (both sides changed the same field)")
    for column in ("id", "record", "field", "was", "webCRM", "Fortnox", "kept", "rule"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            f"{row['kind']} webCRM {row['webcrm_id']} / Fortnox {row['fortnox_id']}",
            row["field"],
            repr(row["base"]),
            repr(row["webcrm"]),
            repr(row["fortnox"]),
            f"{row['winner']}: {row['value']!r}",
            row["rule"],
        )
    err_console.print(table)
    err_console.print(rule_note, markup=False, highlight=False)


class InboxUsageError(ConfigError):
    """`skip`/`unskip` of an id that is not there or not in a state that allows it (exit 2)."""


def _inbox_action(failure_id: int, action: str) -> Failure:
    """Skip or unskip one entry under the writer lease; a wrong id or state is a usage error."""
    settings = GLOBALS.settings()
    store = open_existing_store(settings.state.url)  # nothing to skip in a store not made yet
    try:
        holder = describe_holder(f"wfsync {action}")
        with writer_lease(store, holder, wait=settings.state.lease_wait_seconds):
            change = store.skip_failure if action == "skip" else store.unskip_failure
            return change(failure_id)
    except (RecordNotFoundError, InboxStateError) as exc:
        raise InboxUsageError(str(exc)) from None
    finally:
        store.close()


@app.command("skip")
def skip_command(
    failure_id: int = typer.Argument(..., help="Open error-inbox entry id."),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Stop retrying one open error-inbox entry until its record is edited (or `unskip`)."""
    use_tenant(tenant)
    failure = _inbox_action(failure_id, "skip")
    err_console.print(
        f"error {failure_id} skipped ({failure.kind} {failure.source} {failure.source_id}): it is "
        "not retried until the record is edited or you run `wfsync unskip "
        f"{failure_id}`",
        highlight=False,
        soft_wrap=True,
    )


@app.command("unskip")
def unskip_command(
    failure_id: int = typer.Argument(..., help="Skipped error-inbox entry id."),
    tenant: str | None = TENANT_OPTION,
) -> None:
    """Undo `wfsync skip`: the entry is open again and retried on the next cycle."""
    use_tenant(tenant)
    _inbox_action(failure_id, "unskip")
    err_console.print(f"error {failure_id} is open again; the next cycle retries it")
