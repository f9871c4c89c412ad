"""Deliveries: a webCRM delivery ⇄ a Fortnox order or invoice, lines included.

``sync`` reads and merges a pair; ``write`` turns the merge into a plan and sends
it to both sides; ``create`` gives an unlinked delivery or document its copy on
the other side (its customer first, through :mod:`wfsync.sync.customers`).
"""

from wfsync.sync.deliveries.sync import DeliverySync
from wfsync.sync.deliveries.write import KIND

__all__ = ["KIND", "DeliverySync"]
