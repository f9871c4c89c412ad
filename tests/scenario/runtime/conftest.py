"""The two-simulator world of tests/sync, for runtime tests that run real cycles."""

from tests.scenario.sync.conftest import state_url, world  # noqa: F401  (fixtures)
