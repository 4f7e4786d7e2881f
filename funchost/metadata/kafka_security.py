"""Kafka binding security (protocol, authenticationMode, username/password, ssl*): is the combination usable?

`kafka_security()` is the pure mapping table, used at load time (app_loader) and by everything that connects;
funchost/brokers/kafka.py turns its result into the aiokafka client options (reading the certificate files).

Rules, as the extension applies them (Trigger/KafkaTriggerAttributeBindingProvider.cs
`CreateConsumerConfiguration`, Output/KafkaProducerFactory.cs): the security properties are used only when
protocol or authenticationMode is set; the enums map one to one onto librdkafka's `security.protocol` and
`sasl.mechanisms`, whose default mechanism is GSSAPI (Kerberos, service name "kafka"). librdkafka verifies the
broker certificate against `ssl.ca.location` or the system CA store and checks the host name.

An authenticationMode with a protocol that is not SASL (Plaintext, Ssl, or NotSet, which librdkafka treats as
plaintext) is accepted as Azure accepts it: the extension sets `sasl.mechanisms`, and librdkafka ignores it
because SASL is not used — funchost logs a warning naming the binding and connects without SASL. Combinations
that cannot work (PLAIN/SCRAM without username or password on a SASL protocol) are refused up front with the
property to fix; OAUTHBEARER needs a token provider funchost does not implement yet.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, field

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import KafkaSettings

PROTOCOLS = {
    "notset": "PLAINTEXT",
    "plaintext": "PLAINTEXT",
    "ssl": "SSL",
    "sasl_plaintext": "SASL_PLAINTEXT",
    "sasl_ssl": "SASL_SSL",
}
MECHANISMS = {
    "notset": "GSSAPI",  # librdkafka's default sasl.mechanisms
    "gssapi": "GSSAPI",
    "plain": "PLAIN",
    "scramsha256": "SCRAM-SHA-256",
    "scramsha512": "SCRAM-SHA-512",
}
logger = logging.getLogger("funchost.metadata.kafka_security")
_WARNED: set[tuple[str, str, str]] = set()
SPELLING = {"sasl_plaintext": "SaslPlaintext", "sasl_ssl": "SaslSsl", "plaintext": "Plaintext", "ssl": "Ssl"}


class _Refused(ConfigurationError):
    def __init__(self, where: str, problem: str, fix: str) -> None:
        super().__init__(f"{where}: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class SslFiles:
    ca_location: str | None = None
    certificate_location: str | None = None
    key_location: str | None = None
    key_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class KafkaSecurity:
    """What the client needs; hashable, so outputs with equal settings can share one producer."""

    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl: SslFiles | None = None


def kafka_security(settings: KafkaSettings, where: str) -> KafkaSecurity:
    """The mapping table. `where` names the binding ("Function 'f' (Kafka trigger)"); unusable combinations raise
    a `ConfigurationError` naming it and the property to fix."""
    protocol, mode = settings.protocol, settings.authentication_mode
    if protocol == "notset" and mode == "notset":
        return KafkaSecurity()  # the extension ignores username/password/ssl* in this case
    sasl = protocol in ("sasl_plaintext", "sasl_ssl")
    if mode != "notset" and not sasl:
        given = SPELLING.get(protocol, "NotSet")
        if (where, mode, protocol) not in _WARNED:  # the loader, the listener and the scaler all map it
            _WARNED.add((where, mode, protocol))
            logger.warning(
                "%s: authenticationMode '%s' is ignored because protocol is '%s' (not SASL), as librdkafka ignores "
                "it on Azure; connecting without SASL. To authenticate, set protocol to SaslSsl (or SaslPlaintext)",
                where,
                mode,
                given,
            )
        mode = "notset"
    if mode == "oauthbearer":
        raise _Refused(
            where,
            "authenticationMode 'OAuthBearer' needs an OAuth token provider, which funchost does not implement yet",
            "use Plain, ScramSha256 or ScramSha512 with username and password (or Gssapi)",
        )
    mechanism = MECHANISMS[mode] if sasl else None
    if mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
        for name, value in (("username", settings.username), ("password", settings.password)):
            if not value:
                raise _Refused(
                    where,
                    f"authenticationMode '{mode}' needs '{name}', which is empty",
                    f"set {name} on the binding (usually '%SettingName%' pointing to an app setting)",
                )
    if mechanism == "GSSAPI" and importlib.util.find_spec("gssapi") is None:
        reason = "is not set, so Kerberos (GSSAPI) is used as librdkafka does" if mode == "notset" else "is Gssapi"
        raise _Refused(
            where,
            f"protocol '{SPELLING[protocol]}' with authenticationMode that {reason}, but the Python package "
            "'gssapi' is not installed",
            "set authenticationMode to Plain/ScramSha256/ScramSha512 for username and password, or add gssapi "
            "to requirements.txt for Kerberos",
        )
    files = None
    if protocol in ("ssl", "sasl_ssl"):
        files = SslFiles(
            settings.ssl_ca_location,
            settings.ssl_certificate_location,
            settings.ssl_key_location,
            settings.ssl_key_password,
        )
    if mechanism in (None, "GSSAPI"):
        return KafkaSecurity(PROTOCOLS[protocol], mechanism, ssl=files)
    return KafkaSecurity(PROTOCOLS[protocol], mechanism, settings.username, settings.password, files)
