"""A Lengow-compatible HTTP service on loopback, backed by simulated marketplace orders.

`orderflow twin --port N` lets `orderflow sync` (and any Lengow client) be run end to end without
a Lengow account: the same routes, JSON shapes, paging and errors as the real API, over real
HTTP, plus faults on request. It is built on the standard library's `ThreadingHTTPServer`; the
answers come from `simulator.twin.api.TwinService`, the orders from an `OrderSource` (by default
`GeneratedOrders` over the rule files). `Twin` starts it in a background thread for tests
(`with Twin(service) as twin: twin.url`, port 0 picks a free port) or serves until Ctrl-C.

What a client sends is bounded: a body is read only with a valid `Content-Length` of at most
`MAX_BODY_BYTES` (a POST must have one), a request must arrive within `READ_TIMEOUT`; anything
else is answered 400 with a JSON error saying why, and the connection is closed, so no client can
make the twin print a traceback, hold a thread forever or read a body without end.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from engine.model.clock import Clock, SystemClock
from engine.model.definition import RuleSet
from simulator.twin.api import Credentials, Html, TwinReply, TwinRequest, TwinService, error
from simulator.twin.faults import Faults
from simulator.twin.lengow_json import LengowRenderer
from simulator.twin.orders import GeneratedOrders, Generation, OrderSource

# A Lengow form or a faults object is a few hundred bytes; a megabyte is plenty and still cheap.
MAX_BODY_BYTES = 1024 * 1024
# Seconds a client may take to send a request line, its headers or its body.
READ_TIMEOUT = 30.0
_CLOSE = {"Connection": "close"}  # the rest of a refused request is not read: start afresh


def build_service(
    rule_sets: Sequence[RuleSet],
    *,
    plan: Generation | None = None,
    faults: Faults | None = None,
    clock: Clock | None = None,
    credentials: Credentials | None = None,
    source: OrderSource | None = None,
) -> TwinService:
    """A twin over `source`, or over orders generated from `rule_sets` by `plan`."""
    clock = clock or SystemClock()
    credentials = credentials or Credentials()
    plan = plan or Generation(account_id=credentials.account_id)
    if source is None:
        source = GeneratedOrders(rule_sets, clock.now(), plan)
    marketplaces = {
        r.marketplace.code: LengowRenderer(r, credentials.account_id).marketplace_entry()
        for r in rule_sets
    }
    return TwinService(
        source, clock, credentials, faults or Faults(), marketplaces, tuple(rule_sets)
    )


def body_length(method: str, declared: Sequence[str], chunked: bool = False) -> int | str:
    """How many body bytes to read for these `Content-Length` values, or why none are read."""
    if chunked:
        return "Transfer-Encoding is not supported: send a Content-Length"
    if not declared:
        return "a POST needs a Content-Length header" if method == "POST" else 0
    if len(set(declared)) > 1:
        return f"Content-Length is given {len(declared)} times, differently"
    text = declared[0].strip()
    shown = repr(text if len(text) <= 20 else text[:20] + "...")
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return f"Content-Length must be a number of bytes, found {shown}"
    if text.startswith("-"):
        return f"Content-Length cannot be negative, found {shown}"
    significant = digits.lstrip("0") or "0"  # int() of thousands of digits raises
    if len(significant) > len(str(MAX_BODY_BYTES)) or int(significant) > MAX_BODY_BYTES:
        limit = f"{MAX_BODY_BYTES:,} bytes ({MAX_BODY_BYTES // 1024**2} MiB)"
        return f"the body is too large: Content-Length {shown}; the twin reads at most {limit}"
    return int(significant)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        service: TwinService,
        verbose: bool,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        super().__init__(address, _Handler)
        self.service = service
        self.verbose = verbose
        self.read_timeout = read_timeout


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stall
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # a silent client is let go

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _body(self) -> str | TwinReply:
        """The body as text, or a 400 saying why it is not read."""
        length = body_length(
            self.command,
            self.headers.get_all("Content-Length") or [],
            chunked=self.headers.get("Transfer-Encoding") is not None,
        )
        if isinstance(length, str):
            return error(400, length, _CLOSE)
        try:
            raw = self.rfile.read(length) if length else b""
        except TimeoutError:
            wait = self.server.read_timeout
            return error(
                400, f"the body of {length:,} bytes did not arrive within {wait:g} s", _CLOSE
            )
        if len(raw) < length:
            return error(400, f"the body ended after {len(raw):,} of its {length:,} bytes", _CLOSE)
        return raw.decode("utf-8", "replace")

    def _request(self) -> TwinRequest | TwinReply:
        parts = urlsplit(self.path)
        raw = self._body()
        if isinstance(raw, TwinReply):
            return raw
        kind = self.headers.get("Content-Type", "")
        body: object = None
        if "json" in kind and raw:
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                return error(400, "the body is not valid JSON")
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return TwinRequest(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            form=dict(parse_qsl(raw, keep_blank_values=True)) if "form" in kind else {},
            body=body,
            authorization=self.headers.get("Authorization"),
            base_url=f"http://{host}",
        )

    def _serve(self) -> None:
        request = self._request()
        reply = request if isinstance(request, TwinReply) else self.server.service.handle(request)
        if reply.delay > 0:
            self.server.service.clock.sleep(reply.delay)
        if isinstance(reply.body, Html):
            payload, kind = reply.body.text.encode("utf-8"), "text/html; charset=utf-8"
        else:
            payload, kind = json.dumps(reply.body).encode("utf-8"), "application/json"
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a slow-answer fault)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:  # request lines only: never a header or a body
            sys.stderr.write(f"twin: {self.address_string()} {format % args}\n")


class Twin:
    """The twin's HTTP server; `start()` serves in a thread, `serve_forever()` in this one."""

    def __init__(
        self,
        service: TwinService,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.service = service
        self._server = _Server((host, port), service, verbose, read_timeout)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Twin:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="lengow-twin", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Twin:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
