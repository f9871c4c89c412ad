"""ASGI plumbing both simulators need: the lifespan handshake and requests that
land after their client gave up (a POST stuck in a proxy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.types import Receive, Scope, Send

__all__ = ["LateRequests", "lifespan"]


async def lifespan(receive: Receive, send: Send) -> None:
    """Answer the server's startup and shutdown messages (nothing to set up)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


@dataclass
class LateRequests:
    """Requests to carry out later, each at its due time on the simulator's clock."""

    pending: list[tuple[float, Scope, bytes]] = field(default_factory=list)

    def defer(self, due: float, request: Request, body: bytes) -> None:
        self.pending.append((due, dict(request.scope), body))

    def take_due(self, now: float) -> list[Request]:
        """The requests whose time has come, as fresh requests with their bodies."""
        due = [item for item in self.pending if item[0] <= now]
        self.pending = [item for item in self.pending if item[0] > now]
        return [Request(scope, _replay(body)) for _, scope, body in due]


def _replay(body: bytes) -> Receive:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
