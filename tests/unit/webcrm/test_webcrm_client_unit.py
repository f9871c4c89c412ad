"""Pieces of the webCRM client that need no server: error mapping, records, PATCH answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from wfsync.http.errors import (
    ApiError,
    AuthError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from wfsync.webcrm.errors import map_error
from wfsync.webcrm.models import FieldMetadata, Organisation, QuotationLine
from wfsync.webcrm.resources.batch import read_batch_answer
from wfsync.webcrm.resources.entity import created_id, id_from_answer


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("GET", "https://api.webcrm.test/Organisations/1")
    if body is None:
        return httpx.Response(status, headers=headers, request=request)
    if isinstance(body, str):
        return httpx.Response(status, text=body, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ValidationError),
        (401, AuthError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
        (418, ApiError),
    ],
)
def test_status_codes_map_into_the_shared_tree(status: int, kind: type[ApiError]) -> None:
    error = map_error(response(status))
    assert type(error) is kind
    assert error.status == status
    assert error.system == "webcrm"


def test_validation_keeps_webcrms_message_and_body() -> None:
    body = {"Message": "OrganisationName is required", "Type": "ValidationException"}
    error = map_error(response(400, body))
    assert error.message == "OrganisationName is required"
    assert error.body == body


def test_problem_details_errors_are_spelled_out() -> None:
    body = {"title": "One or more validation errors occurred.", "errors": {"Size": ["max 1000"]}}
    assert map_error(response(400, body)).message == (
        "One or more validation errors occurred.; Size: max 1000"
    )


def test_plain_text_and_empty_bodies() -> None:
    assert (
        map_error(response(500, "Object reference not set")).message == "Object reference not set"
    )
    assert map_error(response(404)).message == "HTTP 404"


def test_rate_limit_prefers_header_then_body() -> None:
    body = {"RetryAfterSeconds": 14, "Message": "throttled", "Type": "TooManyRequestsException"}
    header_wins = map_error(response(429, body, {"Retry-After": "3"}))
    body_only = map_error(response(429, body))
    neither = map_error(response(429))
    assert isinstance(header_wins, RateLimitError) and header_wins.retry_after == 3.0
    assert isinstance(body_only, RateLimitError) and body_only.retry_after == 14.0
    assert isinstance(neither, RateLimitError) and neither.retry_after is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [(158, 158), ("158", 158), ({"OrganisationId": 9}, 9), (None, None), (0, None), (True, None)],
)
def test_create_answers(body: Any, expected: int | None) -> None:
    assert id_from_answer(body, "OrganisationId") == expected


def test_records_keep_the_full_dto_and_ignore_unknown_properties() -> None:
    dto = {
        "OrganisationId": 145,
        "OrganisationName": "Akkurat AS 3",
        "OrganisationType": None,
        "OrganisationUpdatedAt": "2018-06-04T08:23:55+00:00",
        "OrganisationCurrencyName": "SEK",  # newer than the 2019 spec
        "OrganisationCustom10": 0.0,
    }
    org = Organisation.from_dto(dto)
    assert org.id == 145 and org.name == "Akkurat AS 3" and org.type == ""
    assert org.updated_at == datetime(2018, 6, 4, 8, 23, 55, tzinfo=UTC)
    assert org.field("OrganisationCustom10") == "0"
    assert org.field("OrganisationMissing") == ""
    copy = org.dto()
    assert copy == dto
    copy["OrganisationName"] = "changed"
    assert org.name == "Akkurat AS 3"  # dto() is a copy


def test_line_and_metadata_accessors() -> None:
    line = QuotationLine.from_dto(
        {"QuotationLineId": "49", "QuotationLineOpportunityId": 158, "QuotationLinePrice": "4050.0"}
    )
    assert (line.id, line.delivery_id, line.price, line.quantity) == (49, 158, 4050.0, 0.0)
    meta = FieldMetadata.from_dto(
        {
            "FieldMetadataFriendlyFieldName": "OrganisationCustom6",
            "FieldMetadataLabel": "Betalningsvillkor",
            "FieldMetadataDropdownListData": [
                {"Text": "-- Välj --", "Value": ""},
                {"Text": "30 dagar", "Value": "30"},
            ],
        }
    )
    assert meta.options == ["-- Välj --", "30 dagar"]


def test_aligned_patch_answer() -> None:
    chunk = [{"OrganisationId": 0}, {"OrganisationId": 5}, {"OrganisationId": 0}]
    results = read_batch_answer(chunk, ["11", "", "OrganisationName is required"], "OrganisationId")
    assert results[:2] == [11, 5]
    assert isinstance(results[2], ValidationError)
    assert results[2].message == "OrganisationName is required"


def test_unaligned_patch_answer_with_ids_for_inserts_only() -> None:
    chunk = [{"OrganisationId": 5}, {"OrganisationId": 0}, {"OrganisationId": 0}]
    assert read_batch_answer(chunk, ["21", "22"], "OrganisationId") == [5, 21, 22]


def test_ambiguous_patch_answer_fails_every_item() -> None:
    chunk = [{"OrganisationId": 0}, {"OrganisationId": 0}]
    results = read_batch_answer(chunk, ["boom"], "OrganisationId")
    assert all(isinstance(r, ValidationError) for r in results)


def test_an_unreadable_timestamp_does_not_break_a_record() -> None:
    org = Organisation.from_dto({"OrganisationId": 1, "OrganisationUpdatedAt": "gestern"})
    assert org.updated_at is None
    assert org.id == 1


@pytest.mark.parametrize(
    ("text", "expected"), [("158", 158), ("Created", None), ("<html>ok</html>", None), ("", None)]
)
def test_a_successful_create_answer_is_read_leniently(text: str, expected: int | None) -> None:
    answer = httpx.Response(
        200, text=text, request=httpx.Request("POST", "https://api.webcrm.test/Organisations")
    )
    assert created_id(answer, "OrganisationId") == expected
