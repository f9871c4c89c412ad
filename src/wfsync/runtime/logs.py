"""Logging: structlog over the standard library, to stderr, with secrets masked.

Why this shape:

* **stderr only.** stdout belongs to ``--json`` output (shared/DESIGN.md §3), so
  a script can pipe ``wfsync status --json`` while logs still reach a terminal
  or the journal.
* **structlog over stdlib.** Our code logs key/value events through structlog;
  libraries (httpx, uvicorn, alembic) log through ``logging``. One stdlib
  handler renders both the same way, so a JSON line is a JSON line whoever
  wrote it.
* **Redaction last-but-one, for everything.** Every event, ours or a library's,
  passes :func:`redact_secrets` before it is rendered: secret-named keys
  (``access_token``, ``client_secret``, ``authCode``…), ``Bearer``/``Basic``
  credentials, secret query parameters, JWTs, GUIDs (Fortnox refresh tokens
  and webCRM application tokens are GUIDs) and long opaque token-like strings
  are replaced by ``***``. Tracebacks are formatted *before* redaction so an
  exception message cannot carry a token past it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal, TextIO

import structlog

__all__ = [
    "MASK",
    "LogFormat",
    "configure_logging",
    "get_logger",
    "redact_secrets",
    "redact_text",
]

LogFormat = Literal["auto", "human", "json"]
MASK = "***"

_SECRET_NAMES = (
    "access_token|refresh_token|id_token|client_secret|auth_code|authcode|authorization"
    "|password|passwd|secret|api_key|apikey|token|cookie|set_cookie|code_verifier"
)
#: A key whose (snake-cased) name ends in one of the secret names.
_SECRET_KEY = re.compile(rf"(?:^|_)(?:{_SECRET_NAMES})$")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

_TEXT_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization header values.
    (re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*"), rf"\1 {MASK}"),
    # "refresh_token": "…", 'authCode': '…', client_secret="…"
    (
        re.compile(
            r"(?i)([\"']?(?:access_?token|refresh_?token|id_?token|client_?secret|auth_?code"
            r"|password|api_?key|authorization)[\"']?\s*[:=]\s*[\"'])[^\"']*([\"'])"
        ),
        rf"\1{MASK}\2",
    ),
    # key=value in query strings, form bodies and prose.
    (
        re.compile(
            r"(?i)\b(access_?token|refresh_?token|id_?token|client_?secret|auth_?code|password"
            r"|api_?key|token|secret)=[^&\s\"',;)]+"
        ),
        rf"\1={MASK}",
    ),
    # An OAuth authorization code in a callback URL.
    (re.compile(r"(?i)([?&]code=)[^&\s\"'#]+"), rf"\1{MASK}"),
    # JWTs (Fortnox and webCRM access tokens).
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?"), MASK),
    # GUIDs: Fortnox refresh tokens and webCRM application tokens look like this.
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        MASK,
    ),
    # Long opaque strings mixing letters and digits (32+ characters).
    (
        re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}=*"),
        MASK,
    ),
)


def redact_text(text: str) -> str:
    """``text`` with every credential-looking part replaced by ``***``."""
    for pattern, replacement in _TEXT_RULES:
        text = pattern.sub(replacement, text)
    return text


def _is_secret_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    snake = _CAMEL_BOUNDARY.sub("_", key).lower().replace("-", "_")
    return bool(_SECRET_KEY.search(snake))


def _redact_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {
            k: (MASK if _is_secret_key(k) and v not in (None, "") else _redact_value(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(item) for item in value]
    return redact_text(str(value))


def redact_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask secrets in every key and value of an event."""
    for key in list(event_dict):
        if key.startswith("_"):  # structlog/stdlib bookkeeping (the LogRecord)
            continue
        value = event_dict[key]
        if _is_secret_key(key) and value not in (None, ""):
            event_dict[key] = MASK
        else:
            event_dict[key] = _redact_value(value)
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact_secrets,
    ]


class _WfsyncHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marker type, so reconfiguring replaces our handler and leaves others alone."""


def configure_logging(
    format: LogFormat | str = "auto", verbosity: int = 0, *, stream: TextIO | None = None
) -> None:
    """Route all logging to ``stream`` (stderr) as human text or JSON lines.

    ``auto`` is human on a terminal and JSON otherwise (a service's journal or a
    container log collector). ``verbosity`` 0 shows wfsync's INFO and libraries'
    warnings, 1 adds wfsync's DEBUG, 2 and more also libraries' DEBUG (every
    HTTP request, still redacted). Safe to call again: it replaces its own
    handler.
    """
    if format not in ("auto", "human", "json"):
        raise ValueError(f"log format must be auto, human or json (got {format!r})")
    target = stream if stream is not None else sys.stderr
    tty = bool(getattr(target, "isatty", lambda: False)())
    human = format == "human" or (format == "auto" and tty)
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=tty, exception_formatter=structlog.dev.plain_traceback)
        if human
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=_shared_processors(),
    )
    handler = _WfsyncHandler(target)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _WfsyncHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    logging.getLogger("wfsync").setLevel(logging.DEBUG if verbosity >= 1 else logging.INFO)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger over the stdlib logger ``name`` (use ``wfsync.…`` names)."""
    return structlog.stdlib.get_logger(name)
