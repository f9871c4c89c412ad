"""Contract tests: /3/customers as reference §4 and §12 record it."""

from __future__ import annotations

import httpx
import pytest


async def _create(http: httpx.AsyncClient, **fields: object) -> httpx.Response:
    return await http.post("customers", json={"Customer": fields})


async def test_create_returns_201_location_and_recorded_defaults(
    fortnox_http: httpx.AsyncClient,
) -> None:
    response = await _create(
        fortnox_http, CountryCode="SE", Name="Customer with Swedish country code"
    )
    assert response.status_code == 201
    assert response.headers["location"] == "customers"
    customer = response.json()["Customer"]
    assert customer["@url"] == "https://api.fortnox.se/3/customers/1"
    assert '"https:\\/\\/api.fortnox.se\\/3\\/customers\\/1"' in response.text
    expected = {
        "Address1": None,
        "City": None,
        "Country": "Sverige",
        "CountryCode": "SE",
        "Currency": "SEK",
        "Active": True,
        "CustomerNumber": "1",
        "Email": "",
        "OrganisationNumber": "",
        "Phone1": None,
        "PriceList": "A",
        "TermsOfPayment": "",
        "Type": "COMPANY",
        "VATType": "SEVAT",
        "WWW": "",
        "ZipCode": None,
        "ShowPriceVATIncluded": False,
        "Comments": None,
        "InvoiceRemark": "",
        "DefaultDeliveryTypes": {"Invoice": "PRINT", "Order": "PRINT", "Offer": "PRINT"},
    }
    assert {key: customer[key] for key in expected} == expected


async def test_get_unknown_customer_is_404_with_capitalised_keys(
    fortnox_http: httpx.AsyncClient,
) -> None:
    response = await fortnox_http.get("customers/999")
    assert response.status_code == 404
    assert response.json() == {
        "ErrorInformation": {"Error": 1, "Message": "Kan inte hitta kunden.", "Code": 2000433}
    }


async def test_numbers_are_max_ever_used_plus_one_and_deleted_numbers_stay_reserved(
    fortnox_http: httpx.AsyncClient,
) -> None:
    await _create(fortnox_http, Name="A")
    explicit = await _create(fortnox_http, Name="B", CustomerNumber="50")
    assert explicit.json()["Customer"]["CustomerNumber"] == "50"
    delete = await fortnox_http.delete("customers/50")
    assert delete.status_code == 204
    assert delete.content == b""
    after = await _create(fortnox_http, Name="C")
    assert after.json()["Customer"]["CustomerNumber"] == "51"
    reuse = await _create(fortnox_http, Name="D", CustomerNumber="50")
    assert reuse.status_code == 400
    assert reuse.json()["ErrorInformation"]["code"] == 2000637
    taken = await _create(fortnox_http, Name="E", CustomerNumber="1")
    assert taken.json()["ErrorInformation"]["code"] == 2000637


@pytest.mark.parametrize("name", ["", "   ", None])
async def test_missing_or_empty_name_is_2000637(
    fortnox_http: httpx.AsyncClient, name: str | None
) -> None:
    response = await _create(fortnox_http, Name=name, City="Uppsala")
    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == 2000637


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Currency", "XYZ"),
        ("PriceList", "Q"),
        ("TermsOfPayment", "99"),
        ("WayOfDelivery", "RAKET"),
        ("CountryCode", "XX"),
        ("CountryCode", "se"),
    ],
)
async def test_unknown_referenced_codes_are_rejected(
    fortnox_http: httpx.AsyncClient, field: str, value: str
) -> None:
    response = await _create(fortnox_http, Name="Ref AB", **{field: value})
    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["message"].startswith("Kunde inte hitta")


@pytest.mark.parametrize("email", ["nope", "a@b", "two@x.se, three@y.se"])
async def test_invalid_email_is_rejected(fortnox_http: httpx.AsyncClient, email: str) -> None:
    response = await _create(fortnox_http, Name="Mail AB", EmailInvoice=email)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("number", "country", "accepted"),
    [
        ("556677-8899", None, True),
        ("5566778899", "SE", True),
        ("19800101-0001", None, True),
        ("556677-8898", None, False),
        ("55667788", None, False),
        ("NO 923 609 016", "NO", True),
    ],
)
async def test_swedish_organisation_numbers_need_a_valid_check_digit(
    fortnox_http: httpx.AsyncClient, number: str, country: str | None, accepted: bool
) -> None:
    response = await _create(
        fortnox_http, Name="Org AB", OrganisationNumber=number, CountryCode=country
    )
    assert (response.status_code == 201) is accepted


async def test_put_is_partial_blank_string_keeps_and_api_blank_clears(
    fortnox_http: httpx.AsyncClient,
) -> None:
    created = await _create(
        fortnox_http,
        Name="Acme AB",
        City="Malmö",
        Comments="VIP",
        CountryCode="SE",
        Email="a@acme.se",
    )
    number = created.json()["Customer"]["CustomerNumber"]
    response = await fortnox_http.put(
        f"customers/{number}",
        json={
            "Customer": {
                "Name": "Acme Sverige AB",
                "City": "",
                "Comments": None,
                "Email": "API_BLANK",
                "CountryCode": "NO",
                "Country": "Mars",
                "CustomerNumber": "77",
            }
        },
    )
    assert response.status_code == 200
    customer = response.json()["Customer"]
    assert customer["Name"] == "Acme Sverige AB"
    assert customer["City"] == "Malmö"
    assert customer["Comments"] == "VIP"
    assert customer["Email"] == ""
    assert customer["Country"] == "Norge"
    assert customer["CustomerNumber"] == number


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Customer": {"Nmae": "typo"}}, 2001399),
        ({"Customers": {"Name": "x"}}, 2001392),
        ({"Customer": {"Active": "yes"}}, 2000134),
        ({"Customer": {"InvoiceFreight": "ten"}}, 2000108),
        ({"Customer": {"Name": "X", "City": "Göteborg 😀"}}, 2000359),
    ],
)
async def test_write_validation_codes(
    fortnox_http: httpx.AsyncClient, body: dict[str, object], code: int
) -> None:
    await _create(fortnox_http, Name="Base AB")
    response = await fortnox_http.put("customers/1", json=body)
    assert response.status_code == 400
    error = response.json()["ErrorInformation"]
    assert error["code"] == code
    assert set(error) == {"error", "message", "code"}


async def test_malformed_json_is_2002115(fortnox_http: httpx.AsyncClient) -> None:
    response = await fortnox_http.post(
        "customers", content=b'{"Customer": {', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["ErrorInformation"] == {
        "error": 1,
        "message": "Error deserializing JSON: JSON_ERROR_SYNTAX",
        "code": 2002115,
    }


async def test_list_items_are_the_recorded_subset_with_nulls_as_empty_strings(
    fortnox_http: httpx.AsyncClient,
) -> None:
    await _create(fortnox_http, Name="Acme AB", Phone1="08-123 45 67")
    response = await fortnox_http.get("customers/")
    body = response.json()
    assert body["MetaInformation"] == {"@TotalResources": 1, "@TotalPages": 1, "@CurrentPage": 1}
    assert body["Customers"] == [
        {
            "@url": "https://api.fortnox.se/3/customers/1",
            "Address1": "",
            "Address2": "",
            "City": "",
            "CustomerNumber": "1",
            "Email": "",
            "Name": "Acme AB",
            "OrganisationNumber": "",
            "Phone": "08-123 45 67",
            "ZipCode": "",
        }
    ]


async def test_filter_active_and_inactive(fortnox_http: httpx.AsyncClient) -> None:
    await _create(fortnox_http, Name="On AB")
    await _create(fortnox_http, Name="Off AB", Active=False)
    active = (await fortnox_http.get("customers", params={"filter": "active"})).json()
    inactive = (await fortnox_http.get("customers", params={"filter": "inactive"})).json()
    assert [c["Name"] for c in active["Customers"]] == ["On AB"]
    assert [c["Name"] for c in inactive["Customers"]] == ["Off AB"]


async def test_a_rejected_update_changes_nothing(fortnox_http: httpx.AsyncClient) -> None:
    await _create(fortnox_http, Name="Atom AB", Email="a@atom.se")
    rejected = await fortnox_http.put(
        "customers/1",
        json={"Customer": {"DefaultDeliveryTypes": {"Invoice": "EMAIL"}, "Email": "broken"}},
    )
    assert rejected.status_code == 400
    customer = (await fortnox_http.get("customers/1")).json()["Customer"]
    assert customer["DefaultDeliveryTypes"]["Invoice"] == "PRINT"
    assert customer["Email"] == "a@atom.se"


async def test_keys_with_slashes_are_addressed_percent_encoded(
    fortnox_http: httpx.AsyncClient,
) -> None:
    created = await _create(fortnox_http, Name="Snedstreck AB", CustomerNumber="K/7")
    assert created.json()["Customer"]["@url"] == "https://api.fortnox.se/3/customers/K%2F7"
    fetched = await fortnox_http.get("customers/K%2F7")
    assert fetched.json()["Customer"]["Name"] == "Snedstreck AB"
