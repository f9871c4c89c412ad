"""Key scenarios again against the other behaviour the webCRM reference allows.

The reference is unsure whether POST /Organisations returns the new id, whether
unset dates are null or .NET's MinValue, and whether timestamps carry an
offset. Our simulator defaults to one reading; these re-runs switch to the
other, so the engine cannot come to depend on either.
"""

import pytest

from tests.scenario.sync.test_customers_flow import (
    test_edits_flow_both_ways_and_different_fields_are_both_kept as test_legacy_edits,
)
from tests.scenario.sync.test_customers_flow import (
    test_fortnox_customer_reaches_webcrm_with_every_field as test_legacy_fortnox_customer,
)
from tests.scenario.sync.test_customers_flow import (
    test_new_webcrm_customer_reaches_fortnox_with_every_field as test_legacy_webcrm_customer,
)
from tests.scenario.sync.test_customers_flow import (
    test_quiet_cycle_after_sync_writes_nothing as test_legacy_quiet_cycle,
)
from tests.scenario.sync.test_customers_rules import (
    test_crash_between_webcrm_create_and_link_makes_no_duplicate as test_legacy_crash,
)
from tests.scenario.sync.test_deliveries_fortnox import (
    test_fortnox_order_becomes_a_faktura_delivery as test_legacy_faktura,
)
from tests.scenario.sync.test_deliveries_webcrm import (
    test_delivery_becomes_an_order_with_lines_and_extras as test_legacy_delivery,
)
from tests.scenario.sync.test_import_scale import (
    test_import_of_300_customers_respects_both_rate_limits as test_legacy_import,
)

pytestmark = pytest.mark.legacy_webcrm

__all__ = [
    "test_legacy_crash",
    "test_legacy_delivery",
    "test_legacy_edits",
    "test_legacy_faktura",
    "test_legacy_fortnox_customer",
    "test_legacy_import",
    "test_legacy_quiet_cycle",
    "test_legacy_webcrm_customer",
]
