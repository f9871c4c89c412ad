"""The product catalogue: ``/QuotationLines/LinkedData`` (reference §8).

Unpaged (``Page``/``Size`` are ignored, the whole list comes back), every
``…Data1…9`` must be non-empty, prices may be ``null``, and ``DELETE`` without an
id clears the entire catalogue — as on the real service. ``LinkedSetup``
describes which data column means what, from the wfsync catalogue defaults.
"""

from __future__ import annotations

from starlette.responses import Response

from wfsync.simulators.webcrm.backend import Backend
from wfsync.simulators.webcrm.crud import CrudEndpoints
from wfsync.simulators.webcrm.routing import Call, Router, empty, json_response

__all__ = ["linked_setup", "register"]


def linked_setup() -> dict[str, object]:
    """``QuotationLineLinkedSetupDto``: Data1 article number, Data2 name, Data3 unit."""
    prefix = "QuotationLineLinkedSetup"
    setup: dict[str, object] = {f"{prefix}Id": 1, f"{prefix}EntityType": "Product"}
    labels = {1: 1, 2: 2, 3: 3}
    for n in range(1, 10):
        setup[f"{prefix}Field{n}"] = labels.get(n, 0)
        setup[f"{prefix}UseLinkedField{n}"] = n in labels
    setup.update(
        {
            f"{prefix}MemoField": 0,
            f"{prefix}LinkMode": "Regular",
            f"{prefix}LookupMode": "FreeTextSearch",
            f"{prefix}IsUniqueValueRequired": True,
            f"{prefix}UseItemGroup": True,
            f"{prefix}UseCostPrice": True,
            f"{prefix}UseListPrice": True,
            f"{prefix}UseQuantity": True,
            f"{prefix}UseDiscount": True,
            f"{prefix}UseVat": True,
            f"{prefix}UseVatPerLine": True,
            f"{prefix}UseIntegerPrice": False,
            f"{prefix}UseIntegerQuantity": False,
            f"{prefix}UseIntegerDiscount": False,
            f"{prefix}CostPriceEditMode": "Always",
            f"{prefix}PriceLabel": "Pris",
            f"{prefix}ListPriceLabel": "Listpris",
            f"{prefix}CostPriceLabel": "Inköpspris",
            f"{prefix}QuantityLabel": "Antal",
        }
    )
    return setup


def register(router: Router, backend: Backend) -> None:
    catalogue = backend.catalogue
    endpoints = CrudEndpoints(catalogue, "/QuotationLines/LinkedData")

    async def everything(call: Call) -> Response:
        del call
        return json_response([catalogue.render(item) for item in catalogue.rows()])

    async def clear(call: Call) -> Response:
        del call
        catalogue.clear()
        return empty()

    async def setup(call: Call) -> Response:
        del call
        return json_response(linked_setup())

    router.get("/QuotationLines/LinkedData", everything)
    router.get("/QuotationLines/LinkedData/{id:int}", endpoints.read)
    router.post("/QuotationLines/LinkedData", endpoints.create)
    router.put("/QuotationLines/LinkedData/{id:int}", endpoints.replace)
    router.delete("/QuotationLines/LinkedData/{id:int}", endpoints.delete)
    router.delete("/QuotationLines/LinkedData", clear)
    router.get("/QuotationLines/LinkedSetup", setup)
