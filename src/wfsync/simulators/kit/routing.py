"""One route table for both simulators: method + path template → whatever the vendor
registers (a handler, a handler and its scope).

Both vendors answer the same three outcomes — a match with its path parameters,
a known path asked with the wrong method (405), an unknown path (404) — so the
matching lives here once, and each vendor turns the outcome into its own reply.
What differs between them is kept as options, chosen once per table:

* ``case_insensitive``: webCRM's paths match in any letter case (a 2019 client
  used lower-case paths successfully); Fortnox's do not.
* ``trailing_slash``: webCRM accepts ``/Organisations/5/``; Fortnox strips the
  slash itself before routing.
* ``decode_params``: Fortnox matches the still percent-encoded path, so a key may
  contain ``/`` (``A%2F1``) without splitting a segment, and decodes each
  parameter after matching; webCRM routes the decoded path.

A ``{name}`` segment matches anything but ``/``; ``{name:int}`` only an int32, as
an ASP.NET route constraint would, so ``/Organisations/99999999999`` is a 404
rather than a handler crash. Methods are compared exactly: a vendor that accepts
any letter case in methods upper-cases them before it asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

__all__ = ["Route", "RouteTable"]

T = TypeVar("T")

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
#: At most ten digits, so the range check below never parses a huge number.
_INT = r"-?\d{1,10}"
_PARAM = re.compile(r"\{(\w+)(?::(int))?\}")


@dataclass(frozen=True)
class Route(Generic[T]):
    """One registered template; ``target`` is what the vendor gets back on a match."""

    method: str
    template: str
    pattern: re.Pattern[str]
    #: Parameters declared ``{name:int}``, range-checked after the regex matched.
    int_params: tuple[str, ...]
    target: T

    def params(self, path: str) -> dict[str, str] | None:
        """The raw (undecoded) path parameters, or None when ``path`` is not this route's."""
        found = self.pattern.fullmatch(path)
        if found is None:
            return None
        params = found.groupdict()
        if any(not _INT32_MIN <= int(params[name]) <= _INT32_MAX for name in self.int_params):
            return None
        return params


@dataclass
class RouteTable(Generic[T]):
    """Templates in registration order; the first route matching path and method wins."""

    case_insensitive: bool = False
    trailing_slash: bool = False
    decode_params: bool = False
    routes: list[Route[T]] = field(default_factory=list)

    def add(self, method: str, template: str, target: T) -> None:
        """Register ``template`` such as ``/customers/{number}`` or ``/Persons/{id:int}``."""
        regex, int_params, position = "", [], 0
        for param in _PARAM.finditer(template):
            regex += re.escape(template[position : param.start()])
            name, constraint = param.group(1), param.group(2)
            regex += f"(?P<{name}>{_INT if constraint else '[^/]+'})"
            if constraint:
                int_params.append(name)
            position = param.end()
        regex += re.escape(template[position:])
        if self.trailing_slash:
            regex += "/?"
        pattern = re.compile(regex, re.IGNORECASE if self.case_insensitive else 0)
        self.routes.append(Route(method, template, pattern, tuple(int_params), target))

    def resolve(self, method: str, path: str) -> tuple[T, dict[str, str]] | list[str]:
        """The target and parameters for ``method path``, else the methods the path
        allows, in registration order (empty: no such path, a 404; else a 405)."""
        allowed: list[str] = []
        for route in self.routes:
            params = route.params(path)
            if params is None:
                continue
            if route.method == method:
                if self.decode_params:
                    params = {name: unquote(value) for name, value in params.items()}
                return route.target, params
            allowed.append(route.method)
        return allowed
