"""The twin is safe by default: bounded bodies, secrets compared in constant time, env settings.

Requests are written byte by byte on a raw socket, so each test chooses the very header it
sends (an HTTP client would fix a wrong Content-Length before sending it). Every refusal is a
400 with Lengow's JSON error saying why and a closed connection, never a traceback on the
twin's stderr nor a client left waiting.
"""

from __future__ import annotations

import hmac
import http.client
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from cli.sync_commands import twin as twin_command
from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules
from simulator.twin import api as twin_api
from simulator.twin.api import Credentials, TwinRequest
from simulator.twin.orders import Generation
from simulator.twin.server import MAX_BODY_BYTES, Twin, body_length, build_service

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOKEN_PATH = "/access/get_token"
FORM = "Content-Type: application/x-www-form-urlencoded\r\n"


class FixedClock:
    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        raise AssertionError("no fault is set: nothing may wait")


@pytest.fixture(scope="module")
def cdiscount() -> RuleSet:
    return load_rules(REPO / "rules" / "cdiscount.yaml")


def make_twin(rules: RuleSet, read_timeout: float = 30.0, **credentials: str) -> Twin:
    service = build_service(
        [rules],
        plan=Generation(count=5, seed=3),
        clock=FixedClock(),
        credentials=Credentials(**credentials),
    )
    return Twin(service, read_timeout=read_timeout)


@pytest.fixture
def twin(cdiscount: RuleSet) -> Iterator[Twin]:
    with make_twin(cdiscount) as running:
        yield running


def send(
    twin: Twin, head: str, body: bytes = b"", end_body: bool = False
) -> tuple[int, object, str | None]:
    """Write `head` (request line and headers) and `body` as given; the status, JSON body and
    Connection header of the answer. `end_body` closes the sending side after the body."""
    parts = urlsplit(twin.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        if end_body:
            sock.shutdown(socket.SHUT_WR)
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, json.loads(answer.read()), answer.getheader("Connection")


def post_token(length_headers: str) -> str:
    return f"POST {TOKEN_PATH} HTTP/1.1\r\nHost: twin\r\n{FORM}{length_headers}"


def refused(message: str) -> tuple[int, object, str]:
    return 400, {"error": {"code": 400, "message": message}}, "close"


# -- the body ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ("", "a POST needs a Content-Length header"),
        ("Content-Length: -1\r\n", "Content-Length cannot be negative, found '-1'"),
        ("Content-Length: ten\r\n", "Content-Length must be a number of bytes, found 'ten'"),
        ("Content-Length: 0x10\r\n", "Content-Length must be a number of bytes, found '0x10'"),
        (
            "Content-Length: 1048577\r\n",
            "the body is too large: Content-Length '1048577'; the twin reads at most "
            "1,048,576 bytes (1 MiB)",
        ),
        (
            f"Content-Length: {'9' * 5000}\r\n",
            f"the body is too large: Content-Length '{'9' * 20}...'; the twin reads at most "
            "1,048,576 bytes (1 MiB)",
        ),
        (
            "Content-Length: 5\r\nContent-Length: 6\r\n",
            "Content-Length is given 2 times, differently",
        ),
        (
            "Transfer-Encoding: chunked\r\n",
            "Transfer-Encoding is not supported: send a Content-Length",
        ),
    ],
    ids=["missing", "negative", "words", "hex", "huge", "5000-digits", "twice", "chunked"],
)
def test_a_body_the_twin_will_not_read_is_refused_with_why(
    twin: Twin, capfd: pytest.CaptureFixture[str], headers: str, message: str
) -> None:
    assert send(twin, post_token(headers)) == refused(message)
    assert "Traceback" not in capfd.readouterr().err


def test_a_body_shorter_than_announced_is_refused_when_it_ends(twin: Twin) -> None:
    answer = send(twin, post_token("Content-Length: 10\r\n"), b"abc", end_body=True)
    assert answer == refused("the body ended after 3 of its 10 bytes")


def test_a_body_that_stops_arriving_is_refused_after_the_read_timeout(cdiscount: RuleSet) -> None:
    with make_twin(cdiscount, read_timeout=0.2) as running:
        answer = send(running, post_token("Content-Length: 10\r\n"), b"abc")
    assert answer == refused("the body of 10 bytes did not arrive within 0.2 s")


def test_a_body_of_exactly_the_limit_is_read(twin: Twin) -> None:
    form = b"access_token=a&secret=b&padding="
    body = form + b"x" * (MAX_BODY_BYTES - len(form))
    status, answer, _ = send(twin, post_token(f"Content-Length: {len(body)}\r\n"), body)
    assert (status, sorted(answer)) == (200, ["account_id", "token"])  # type: ignore[arg-type]


def test_a_get_needs_no_content_length_and_the_connection_stays_open(twin: Twin) -> None:
    status, answer, connection = send(twin, "GET /_twin/faults HTTP/1.1\r\nHost: twin\r\n")
    assert (status, connection) == (200, None)
    assert isinstance(answer, dict) and answer["slow"] == 0


def test_body_lengths() -> None:
    assert body_length("GET", []) == 0
    assert body_length("POST", ["0"]) == 0
    assert body_length("POST", [" 42 "]) == 42
    assert body_length("POST", ["7", "7"]) == 7  # repeated, not contradicted
    assert body_length("POST", [str(MAX_BODY_BYTES)]) == 1_048_576
    assert body_length("POST", ["0" * 5000 + "12"]) == 12  # int() refuses 5,000 digits
    assert body_length("POST", ["0" * 5000]) == 0
    assert body_length("DELETE", ["+3"]) == "Content-Length must be a number of bytes, found '+3'"
    assert body_length("POST", ["²"]) == "Content-Length must be a number of bytes, found '²'"


# -- the secrets -------------------------------------------------------------------------------


def test_a_wrong_token_of_equal_length_is_refused_both_compared_in_constant_time(
    cdiscount: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = make_twin(cdiscount, access_token="access", secret="secret").service
    compared: list[tuple[bytes, bytes]] = []
    constant_time = hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return constant_time(given, expected)

    monkeypatch.setattr(twin_api.hmac, "compare_digest", spy)

    def ask(token: str, secret: str) -> tuple[int, object]:
        form = {"access_token": token, "secret": secret}
        reply = service.handle(TwinRequest("POST", TOKEN_PATH, form=form))
        return reply.status, reply.body

    invalid = (401, {"error": {"code": 401, "message": "Invalid access_token or secret"}})
    assert ask("accesX", "secret") == invalid
    assert compared == [(b"accesX", b"access"), (b"secret", b"secret")]  # the secret too
    assert ask("access", "secreX") == invalid
    assert ask("accès", "secret") == invalid  # not ASCII: compared as UTF-8 bytes
    status, body = ask("access", "secret")
    assert status == 200 and isinstance(body, dict) and len(str(body["token"])) == 32
    assert len(compared) == 8


# -- the command -------------------------------------------------------------------------------


def test_the_credentials_come_from_the_sync_s_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers: list[int] = []

    def serve_a_moment(self: Twin) -> None:  # instead of serving until Ctrl-C
        with self:
            for token, secret in [("env-token", "env-secret"), ("env-tokeX", "env-secret")]:
                body = f"access_token={token}&secret={secret}".encode()
                head = post_token(f"Content-Length: {len(body)}\r\n")
                answers.append(send(self, head, body)[0])

    monkeypatch.setattr(Twin, "serve_forever", serve_a_moment)
    env = {"LENGOW_ACCESS_TOKEN": "env-token", "LENGOW_SECRET": "env-secret"}
    result = CliRunner().invoke(twin_command, ["--port", "0", "--orders", "3"], env=env)
    assert result.exit_code == 0, result.output
    assert answers == [200, 401]
    assert "LENGOW_ACCESS_TOKEN=<yours> LENGOW_SECRET=<yours>" in result.output
    assert "env-token" not in result.output and "env-secret" not in result.output
    help_text = " ".join(CliRunner().invoke(twin_command, ["--help"]).output.split())
    assert "[env var: LENGOW_ACCESS_TOKEN]" in help_text
    assert "[env var: LENGOW_SECRET]" in help_text
