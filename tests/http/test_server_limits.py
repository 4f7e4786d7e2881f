"""host.json `extensions.http` request-head, connection and regex limits: Kestrel's defaults, overrides, errors."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from funchost.errors import HostJsonError
from funchost.http.server_limits import ServerLimits, connection_cap, server_limits
from funchost.metadata.host_config import load_host_config
from tests.support.apps import write_app


def limits(tmp_path: Path, http: dict[str, Any], env: dict[str, str] | None = None) -> ServerLimits:
    root = write_app(tmp_path, host_json={"version": "2.0", "extensions": {"http": http}})
    return server_limits(load_host_config(root, env or {}))


def test_the_defaults_are_kestrels_and_aspnets(tmp_path: Path) -> None:
    found = limits(tmp_path, {})
    assert (found.max_header_count, found.max_headers_total_size, found.max_request_line_size) == (100, 32768, 8192)
    assert (found.headers_timeout, found.regex_timeout, found.max_connections) == (30.0, 10.0, None)


def test_host_json_and_environment_set_them(tmp_path: Path) -> None:
    http = {
        "maxRequestHeaderCount": 50,
        "MaxRequestHeadersTotalSize": "65536",
        "maxRequestLineSize": 4096,
        "requestHeadersTimeout": "00:00:05",
        "maxConcurrentConnections": 500,
        "regexConstraintTimeout": "00:00:00.250",
    }
    env = {"AzureFunctionsJobHost__extensions__http__maxRequestHeaderCount": "60"}
    found = limits(tmp_path, http, env)
    assert found == ServerLimits(60, 65536, 4096, 5.0, 500, 0.25)


@pytest.mark.parametrize(
    ("http", "message"),
    [
        ({"maxRequestHeaderCount": 0}, "extensions.http.maxRequestHeaderCount is 0; expected a positive whole number"),
        ({"maxRequestHeadersTotalSize": "big"}, 'maxRequestHeadersTotalSize is "big"'),
        ({"maxRequestLineSize": 1.5}, "maxRequestLineSize is 1.5"),
        ({"maxRequestLineSize": True}, "maxRequestLineSize is true"),
        ({"maxConcurrentConnections": -1}, "remove it to derive the cap from the open-file limit"),
        ({"requestHeadersTimeout": "30s"}, "requestHeadersTimeout '30s' is not a TimeSpan"),  # "30" is 30 days
        ({"regexConstraintTimeout": "00:00:00"}, "regexConstraintTimeout must be longer than 00:00:00"),
    ],
)
def test_bad_values_name_the_file_the_key_and_the_fix(tmp_path: Path, http: dict[str, Any], message: str) -> None:
    with pytest.raises(HostJsonError, match="host.json") as raised:
        limits(tmp_path, http)
    assert message in str(raised.value)


def test_the_connection_cap_leaves_a_quarter_of_the_descriptors_and_at_least_64(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert connection_cap(ServerLimits(), 1024) == 768
    assert connection_cap(ServerLimits(), 200) == 136
    assert connection_cap(ServerLimits(), 1 << 20) == 786432
    assert connection_cap(ServerLimits(max_connections=100), 1024) == 100
    with caplog.at_level(logging.WARNING, "funchost.http"):
        assert connection_cap(ServerLimits(max_connections=5000), 1024) == 768
    assert "maxConcurrentConnections is 5000" in caplog.text and "using 768" in caplog.text
