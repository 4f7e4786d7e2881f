"""Kafka client options (funchost/brokers/kafka.py): validated security → aiokafka keyword arguments and the TLS
context from PEM files, shared by the trigger, the output binding and the scale controller. The test broker has no
SASL/SSL listener, so the options are pinned here."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from funchost.brokers.kafka import client_options, ssl_context
from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import KafkaSettings
from funchost.metadata.kafka_security import SslFiles, kafka_security


def settings(**changes: Any) -> KafkaSettings:
    base = KafkaSettings(topic="t", broker_list_setting="B", bootstrap_servers="127.0.0.1:9092")
    return KafkaSettings(**{**base.__dict__, **changes})


def test_client_options_and_ssl_context_from_pem_files(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    security = kafka_security(
        settings(
            protocol="sasl_ssl",
            authentication_mode="plain",
            username="$ConnectionString",
            password="secret",
            ssl_ca_location=str(cert),
            ssl_certificate_location=str(cert),
            ssl_key_location=str(key),
        ),
        "F",
    )
    options = client_options(security, "F")
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "PLAIN"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("$ConnectionString", "secret")
    assert options["ssl_context"].check_hostname  # librdkafka verifies the broker's host name too
    assert "secret" not in repr(security)


@pytest.mark.parametrize(
    ("files", "text"),
    [
        (SslFiles(ca_location="/does/not/exist.pem"), "sslCaLocation '/does/not/exist.pem' is not a file"),
        (SslFiles(key_location=__file__), "sslKeyLocation is set without sslCertificateLocation"),
        (SslFiles(ca_location=__file__), "cannot be loaded"),
    ],
)
def test_bad_ssl_files_are_named(files: SslFiles, text: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(text)):
        ssl_context(files, "F")
