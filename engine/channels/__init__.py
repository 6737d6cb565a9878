"""Channels: where orders come from and where seller actions go (the Lengow API and its kin).

A channel speaks an integrator's API and hands the engine `OrderSnapshot`s. Where each field of
an order JSON is read is the rule file's business (`engine.rulefile.field_paths`), so channels
import engine.model and engine.rulefile, and nothing else of ours. The modules:

- `lengow`: the Lengow API in its own words: order pages by `updated_at` window, an action sent
  only when the queue holds no identical one.
- `session`: one authenticated conversation: the token cached and renewed, retries, pages
  followed on our own host.
- `json_text`: JSON text to values, exactly as `json.loads` reads it (orjson where that is the
  same).
- `retry`: how long to wait before a call is tried again (backoff with jitter, `Retry-After`).
- `config`: the API settings, from the environment or a TOML file, with the secrets masked.
- `errors`: why a call failed, by cause: unavailable, authentication, rejected, protocol.
- `actions`: seller actions as the API lists them, and when two of them are the same action.
- `order_mapping`: an order JSON to an `OrderSnapshot`, or to a `Quarantined` value and why.
- `field_values`: raw JSON values to the canonical values of the rule file's field types.
- `loopback`: whether an address stays on this machine (safe to serve or send in the clear).
"""
