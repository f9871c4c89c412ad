"""Other readings of what the reference leaves open, switchable per simulator.

The defaults follow the reference's §11 (and the stricter choice elsewhere).
Real servers may answer differently where the documentation is silent; a
client must cope with every documented possibility, and these switches let a
test prove that it does::

    sim.quirks.organisation_create_returns_id = False   # POST /Organisations: empty 200
    sim.quirks.unset_dates_as_min_value = True          # "0001-01-01T00:00:00" instead of null
    sim.quirks.timestamps_with_offset = True            # "2024-05-01T08:00:00.123+00:00"
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Quirks"]


@dataclass
class Quirks:
    #: §3.3: the spec declares no body for POST /Organisations; webCRM's own code looked
    #: the new organisation up by a unique custom field.
    organisation_create_returns_id: bool = True
    #: §3.1: 2018 captures show .NET DateTime.MinValue for "no date".
    unset_dates_as_min_value: bool = False
    #: §3.1/§9.4: 2018 captures carry an explicit ``+00:00``.
    timestamps_with_offset: bool = False
