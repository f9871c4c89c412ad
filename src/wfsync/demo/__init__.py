"""``wfsync demo``: both simulators, sample data and a scripted story, in one command.

See docs/demo.md. :func:`run_demo` plays the story (optionally keeping the
simulators up afterwards); :class:`DemoRunner` and :data:`STORY` are the parts
tests and other front ends reuse.
"""

from wfsync.demo.runner import CycleOutcome, DemoRunner, DemoSummary, check_convergence
from wfsync.demo.script import STORY, Step
from wfsync.demo.session import DemoDivergedError, DemoOptions, run_demo
from wfsync.demo.world import DemoClock, DemoWorld, SeedError, build_world

__all__ = [
    "STORY",
    "CycleOutcome",
    "DemoClock",
    "DemoDivergedError",
    "DemoOptions",
    "DemoRunner",
    "DemoSummary",
    "DemoWorld",
    "SeedError",
    "Step",
    "build_world",
    "check_convergence",
    "run_demo",
]
