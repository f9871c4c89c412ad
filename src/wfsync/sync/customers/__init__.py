"""Customers, both ways: a webCRM organisation ⇄ a Fortnox customer.

``sync`` reads, matches and merges one record and writes what differs through the
applier; ``create`` gives an unlinked record its link (a create on the other side
or the adoption of the record that matches it). Nothing here knows deliveries or
articles; they ask for a customer through :class:`CustomerSync`.
"""

from wfsync.sync.customers.sync import KIND, CustomerSync

__all__ = ["KIND", "CustomerSync"]
