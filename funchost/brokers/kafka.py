"""Kafka client options: a validated `KafkaSecurity` (funchost/metadata/kafka_security.py) → keyword arguments for
aiokafka's AIOKafkaConsumer/AIOKafkaProducer, including the TLS context built from the binding's PEM files, and
the `Type: message` text of a client error. Used by the trigger, the output binding and the Kafka scaler.

librdkafka verifies the broker certificate against `ssl.ca.location` or the system CA store and checks the host
name; the SSL context here does the same. Kerberos (GSSAPI) uses librdkafka's default service name "kafka".
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from funchost.errors import ConfigurationError
from funchost.metadata.kafka_security import KafkaSecurity, SslFiles


def _refused(where: str, problem: str, fix: str) -> ConfigurationError:
    return ConfigurationError(f"{where}: {problem}. Fix: {fix}")


def ssl_context(files: SslFiles, where: str) -> ssl.SSLContext:
    """Verify the broker with sslCaLocation (or the system CAs); present sslCertificateLocation/sslKeyLocation."""
    for prop, location in (
        ("sslCaLocation", files.ca_location),
        ("sslCertificateLocation", files.certificate_location),
        ("sslKeyLocation", files.key_location),
    ):
        if location and not Path(location).is_file():
            raise _refused(where, f"{prop} '{location}' is not a file", f"point {prop} at a PEM file")
    if files.key_location and not files.certificate_location:
        raise _refused(
            where, "sslKeyLocation is set without sslCertificateLocation", "set sslCertificateLocation as well"
        )
    try:
        context = ssl.create_default_context(cafile=files.ca_location)
        if files.certificate_location:
            context.load_cert_chain(files.certificate_location, files.key_location, files.key_password)
    except (ssl.SSLError, ValueError) as exc:
        raise _refused(
            where,
            f"the SSL files (sslCaLocation/sslCertificateLocation/sslKeyLocation) cannot be loaded: {exc}",
            "use PEM files; set sslKeyPassword if the key is encrypted",
        ) from None
    return context


def client_options(security: KafkaSecurity, where: str) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaConsumer / AIOKafkaProducer."""
    options: dict[str, Any] = {"security_protocol": security.security_protocol}
    if security.sasl_mechanism is not None:
        options["sasl_mechanism"] = security.sasl_mechanism
        if security.sasl_mechanism == "GSSAPI":
            options["sasl_kerberos_service_name"] = "kafka"
        else:
            options["sasl_plain_username"] = security.username
            options["sasl_plain_password"] = security.password
    if security.ssl is not None:
        options["ssl_context"] = ssl_context(security.ssl, where)
    return options


def describe_error(exc: BaseException) -> str:
    """`Type: message` of a client error, without the repetition aiokafka's messages carry."""
    text = str(exc)
    name = type(exc).__name__
    return text if text.startswith(name) else f"{name}: {text}"
