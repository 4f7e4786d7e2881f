"""Deploy options: what `funchost kubernetes deploy` was asked for, validated before any object is built.

Names follow `func kubernetes deploy` (reference/keda.md §3.1); defaults are KEDA's ScaledObject defaults (§1.1).
Every invalid value raises `ManifestError` naming the option, the value and the fix.

Locked down by default (docs/security.md): the Service is `ClusterIP` (`--service-type LoadBalancer` opts in to an
external address), and every function container gets resource requests and a memory limit (`DEFAULT_RESOURCES`; no
CPU limit unless asked: a CPU limit throttles the app's start-up imports and buys nothing once CPU is requested).
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
_QUANTITY = re.compile(r"(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?")  # the Kubernetes forms we accept
DEFAULT_RESOURCES = {"cpu_request": "100m", "memory_request": "128Mi", "cpu_limit": None, "memory_limit": "512Mi"}
_DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_HOST = re.compile(r"(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


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
    service_type: str = "ClusterIP"  # LoadBalancer / NodePort only when asked for
    cpu_request: str | None = DEFAULT_RESOURCES["cpu_request"]  # None leaves the field out
    memory_request: str | None = DEFAULT_RESOURCES["memory_request"]
    cpu_limit: str | None = DEFAULT_RESOURCES["cpu_limit"]
    memory_limit: str | None = DEFAULT_RESOURCES["memory_limit"]
    secret_name: str | None = None  # an existing Secret with the app settings instead of one from local.settings
    keys_secret_name: str | None = None  # default func-keys-kube-secret-<name>, as Core Tools
    pull_secret: str | None = None  # imagePullSecrets
    http_hosts: tuple[str, ...] = ()  # the HTTPScaledObject's hosts (--scaler keda); default <name>.<namespace>

    def __post_init__(self) -> None:
        if not _DNS_LABEL.fullmatch(self.name) or len(self.name) > MAX_NAME:
            _fail("--name", self.name, f"a letter, then lower-case letters, digits and '-', at most {MAX_NAME}")
        if not _DNS_LABEL.fullmatch(self.namespace) or len(self.namespace) > 63:
            _fail("--namespace", self.namespace, "a DNS label: lower-case letters, digits and '-'")
        if not self.image or any(c.isspace() for c in self.image):
            _fail("--image-name", self.image, "an image reference such as registry.example/app:1.0")
        _choose("--platform", self.platform, PLATFORMS)
        _choose("--scaler", self.scaler, SCALERS)
        _choose("--service-type", self.service_type, SERVICE_TYPES)
        for option, quantity in (
            ("--cpu-request", self.cpu_request),
            ("--memory-request", self.memory_request),
            ("--cpu-limit", self.cpu_limit),
            ("--memory-limit", self.memory_limit),
        ):
            if quantity is not None and not _QUANTITY.fullmatch(quantity):
                _fail(
                    option, quantity, "a Kubernetes quantity such as 250m or 0.5 (CPU), 256Mi or 1Gi (memory), or none"
                )
        for kind, request, limit in (
            ("cpu", self.cpu_request, self.cpu_limit),
            ("memory", self.memory_request, self.memory_limit),
        ):
            if request is not None and limit is not None and quantity_value(request) > quantity_value(limit):
                _fail(
                    f"--{kind}-request",
                    request,
                    f"at most --{kind}-limit ({limit}): Kubernetes refuses a request above the limit",
                )
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

        for host in self.http_hosts:
            if not _HOST.fullmatch(host) or len(host) > 253:
                _fail("--http-host", host, "a host name such as orders.example.com (or *.example.com)")

    @property
    def resources(self) -> dict[str, dict[str, str]]:
        """The function container's `resources`: requests and limits that are set."""
        requests = {"cpu": self.cpu_request, "memory": self.memory_request}
        limits = {"cpu": self.cpu_limit, "memory": self.memory_limit}
        result = {
            part: {name: value for name, value in values.items() if value is not None}
            for part, values in (("requests", requests), ("limits", limits))
        }
        return {part: values for part, values in result.items() if values}

    @property
    def settings_secret(self) -> str:
        return self.secret_name or self.name

    @property
    def keys_secret(self) -> str:
        return self.keys_secret_name or f"func-keys-kube-secret-{self.name}"


_SUFFIX = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_SUFFIX |= {f"{p}i": 1024.0 ** (i + 1) for i, p in enumerate("KMGTPE")}


def quantity_value(quantity: str) -> float:
    """`250m` → 0.25, `1Gi` → 1073741824.0: a quantity accepted by `DeployOptions` as a number, to compare two."""
    match = _QUANTITY.fullmatch(quantity)
    assert match is not None
    return float(match[1]) * _SUFFIX.get(match[3] or "", 1.0)


def _choose(option: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _fail(option, value, f"one of {', '.join(allowed)}")


def _fail(option: str, value: object, expected: str) -> None:
    raise ManifestError(f"{option} is {value!r}; expected {expected}. Fix: pass a valid {option}")
