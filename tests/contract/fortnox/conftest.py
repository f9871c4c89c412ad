"""Fortnox fixtures (the simulator, a token, a raw HTTP client) from tests/fortnox_kit.py."""

from tests.fortnox_kit import fortnox_http, fortnox_sim, fortnox_token  # noqa: F401  (fixtures)
