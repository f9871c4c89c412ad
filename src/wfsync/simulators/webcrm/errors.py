"""Errors a simulated endpoint answers with.

The reference documents only the 429 body (``{"RetryAfterSeconds", "Message",
"Type"}``); its ``Type`` field names an exception class, which suggests a generic
``{"Message", "Type"}`` envelope for other errors (§3.6). The simulator uses that
envelope for every 400/404/415 it raises itself; 401 and 405 have empty bodies,
as ASP.NET Core's authentication and routing middleware produce them.
"""

from __future__ import annotations

__all__ = ["ApiProblem", "BadRequest", "NotFound", "UnsupportedMediaType"]


class ApiProblem(Exception):
    """An error response: HTTP status plus the ``{"Message", "Type"}`` body."""

    status = 400
    type_name = "BadRequestException"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, str]:
        return {"Message": self.message, "Type": self.type_name}


class BadRequest(ApiProblem):
    status = 400
    type_name = "BadRequestException"


class NotFound(ApiProblem):
    status = 404
    type_name = "NotFoundException"


class UnsupportedMediaType(ApiProblem):
    status = 415
    type_name = "UnsupportedMediaTypeException"
