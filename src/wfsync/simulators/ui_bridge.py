"""Human edits for a simulator running in another process (``wfsync simulate edit``).

In-process, a test or the demo plays "a person in Fortnox/webCRM" by calling
``sim.ui.update_customer(...)``. A standalone simulator started with ``wfsync
simulate`` runs in its own process, so a user trying the product has no such
handle. :class:`UiBridge` wraps the simulator's ASGI app and answers one extra,
non-vendor route, ``POST /_simulator/ui/{method}``, by calling that public
method of the simulator's ``ui`` object with the JSON body's ``args`` and
``fields``. Everything else goes to the simulator untouched, so the vendor API
it imitates is unchanged. The edit goes through the same validation as the
simulated user interface would (an unknown terms-of-payment code is refused
there too) and lands in the change feeds like any human edit.

Only for trials on a local machine: the route has no authentication, like the
simulators' auto-approving consent page.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["UI_PREFIX", "UiBridge", "ui_methods"]

UI_PREFIX = "/_simulator/ui/"


def ui_methods(ui: object) -> dict[str, Any]:
    """The public methods of a simulator's ``ui`` object, by name."""
    return {
        name: member
        for name, member in inspect.getmembers(ui, inspect.ismethod)
        if not name.startswith("_")
    }


def _coerce(method: Any, args: list[Any]) -> list[Any]:
    """Positional ids arrive as text from the command line: give each the type its
    parameter declares (webCRM ids are ints, Fortnox numbers are strings)."""
    parameters = [
        p
        for p in inspect.signature(method).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    coerced: list[Any] = []
    for value, parameter in zip(args, parameters, strict=False):
        annotation = str(parameter.annotation)
        if annotation in ("int", "<class 'int'>"):
            coerced.append(int(value))
        elif annotation in ("str", "<class 'str'>"):
            coerced.append(str(value))
        else:
            coerced.append(value)
    return coerced + list(args[len(coerced) :])


def _numbers(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with every text that reads as a number turned into that number."""
    converted: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                converted[name] = value
                continue
            converted[name] = int(number) if number.is_integer() and "." not in value else number
        else:
            converted[name] = value
    return converted


class UiBridge:
    """ASGI wrapper: ``/_simulator/ui/{method}`` calls ``ui.method``; the rest passes on."""

    def __init__(self, app: ASGIApp, ui: object, problems: tuple[type[Exception], ...]) -> None:
        self.app = app
        self.ui = ui
        #: Exceptions that mean "the simulated UI refused the edit" (vendor-style problems).
        self.problems = problems

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(UI_PREFIX):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, answer = self._call(scope["method"], path.removeprefix(UI_PREFIX), body)
        payload = json.dumps(answer, ensure_ascii=False, default=str).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def _call(self, http_method: str, name: str, body: bytes) -> tuple[int, Any]:
        methods = ui_methods(self.ui)
        if http_method == "GET" and name == "":
            return 200, {"methods": sorted(methods)}
        if http_method != "POST":
            return 405, {"error": "use POST"}
        method = methods.get(name)
        if method is None:
            return 404, {
                "error": f"no such edit {name!r}; one of: {', '.join(sorted(methods))}",
                "usage": True,
            }
        try:
            request = json.loads(body or b"{}")
            args = _coerce(method, list(request.get("args", [])))
            fields = dict(request.get("fields", {}))
            try:
                result = method(*args, **fields)
            except self.problems as first:
                numeric = _numbers(fields)
                if numeric == fields:
                    raise
                # Typed at a command line, 12.5 arrives as text; webCRM wants a number.
                try:
                    result = method(*args, **numeric)
                except self.problems:
                    raise first from None
        except self.problems as exc:
            return 400, {"error": str(getattr(exc, "message", exc))}
        except (KeyError, LookupError) as exc:
            return 404, {"error": f"not found: {exc}"}
        except (TypeError, ValueError) as exc:
            return 400, {"error": str(exc)}
        return 200, {"result": result}
