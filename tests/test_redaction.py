"""No secret in any log line: the masking rules, and a real `funchost start` at every host.json log level.

The end-to-end test runs the host as a subprocess with host.json `logging.logLevel.default` set to each level
(Trace turns on uvicorn's ASGI message logger, which dumps the raw query string and headers), sends a function key
in the query string, in `x-functions-key` and in `Authorization`, has the function log its request and a
connection string at every level and raise with the secret in the exception, and checks that no secret reaches the
output while the lines themselves do.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import httpx
import pytest

from funchost.redaction import MASK, RedactingFormatter, redact, register_secret, register_secret_settings
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /api/f?code=abc123 HTTP/1.1", "GET /api/f?code=*** HTTP/1.1"),
        ("/api/f?a=1&code=abc&b=2", "/api/f?a=1&code=***&b=2"),
        ("'query_string': b'code=KEYVALUE'", "'query_string': b'code=***'"),
        ("(b'x-functions-key', b'KEYVALUE'), (b'host', b'h')", "(b'x-functions-key', b'***'), (b'host', b'h')"),
        ("{'x-functions-key': 'KEYVALUE', 'accept': '*/*'}", "{'x-functions-key': '***', 'accept': '*/*'}"),
        ("X-Functions-Key: KEYVALUE", "X-Functions-Key: ***"),
        ("{'authorization': 'Bearer eyJhbGciOi'}", "{'authorization': '***'}"),
        ("AccountName=a;AccountKey=c2VjcmV0==;QueueEndpoint=x", "AccountName=a;AccountKey=***;QueueEndpoint=x"),
        (
            "Endpoint=sb://n/;SharedAccessKeyName=r;SharedAccessKey=abc=",
            "Endpoint=sb://n/;SharedAccessKeyName=r;SharedAccessKey=***",
        ),
        ("SharedAccessSignature sr=x&sig=abc%3D&se=1", "SharedAccessSignature sr=x&sig=***&se=1"),
        ("amqp://user:hunter2@broker:5672/", "amqp://user:***@broker:5672/"),
        ("Server=db;User Id=u;Password=p@ss;", "Server=db;User Id=u;Password=***;"),
        ("encode=fine; decode=fine", "encode=fine; decode=fine"),
        ("http://host:8080/path", "http://host:8080/path"),
    ],
)
def test_secret_shapes_are_masked_and_nothing_else(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_registered_values_are_masked_wherever_they_appear_and_short_ones_are_ignored() -> None:
    register_secret("Zq3-registered-secret-value")
    register_secret("true")  # too short to be told from ordinary words: ignored
    assert redact("{'code': 'Zq3-registered-secret-value'} true") == f"{{'code': '{MASK}'}} true"


def test_settings_named_as_secrets_are_registered_and_others_are_not() -> None:
    register_secret_settings({"KafkaPassword": "pw-4f1b0e2c77", "QueueName": "orders-queue-name"})
    assert redact("pw-4f1b0e2c77 orders-queue-name") == f"{MASK} orders-queue-name"


def test_the_formatter_masks_the_traceback_too() -> None:
    try:
        raise RuntimeError("cannot connect with AccountKey=c2VjcmV0==;")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("code=abc",), sys.exc_info())
    text = RedactingFormatter("%(message)s").format(record)
    assert "c2VjcmV0" not in text and "abc" not in text.split("\n")[0]
    assert "RuntimeError" in text


APP = """
import logging
import os
import azure.functions as func

app = func.FunctionApp()
log = logging.getLogger("user.code")

@app.route(route="guarded")
def guarded(req: func.HttpRequest) -> func.HttpResponse:
    for level in (5, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
        log.log(level, "seen at %d: headers %s params %s url %s", level, dict(req.headers), dict(req.params), req.url)
        log.log(level, "seen at %d: storage %s", level, os.environ["MyStorage"])
    if req.params.get("fail"):
        raise RuntimeError("failing with " + os.environ["MyStorage"])
    return func.HttpResponse("ok")
"""

ACCOUNT_KEY = "QWNjb3VudEtleVNlY3JldFZhbHVlMTIzNDU2Nzg5MA=="


@pytest.mark.parametrize("level", ["Trace", "Debug", "Information", "Warning", "Error"])
def test_no_secret_is_logged_at_any_level(tmp_path: Path, level: str) -> None:
    settings = {"MyStorage": f"DefaultEndpointsProtocol=http;AccountName=acct;AccountKey={ACCOUNT_KEY};"}
    root = write_app(
        tmp_path / "app",
        APP,
        host_json={"version": "2.0", "logging": {"logLevel": {"default": level}}},
        settings=settings,
    )
    with HostProcess(root) as host:
        host.wait_ready()
        keys = json.loads((root / ".funchost" / "keys.json").read_text())
        key = keys["functionKeys"]["guarded"]["default"]
        url = f"{host.base_url}/api/guarded"
        assert httpx.get(url, params={"code": key}).status_code == 200
        assert httpx.get(url, headers={"x-functions-key": key, "authorization": f"Bearer {key}"}).status_code == 200
        assert httpx.get(url, params={"code": key, "fail": "1"}).status_code == 500
        assert httpx.get(url, params={"code": "wrong-key-but-still-a-secret"}).status_code == 401
        host.terminate()
        output = host.output()
    for secret in (key, ACCOUNT_KEY, keys["masterKey"], "wrong-key-but-still-a-secret"):
        assert secret not in output, f"a secret reached the log at level {level}:\n{output}"
    assert "seen at 40: storage" in output  # the user's lines themselves are logged
    if level == "Trace":
        assert "uvicorn.asgi" in output and "code=***" in output  # the ASGI message dump ran, masked
