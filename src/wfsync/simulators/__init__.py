"""Simulated Fortnox and webCRM APIs: product code that imitates the vendors as
shared/reference documents them (the stricter reading where the documentation is
unsure), for tests, `wfsync simulate` and `wfsync demo`. Nothing in the sync
engine imports them."""
