"""The Lengow twin: the Lengow API's routes, shapes, paging and errors, served over simulated
orders, so a sync runs end to end without a Lengow account.

`orderflow twin` serves it on loopback; the tests start it in a thread and point the real client
at it, faults included. It imports only the engine: seller actions sent to it are judged by the
runtime, and orders are written with the rule file's field paths. The modules:

- `server`: `Twin`, the HTTP server on the standard library, with bounded requests.
- `api`: `TwinService`, what the twin answers to a parsed request, independent of HTTP.
- `orders`: `OrderSource`, what the twin serves, and `GeneratedOrders`, random legal walks.
- `lengow_json`: simulated orders written as Lengow's order JSON.
- `listing`: lists filtered, ordered and cut in pages with `next` links; the page faults.
- `order_index`: the orders served, kept sorted per listing order, so a page costs O(page).
- `faults`: the faults injected on request (429, 5xx, slow answers, duplicated or bad pages),
  and the latency of every answer.
- `odd_orders`: the order faults: orders whose lines disagree, at a status no path reaches for
  their fields, or at a code the rule file does not declare.
- `truth`: what the twin serves, read back, for a test to compare a store with.
- `request_log`: the requests a twin served, to count the order pages asked for twice.
"""
