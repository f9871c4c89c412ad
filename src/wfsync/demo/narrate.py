"""Rich narration of the demo, on stderr: what people did, what each cycle did.

The demo is for a newcomer who has never seen either system, so the narrator
speaks in the admin's terms — records by name, fields by their meaning,
conflicts with both values and the rule that settled them, error-inbox entries
with the vendor's own message — rather than dumping counters. Times are shown
in Stockholm local time, the clock the spec's cadence ("10:00, 10:06 …") is
written in. Everything goes to the console it is given (the CLI's stderr
console); stdout stays free for ``--json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from wfsync.demo.runner import CycleOutcome, DemoSummary, LinkChange
from wfsync.demo.script import Step
from wfsync.demo.world import DemoWorld
from wfsync.sync.engine import Progress as ProgressCallback

__all__ = ["Narrator"]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_DIRECTIONS = {
    "import": "Initial import (Fortnox → webCRM)",
    "webcrm": "webCRM changes → Fortnox",
    "fortnox": "Fortnox changes → webCRM",
}
_SIDE = {"webcrm": "webCRM", "fortnox": "Fortnox"}
_PLURAL = {"customer": "customers", "article": "articles", "delivery": "deliveries"}
_LISTED_AT_IMPORT = 6
_VALUE_WIDTH = 40


def local_time(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%H:%M")


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def _field(name: str) -> str:
    return name.replace("_", " ")


def _ids(change: LinkChange) -> str:
    return f"webCRM {change.webcrm_id or '—'} / Fortnox {change.fortnox_id or '—'}"


class Narrator:
    """An :class:`~wfsync.demo.runner.Observer` that prints with Rich."""

    def __init__(self, console: Console) -> None:
        self.console = console

    # -- the start ------------------------------------------------------------
    def opening(self, world: DemoWorld) -> None:
        fortnox = world.fortnox.store
        orgs = world.webcrm.backend.organisations.rows()
        types = Counter(str(o.get("OrganisationType") or "—") for o in orgs)
        table = Table(title="Day one: what each system holds", title_justify="left")
        table.add_column("system")
        table.add_column("records")
        active = sum(1 for c in fortnox.customers.values() if c.get("Active", True))
        table.add_row(
            "Fortnox",
            f"{active} active customers, {len(fortnox.articles)} articles, "
            f"{len(fortnox.orders)} orders, {len(fortnox.invoices)} invoices",
        )
        table.add_row(
            "webCRM",
            f"{len(orgs)} organisations ("
            + ", ".join(f"{n} {t}" for t, n in sorted(types.items()))
            + f"), {len(world.webcrm.backend.catalogue.rows())} catalogue products",
        )
        self.console.print(
            Panel.fit(
                "Two simulated systems with Swedish sample data, in this process — "
                "no accounts, no config.\n"
                "The clock runs fast: webCRM changes are synced at :00, :06, …, Fortnox "
                "changes at :03, :09, …\n"
                "State lives in a temporary SQLite file; ./wfsync.toml and ./wfsync.db "
                "are never touched.",
                title="wfsync demo",
            )
        )
        self.console.print(table)

    @contextmanager
    def import_progress(self) -> Iterator[ProgressCallback]:
        self.console.rule("Initial import: all active Fortnox customers and articles → webCRM")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=self.console,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int | None) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            yield progress
            for task in bar.tasks:
                if task.total is None:  # a stage with no count: its records are listed next
                    bar.remove_task(task.id)

    # -- the scenes -----------------------------------------------------------
    def step(self, index: int, total: int, step: Step, edits: list[str]) -> None:
        self.console.print()
        self.console.rule(f"Step {index}/{total}: {step.title}")
        for label, lines, style in (
            ("  •", edits or ["(no edits)"], ""),
            ("  watch for:", [step.expect], "italic"),
        ):
            scene = Table.grid(padding=(0, 1))
            scene.add_column(no_wrap=True, style="bold")
            scene.add_column(style=style)
            for line in lines:
                scene.add_row(label, line)
            self.console.print(scene)

    def cycle(self, outcome: CycleOutcome) -> None:
        head = Text(f"[{local_time(outcome.at)}] ", style="cyan")
        head += Text(_DIRECTIONS.get(outcome.direction, outcome.direction), style="bold")
        head += Text(f"  {outcome.writes} writes, {outcome.calls} API calls", style="dim")
        self.console.print(head)
        table = self._events(outcome)
        if table.row_count:
            self.console.print(table)
        else:
            self.console.print(Text("    nothing to do — nothing written", style="dim"))
        for warning in outcome.warnings:
            self.console.print(Text("    warning: ", style="yellow") + Text(warning))

    def _events(self, outcome: CycleOutcome) -> Table:
        table = Table(box=None, padding=(0, 1), show_header=False, pad_edge=False)
        table.add_column("what", style="bold", no_wrap=True)
        table.add_column("record")
        table.add_column("detail")
        linked = list(outcome.linked)
        if outcome.direction == "import" and len(linked) > _LISTED_AT_IMPORT:
            for kind, count in sorted(Counter(c.kind for c in linked).items()):
                names = ", ".join(c.name for c in linked if c.kind == kind)
                label = f"{count} {_PLURAL.get(kind, kind)}"
                table.add_row("  synced", label, Text(names, style="dim"))
        else:
            for change in linked:
                table.add_row("  [green]new[/]", f"{change.kind} {change.name}", _ids(change))
        for change in outcome.updated:
            fields = "; ".join(
                f"{_field(f.field)}: {_value(f.before)} → {_value(f.after)}" for f in change.fields
            )
            table.add_row("  [blue]updated[/]", f"{change.kind} {change.name}", fields)
        for conflict in outcome.conflicts:
            table.add_row(
                "  [magenta]conflict[/]",
                f"{conflict.kind} {_field(conflict.field)}",
                f"was {_value(conflict.base_value)}; webCRM {_value(conflict.webcrm_value)}, "
                f"Fortnox {_value(conflict.fortnox_value)} → kept {_SIDE[conflict.winner]}'s "
                f"{_value(conflict.resolved_value)}; rule: {conflict.rule}",
            )
        for failure in outcome.failed:
            table.add_row(
                "  [red]error inbox[/]",
                f"{failure.kind} from {_SIDE.get(failure.source, failure.source)} "
                f"{failure.source_id}",
                failure.message,
            )
        for failure in outcome.resolved:
            table.add_row(
                "  [green]resolved[/]",
                f"{failure.kind} from {_SIDE.get(failure.source, failure.source)} "
                f"{failure.source_id}",
                f"error-inbox entry {failure.id} synced after {failure.attempts} attempt(s)",
            )
        return table

    # -- the end ---------------------------------------------------------------
    def finished(self, summary: DemoSummary) -> None:
        self.console.print()
        self.console.rule("Where the two systems stand")
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_column("what", style="bold")
        table.add_column("value")
        table.add_row("steps played", str(len(summary.steps)))
        table.add_row(
            "sync cycles", f"{summary.cycles} ({summary.story_minutes:.0f} minutes of demo time)"
        )
        table.add_row(
            "linked records",
            ", ".join(f"{n} {_PLURAL.get(kind, kind)}" for kind, n in summary.links.items()),
        )
        table.add_row("conflicts recorded", str(summary.conflicts))
        table.add_row(
            "error inbox",
            f"{summary.open_failures} open, {summary.resolved_failures} resolved",
        )
        table.add_row("API calls / writes", f"{summary.calls} / {summary.writes}")
        self.console.print(table)
        if summary.converged:
            self.console.print(
                Text("✓ converged: ", style="bold green")
                + Text(
                    "every linked customer and article has the same name in webCRM and "
                    "Fortnox, and every delivery carries Fortnox's order and invoice numbers"
                )
            )
        else:
            self.console.print(Text("✗ the systems disagree:", style="bold red"))
            for mismatch in summary.mismatches:
                self.console.print(Text(f"  {mismatch}"))

    def next_steps(self, keep_running: bool) -> None:
        if keep_running:
            return
        self.console.print(
            "\nNext: `wfsync demo --keep-running` to poke at the simulators yourself, "
            "or `wfsync init` to connect your own webCRM and Fortnox."
        )
