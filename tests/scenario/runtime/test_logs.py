"""Logging goes to stderr only, in human or JSON form, with every secret masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from wfsync.runtime.logs import MASK, configure_logging, get_logger, redact_text

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ"
REFRESH = "a7302e6b-b1cb-4508-b884-cf9abd9a51de"
SECRET = "s3cr3t-Client-Secret-Value"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Leave logging as we found it: other tests in this worker rely on its defaults."""
    root, ours = logging.getLogger(), logging.getLogger("wfsync")
    handlers, root_level, our_level = list(root.handlers), root.level, ours.level
    structlog_config = structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(root_level)
    ours.setLevel(our_level)
    structlog.configure(**structlog_config)


def capture(fmt: str, verbosity: int = 0) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(fmt, verbosity, stream=stream)
    return stream


def emit_secrets() -> None:
    log = get_logger("wfsync.test")
    log.info(
        f"refreshing with Authorization: Bearer {JWT}",
        access_token=JWT,
        refresh_token=REFRESH,
        client_secret=SECRET,
        authCode="12345678-90ab-cdef-1234-4567890abcde",
        url=f"https://apps.fortnox.se/oauth-v1/token?code=AbCdEf123&refresh_token={REFRESH}&x=1",
        body={"Authorization": f"Basic {SECRET}", "nested": [{"password": "hunter2"}]},
        customer="Kund – Företag AB",
    )
    # A library logging through the standard library is masked too.
    logging.getLogger("httpx").warning(
        "POST %s failed: %s", "/token", f'{{"refresh_token": "{REFRESH}"}}'
    )


@pytest.mark.parametrize("fmt", ["human", "json"])
def test_secrets_are_masked_in_both_formats(fmt: str) -> None:
    stream = capture(fmt)
    emit_secrets()
    text = stream.getvalue()
    for secret in (JWT, REFRESH, SECRET, "AbCdEf123", "hunter2", "4567890abcde", "c2lnbmF0"):
        assert secret not in text
    assert MASK in text
    assert "Kund – Företag AB" in text  # ordinary values are left alone
    assert "x=1" in text and "apps.fortnox.se/oauth-v1/token" in text


def test_json_lines_have_masked_fields_and_library_records() -> None:
    stream = capture("json")
    emit_secrets()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    ours, library = lines
    assert ours["access_token"] == MASK and ours["refresh_token"] == MASK
    assert ours["client_secret"] == MASK and ours["authCode"] == MASK
    assert ours["body"]["Authorization"] == MASK
    assert ours["body"]["nested"] == [{"password": MASK}]
    assert ours["event"] == f"refreshing with Authorization: Bearer {MASK}"
    assert ours["level"] == "info" and ours["logger"] == "wfsync.test" and "timestamp" in ours
    assert library["logger"] == "httpx" and library["level"] == "warning"
    assert library["event"] == f'POST /token failed: {{"refresh_token": "{MASK}"}}'


def test_human_format_is_not_json() -> None:
    stream = capture("human")
    get_logger("wfsync.test").info("cycle.finished", direction="webcrm")
    line = stream.getvalue()
    assert "cycle.finished" in line and "direction=webcrm" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_auto_is_json_when_not_a_terminal() -> None:
    stream = capture("auto")
    get_logger("wfsync.test").info("hello")
    assert json.loads(stream.getvalue())["event"] == "hello"


def test_exceptions_are_formatted_then_masked() -> None:
    stream = capture("json")
    try:
        raise RuntimeError(f"token endpoint said no to {REFRESH}")
    except RuntimeError:
        get_logger("wfsync.test").exception("refresh.failed")
    record = json.loads(stream.getvalue())
    assert "RuntimeError: token endpoint said no to ***" in record["exception"]
    assert REFRESH not in stream.getvalue()


def test_verbosity_controls_wfsync_and_library_levels() -> None:
    stream = capture("json", 0)
    get_logger("wfsync.test").debug("hidden")
    logging.getLogger("httpx").info("hidden too")
    get_logger("wfsync.test").info("shown")
    assert [json.loads(x)["event"] for x in stream.getvalue().splitlines()] == ["shown"]

    stream = capture("json", 1)
    get_logger("wfsync.test").debug("debug shown")
    logging.getLogger("httpx").info("library still hidden")
    assert [json.loads(x)["event"] for x in stream.getvalue().splitlines()] == ["debug shown"]

    stream = capture("json", 2)
    logging.getLogger("httpx").debug("library shown")
    assert json.loads(stream.getvalue())["event"] == "library shown"


def test_reconfiguring_replaces_the_handler_instead_of_adding_one() -> None:
    first = capture("json")
    second = capture("json")
    get_logger("wfsync.test").info("once")
    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="auto, human or json"):
        configure_logging("xml", 0)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("GET /3/customers/1001", "GET /3/customers/1001"),
        ("Fortnox code 2000663 at /3/invoices/12", "Fortnox code 2000663 at /3/invoices/12"),
        (
            "client_secret=abc&grant_type=refresh_token",
            "client_secret=***&grant_type=refresh_token",
        ),
        ("callback ?code=XyZ987&state=s1", "callback ?code=***&state=s1"),
        ("'AccessToken': 'abc.def'", "'AccessToken': '***'"),
        ("opaque 0123456789abcdef0123456789abcdef0123 end", "opaque *** end"),
        (
            "wfsync_records_synced_total_for_everything_here",
            "wfsync_records_synced_total_for_everything_here",
        ),
    ],
)
def test_redact_text_masks_credentials_and_keeps_the_rest(raw: str, masked: str) -> None:
    assert redact_text(raw) == masked
