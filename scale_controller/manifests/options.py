"""Deploy options: what `funchost kubernetes deploy` was asked for, validated before any object is built.

Names follow `func kubernetes deploy` (reference/keda.md §3.1); defaults are KEDA's ScaledObject defaults (§1.1).
Every invalid value raises `ManifestError` naming the option, the value and the fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from funchost.errors import ConfigurationError

PLATFORMS = ("kubernetes", "openshift")
SCALERS = ("keda", "builtin")
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
CONTAINER_PORT = 8080  # the image's `funchost start` port: unprivileged, as OpenShift's restricted-v2 requires
SCRIPT_ROOT = "/home/site/wwwroot"  # AzureWebJobsScriptRoot in the image
METADATA_PATH = f"{SCRIPT_ROOT}/.funchost/functions.json"  # baked into the image by `funchost build`
MAX_NAME = 50  # "<name>-scaler" and "<name>-http" stay within a 63-character DNS label
_DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


class ManifestError(ConfigurationError):
    """The deploy options or the app cannot be turned into manifests (bad option, missing setting)."""


@dataclass(frozen=True)
class DeployOptions:
    name: str
    image: str
    namespace: str = "default"
    platform: str = "kubernetes"
    scaler: str = "keda"
    min_replicas: int = 0  # minReplicaCount (KEDA default 0)
    max_replicas: int = 100  # maxReplicaCount (KEDA default 100)
    polling_interval: int = 30  # pollingInterval (KEDA default 30 s)
    cooldown_period: int = 300  # cooldownPeriod (KEDA default 300 s)
    service_type: str | None = None  # None: LoadBalancer on Kubernetes, ClusterIP behind a Route on OpenShift
    secret_name: str | None = None  # an existing Secret with the app settings instead of one from local.settings
    keys_secret_name: str | None = None  # default func-keys-kube-secret-<name>, as Core Tools
    pull_secret: str | None = None  # imagePullSecrets

    def __post_init__(self) -> None:
        if not _DNS_LABEL.fullmatch(self.name) or len(self.name) > MAX_NAME:
            _fail("--name", self.name, f"a letter, then lower-case letters, digits and '-', at most {MAX_NAME}")
        if not _DNS_LABEL.fullmatch(self.namespace) or len(self.namespace) > 63:
            _fail("--namespace", self.namespace, "a DNS label: lower-case letters, digits and '-'")
        if not self.image or any(c.isspace() for c in self.image):
            _fail("--image-name", self.image, "an image reference such as registry.example/app:1.0")
        _choose("--platform", self.platform, PLATFORMS)
        _choose("--scaler", self.scaler, SCALERS)
        if self.service_type is not None:
            _choose("--service-type", self.service_type, SERVICE_TYPES)
        if self.min_replicas < 0:
            _fail("--min-replicas", self.min_replicas, "0 or more")
        if self.max_replicas < max(self.min_replicas, 1):
            _fail("--max-replicas", self.max_replicas, f"at least --min-replicas ({self.min_replicas}) and at least 1")
        if self.polling_interval < 1:
            _fail("--polling-interval", self.polling_interval, "at least 1 second (the CRD's minimum)")
        if self.cooldown_period < 0:
            _fail("--cooldown-period", self.cooldown_period, "0 or more seconds")
        for option, value in (
            ("--secret-name", self.secret_name),
            ("--keys-secret-name", self.keys_secret_name),
            ("--pull-secret", self.pull_secret),
        ):
            if value is not None and (not _SUBDOMAIN.fullmatch(value) or len(value) > 253):
                _fail(option, value, "a Secret name: lower-case letters, digits, '-' and '.'")

    @property
    def effective_service_type(self) -> str:
        if self.service_type is not None:
            return self.service_type
        return "ClusterIP" if self.platform == "openshift" else "LoadBalancer"

    @property
    def settings_secret(self) -> str:
        return self.secret_name or self.name

    @property
    def keys_secret(self) -> str:
        return self.keys_secret_name or f"func-keys-kube-secret-{self.name}"


def _choose(option: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _fail(option, value, f"one of {', '.join(allowed)}")


def _fail(option: str, value: object, expected: str) -> None:
    raise ManifestError(f"{option} is {value!r}; expected {expected}. Fix: pass a valid {option}")
