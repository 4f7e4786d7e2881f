"""Kafka binding security: which protocol/authenticationMode combinations are usable (funchost/metadata/
kafka_security.py), checked at load and by the trigger, the output binding and the scale controller. The test broker
has no SASL/SSL listener, so the table is pinned here."""

from __future__ import annotations

from typing import Any

import pytest

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import KafkaSettings, parse_kafka
from funchost.metadata.kafka_security import KafkaSecurity, SslFiles, kafka_security
from funchost.metadata.spec import BindingSpec


def settings(**changes: Any) -> KafkaSettings:
    base = KafkaSettings(topic="t", broker_list_setting="B", bootstrap_servers="127.0.0.1:9092")
    return KafkaSettings(**{**base.__dict__, **changes})


@pytest.mark.parametrize(
    ("protocol", "mode", "expected"),
    [
        ("notset", "notset", KafkaSecurity()),
        ("plaintext", "notset", KafkaSecurity("PLAINTEXT")),
        ("sasl_plaintext", "plain", KafkaSecurity("SASL_PLAINTEXT", "PLAIN", "u", "p")),
        ("sasl_ssl", "scramsha256", KafkaSecurity("SASL_SSL", "SCRAM-SHA-256", "u", "p", SslFiles())),
        ("sasl_ssl", "scramsha512", KafkaSecurity("SASL_SSL", "SCRAM-SHA-512", "u", "p", SslFiles())),
        ("ssl", "notset", KafkaSecurity("SSL", ssl=SslFiles())),
    ],
)
def test_security_mapping(protocol: str, mode: str, expected: KafkaSecurity) -> None:
    assert kafka_security(settings(protocol=protocol, authentication_mode=mode, username="u", password="p"), "F") == (
        expected
    )


def test_notset_ignores_credentials_like_the_extension() -> None:
    assert kafka_security(settings(username="u", password="p", ssl_ca_location="/nope"), "F") == KafkaSecurity()


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"protocol": "sasl_ssl", "authentication_mode": "plain", "password": "p"}, ["'username'"]),
        ({"protocol": "sasl_ssl", "authentication_mode": "scramsha512", "username": "u"}, ["'password'"]),
        ({"protocol": "sasl_ssl", "authentication_mode": "oauthbearer"}, ["OAuthBearer", "Plain"]),
        ({"protocol": "sasl_ssl", "authentication_mode": "notset"}, ["GSSAPI", "authenticationMode", "gssapi"]),
    ],
)
def test_unusable_security_combinations_are_refused(changes: dict[str, str], names: list[str]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        kafka_security(settings(**changes), "Function 'orders' (Kafka trigger on topic 't')")
    message = str(caught.value)
    assert message.startswith("Function 'orders'") and "Fix:" in message
    assert all(name in message for name in names), message


@pytest.mark.parametrize(
    ("protocol", "mode", "expected"),
    [
        ("plaintext", "plain", KafkaSecurity()),
        ("notset", "scramsha256", KafkaSecurity()),
        ("ssl", "plain", KafkaSecurity("SSL", ssl=SslFiles())),
        ("plaintext", "oauthbearer", KafkaSecurity()),
    ],
)
def test_an_authentication_mode_without_sasl_is_ignored_with_a_warning(
    protocol: str, mode: str, expected: KafkaSecurity, caplog: pytest.LogCaptureFixture
) -> None:
    """Azure hands authenticationMode to librdkafka as sasl.mechanisms, which it ignores unless the protocol is
    SASL: the binding works there, unauthenticated, so it must work here too — with a warning saying so."""
    with caplog.at_level("WARNING", logger="funchost.metadata.kafka_security"):
        got = kafka_security(settings(protocol=protocol, authentication_mode=mode, username="u"), "Function 'orders'")
    assert got == expected
    warning = caplog.records[-1].getMessage()
    assert warning.startswith("Function 'orders': authenticationMode") and "SaslSsl" in warning, warning


@pytest.mark.parametrize("spelling", ["SASLSSL", "SaslSsl", "SASL_SSL", "sasl_ssl"])
def test_protocol_spellings_of_decorators_and_function_json(spelling: str) -> None:
    raw = {"name": "e", "type": "kafkaTrigger", "topic": "t", "brokerList": "127.0.0.1:1", "protocol": spelling}
    raw |= {"authenticationMode": "SCRAMSHA512"}
    parsed = parse_kafka(BindingSpec.from_dict(raw), "f", {})
    assert (parsed.protocol, parsed.authentication_mode) == ("sasl_ssl", "scramsha512")
