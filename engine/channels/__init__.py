"""Channels: where orders come from and where seller actions go (the Lengow API and its kin).

`engine.rulefile.field_paths` reads fields out of order JSON with the rule file's `sources`,
`field_values` gives each value its canonical form, `order_mapping` turns an order JSON into an
`OrderSnapshot` (or a quarantined value). `lengow` speaks the API (order pages, `actions` out),
over `session` (token, `retry`, paging); `config` holds its settings and `errors` says why a call
failed.
"""
