"""Channels: where orders come from and where seller actions go (the Lengow API and its kin).

`paths` reads fields out of order JSON with the rule file's `sources`, `order_mapping` turns an
order JSON into an `OrderSnapshot` (or a quarantined value), `lengow` talks to the API over HTTP
and `config` holds its settings.
"""
