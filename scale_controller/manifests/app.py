"""All objects for one app: functions split into an HTTP and an event Deployment as `func kubernetes deploy`
splits them (reference/keda.md §3.2), plus what scales, exposes and configures them.

Differences from Core Tools, on purpose: with `--scaler keda` the HTTP Deployment is scaled by KEDA's HTTP
add-on (an HTTPScaledObject, `keda_http`), from zero; with `--scaler builtin` a second controller
(`<name>-http-scaler`) scales it on its pods' requests in flight, from --min-replicas but at least 1 (nothing
holds HTTP requests at zero without the add-on's interceptor); timer functions keep the event Deployment at 1
or more replicas (a timer has no backlog to wake it); connection strings reach KEDA through a
TriggerAuthentication, never as literals; the built-in controller can replace KEDA (`scaler="builtin"`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from funchost.metadata.warmup import warmup_function
from scale_controller.app_metadata import AppMetadata
from scale_controller.http_target import http_scale_target, route_prefix
from scale_controller.manifests import keda, keda_http, network, rbac, workloads
from scale_controller.manifests.keda_triggers import KedaTrigger, keda_trigger
from scale_controller.manifests.names import events_deployment, http_deployment, http_scaler_name, pod_selector
from scale_controller.manifests.options import DeployOptions, ManifestError
from scale_controller.manifests.scaler_settings import connection_settings, scaler_settings
from scale_controller.manifests.secrets import app_secret, keys_secret, settings_values

LOCAL_MARKERS = ("usedevelopmentstorage=true", "127.0.0.1", "localhost")


@dataclass(frozen=True)
class Manifests:
    objects: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]  # what the user should know (replicas kept up, settings pointing at this machine)


def generate_key() -> str:
    return secrets.token_urlsafe(40)  # as funchost.http.keys.generate_key


def build_manifests(
    app: AppMetadata,
    values: Mapping[str, str],
    options: DeployOptions,
    *,
    key_generator: Callable[[], str] = generate_key,
) -> Manifests:
    """`values`: local.settings.json Values (the settings Secret, unless options.secret_name names one)."""
    if not app.functions:
        raise ManifestError(
            f"{app.origin}: the app has no functions, so there is nothing to deploy. Fix: add a function "
            "(funchost new --template ...) and check 'funchost functions list'"
        )
    warmup = warmup_function(app.functions)  # not a workload of its own: it runs in every pod (env FUNCHOST_WARMUP)
    http = [f.name for f in app.functions if f.is_http]
    others = [f.name for f in app.functions if not f.is_http and f.name != warmup]
    warmed = (warmup,) if warmup is not None else ()
    scaled = {f.name for f in app.event_functions}
    unscaled = [name for name in others if name not in scaled]  # timers
    triggers = [keda_trigger(f) for f in app.event_functions] if options.scaler == "keda" else []
    notes: list[str] = []
    if options.secret_name is None:
        _check_settings(app, triggers, settings_values(values))
        notes += _local_addresses(values)
    objects: list[dict[str, Any]] = []
    if options.secret_name is None:
        objects.append(app_secret(options, values))
    objects.append(keys_secret(options, http, key_generator))  # every function pod reads its keys from it
    event_name = events_deployment(options)
    event_min = max(options.min_replicas, 1) if unscaled else options.min_replicas
    if unscaled and scaled and options.min_replicas == 0:
        notes.append(
            f"timer functions ({', '.join(unscaled)}) keep Deployment {event_name} at 1 replica or more: a timer has "
            "no backlog to wake it from zero"
        )
    if scaled and options.scaler == "builtin":
        objects += [rbac.service_account(options), rbac.role(options, event_name), rbac.role_binding(options)]
    http_controller = http_scaler_name(options)
    if http and options.scaler == "builtin":
        objects += [
            rbac.service_account(options, http_controller),
            rbac.role(options, http_deployment(options), http_controller, list_pods=True),
            rbac.role_binding(options, http_controller),
        ]
    objects += keda.trigger_authentications(options, triggers)
    if http:
        if options.min_replicas == 0 and options.scaler != "keda":
            notes.append(
                f"Deployment {http_deployment(options)} keeps 1 replica or more: without KEDA's HTTP add-on "
                "nothing holds HTTP requests while it is at zero"
            )
        objects.append(  # no spec.replicas: the HTTP add-on or the built-in controller owns the count
            workloads.function_deployment(options, http_deployment(options), "http", [*http, *warmed], replicas=None)
        )
    if others:
        replicas = None if scaled else max(options.min_replicas, 1)
        objects.append(
            workloads.function_deployment(options, event_name, "events", [*others, *warmed], replicas=replicas)
        )
    if scaled and options.scaler == "builtin":
        available = settings_values(values) if options.secret_name is None else app.environ
        objects.append(workloads.scaler_deployment(options, event_name, event_min, scaler_settings(app, available)))
    if http and options.scaler == "builtin":
        selector = pod_selector(options, http_deployment(options))
        http_min = max(options.min_replicas, 1)
        scaler = workloads.scaler_deployment(
            options, http_deployment(options), http_min, (), name=http_controller, http_pods=selector
        )
        objects.append(scaler)
    if http:
        objects.append(network.service(options, http_deployment(options)))
        if options.platform == "openshift":
            objects.append(network.route(options, http_deployment(options)))
        elif options.service_type == "ClusterIP":
            notes.append(
                f"Service {http_deployment(options)} is ClusterIP: reachable inside the cluster (or with kubectl "
                f"port-forward svc/{http_deployment(options)} 8080:80); pass --service-type LoadBalancer for an "
                "external address"
            )
    if http and options.scaler == "keda":  # after the Service: the add-on routes to it
        target, prefix = http_scale_target(app), route_prefix(app)
        objects.append(keda_http.http_scaled_object(options, http_deployment(options), target, prefix))
        notes.append(keda_http.note(options, http_deployment(options)))
    if triggers:
        objects.append(keda.scaled_object(options, event_name, triggers, event_min))
    return Manifests(tuple(objects), tuple(notes))


def _check_settings(app: AppMetadata, triggers: list[KedaTrigger], values: Mapping[str, str]) -> None:
    needed = [(t.function, s) for t in triggers for s in t.settings]
    if not triggers:
        needed = [(f.name, s) for f in app.event_functions for s in connection_settings(f)]
    for function, setting in needed:
        if setting not in values:
            raise ManifestError(
                f"Function '{function}' needs app setting '{setting}' in the cluster, but it is not in "
                "local.settings.json Values, which become the settings Secret. Fix: add "
                f'"{setting}": "<value for the cluster>" to Values, or pass --secret-name with an existing Secret '
                f"that has the key '{setting}'"
            )


def _local_addresses(values: Mapping[str, str]) -> list[str]:
    local = sorted(k for k, v in values.items() if any(m in v.lower() for m in LOCAL_MARKERS))
    if not local:
        return []
    return [
        f"settings {', '.join(local)} point at this machine (localhost / UseDevelopmentStorage=true), which pods "
        "cannot reach: set them to the cluster's addresses in local.settings.json or pass --secret-name"
    ]
