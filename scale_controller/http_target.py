"""What one HTTP worker of an app should carry, for the scalers of HTTP Deployments (the KEDA HTTP add-on's
HTTPScaledObject, the built-in controller's pods scaler): `http_concurrency(host_config).scale_target`
(host.json `extensions.http.maxConcurrentRequests`, else its default), and the route prefix HTTP functions sit
under.

host.json is read from the document's `scriptRoot` with the environment the metadata was resolved in (so
`AzureFunctionsJobHost__extensions__http__…` overrides count); a document whose script root is not on this
machine gets host.json's defaults, as a missing host.json does.
"""

from __future__ import annotations

from pathlib import Path

from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.http_concurrency import http_concurrency
from scale_controller.app_metadata import AppMetadata

MISSING_ROOT = Path("/nonexistent/funchost-script-root")  # no host.json there: host.json's defaults


def host_config(app: AppMetadata) -> HostConfig:
    root = app.script_root if app.script_root is not None and app.script_root.is_dir() else MISSING_ROOT
    return load_host_config(root, app.environ)


def http_scale_target(app: AppMetadata) -> int:
    """In-flight requests per worker: the HTTP Deployment's AverageValue target."""
    return http_concurrency(host_config(app)).scale_target


def route_prefix(app: AppMetadata) -> str:
    """The document's `routePrefix` (as indexed), else host.json's."""
    prefix = app.document.get("routePrefix")
    return prefix if isinstance(prefix, str) else host_config(app).route_prefix
