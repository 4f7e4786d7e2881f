"""RabbitMQ client plumbing (funchost/brokers/rabbitmq.py): URL descriptions and scrubbed client errors never carry
the password; the TLS context that disableCertificateValidation asks for. Pure functions, no broker needed."""

from __future__ import annotations

import ssl

from funchost.brokers.rabbitmq import describe_endpoint, scrub, ssl_context


def test_endpoint_descriptions_and_scrubbed_errors_never_carry_the_password() -> None:
    url = "amqp://user:p%40ss@broker.example:5673/prod"
    assert describe_endpoint(url) == "amqp://broker.example:5673 (vhost 'prod')"
    assert "p@ss" not in scrub(f"failed for {url}; password p@ss", url)
    assert describe_endpoint("amqps://h/") == "amqps://h:5671 (vhost '/')"


def test_certificate_validation_is_only_disabled_for_amqps_when_asked() -> None:
    assert ssl_context("amqps://h/", False) is None  # aio-pika's default: full validation
    assert ssl_context("amqp://h/", True) is None  # no TLS at all
    context = ssl_context("AMQPS://h/", True)
    assert context is not None and context.verify_mode == ssl.CERT_NONE and not context.check_hostname
