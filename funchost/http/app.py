"""`build_http_app()`: the host's Starlette app — function routes, keys, admin API, probes, metrics, lifespans.

HTTP-streams functions (FastAPI types, `funchost.http.streams`) get their own endpoint; the plain path is untouched.
Functions at `/{routePrefix}/{route}` are served by the `FunctionDispatch` middleware (each behind the
`HttpThrottle` of host.json maxConcurrentRequests / maxOutstandingRequests), in front of the host's own
routes (`/healthz`, `/readyz`, `/metrics`, everything under `/admin`), which it never claims. Everything
per-function (route template, accepted keys, endpoint) is built here, once; a request only walks the table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import Executor
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from starlette.applications import Starlette
from starlette.types import ASGIApp

from funchost.errors import ConfigurationError
from funchost.http.admin import AdminApi, ManualTrigger
from funchost.http.auth import DisabledFunction, protect
from funchost.http.dispatch import FunctionDispatch
from funchost.http.endpoints import AsgiEndpoint, FunctionEndpoint, WsgiEndpoint
from funchost.http.health import HostStatus, health_routes
from funchost.http.homepage import homepage_routes
from funchost.http.keys import KeyStore
from funchost.http.lifespan import AppLifespan
from funchost.http.redact import install_key_redaction
from funchost.http.regex_constraint import SlowRegexMatcher
from funchost.http.routing import RouteSpec, RouteTable
from funchost.http.server_limits import server_limits
from funchost.http.streams import stream_endpoint
from funchost.http.throttle import HttpThrottle
from funchost.http.webhooks import BlobReceivers, ExtensionWebhooks
from funchost.invocation import FunctionInvoker
from funchost.metadata.app_loader import LoadedApp
from funchost.metadata.binding_settings import HttpTriggerSettings
from funchost.metadata.http_concurrency import http_concurrency
from funchost.metadata.indexing import IndexedFunction
from funchost.metrics import HostMetrics

ExtraLifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def build_http_app(
    app: LoadedApp,
    invokers: Mapping[str, FunctionInvoker],
    *,
    keys: KeyStore,
    metrics: HostMetrics,
    status: HostStatus,
    manual_trigger: ManualTrigger,
    lifespan: ExtraLifespan | None = None,
    wsgi_executor: Executor | None = None,
    blob_receivers: BlobReceivers | None = None,
    throttle: HttpThrottle | None = None,
) -> ASGIApp:
    """The ASGI app to serve. Raises `ConfigurationError` for invalid or clashing routes.

    `invokers` maps function name → invoker (functions served natively as ASGI/WSGI apps need none; the invokers
    send non-HTTP outputs themselves); `lifespan` runs inside the app's lifespan, after the native ASGI apps
    started; WSGI apps run on `wsgi_executor` (default: the event loop's default executor); `blob_receivers` finds
    the running EventGrid-source blob trigger that /runtime/webhooks/blobs hands events to. Every function route
    sits behind `throttle` (default: one built from host.json extensions.http), in front of its key check.
    """
    throttle = throttle or HttpThrottle(http_concurrency(app.host_config))
    limit = app.host_config.max_request_body_size
    routes: list[RouteSpec] = []
    endpoints: dict[str, ASGIApp] = {}
    lifespans: list[AppLifespan] = []
    for indexed in app.functions:
        spec = indexed.spec
        if not spec.is_http:
            continue
        settings = app.settings[spec.name][spec.trigger.name]
        if not isinstance(settings, HttpTriggerSettings):
            raise ConfigurationError(f"Function '{spec.name}': its HTTP trigger settings are missing")
        routes.append(RouteSpec(spec.name, settings.route, settings.methods))
        if spec.http_type == "asgi" and indexed.native_app is not None:
            lifespans.append(AppLifespan(spec.name, indexed.native_app))
            endpoint: ASGIApp = AsgiEndpoint(spec.name, lifespans[-1], max_body=limit, metrics=metrics)
        elif spec.http_type == "wsgi" and indexed.native_app is not None:
            endpoint = WsgiEndpoint(
                spec.name, indexed.native_app, max_body=limit, metrics=metrics, executor=wsgi_executor
            )
        elif indexed.http_stream:
            endpoint = stream_endpoint(_invoker(indexed, invokers), trigger=spec.trigger.name, max_body=limit)
        else:
            endpoint = _function_endpoint(indexed, invokers, limit)
        guarded = protect(endpoint, keys.accepted(settings.auth_level, spec.name), settings.auth_level)
        if spec.disabled:
            guarded = DisabledFunction(endpoint, keys.accepted("admin", ""))
        endpoints[spec.name] = throttle.wrap(guarded)
    table = RouteTable.build(routes, prefix=app.host_config.route_prefix)
    admin = AdminApi(app, master=keys.accepted("admin", ""), status=status, manual_trigger=manual_trigger)
    install_key_redaction()  # uvicorn's access log would otherwise print ?code=<key>
    slow_regex = SlowRegexMatcher(server_limits(app.host_config).regex_timeout)
    starlette_app = Starlette(
        routes=[
            *health_routes(status, metrics, master=keys.accepted("admin", ""), errors=app.errors),
            *admin.routes(),
            *ExtensionWebhooks(app, keys, blob_receivers).routes(),
            *homepage_routes(),
        ],
        lifespan=_lifespan(lifespans, lifespan, closing=slow_regex.close),
    )
    # Function requests go straight to the route table; Starlette (and its error middleware) only serves the
    # host's own paths and the 404s. That saves Starlette's routing on every function call.
    return FunctionDispatch(starlette_app, table=table, endpoints=endpoints, slow_regex=slow_regex)


def _function_endpoint(
    indexed: IndexedFunction, invokers: Mapping[str, FunctionInvoker], limit: int
) -> FunctionEndpoint:
    spec = indexed.spec
    invoker = _invoker(indexed, invokers)
    http_outputs = [b.name for b in spec.outputs() if b.is_type("http")]
    return FunctionEndpoint(
        invoker,
        trigger=spec.trigger.name,
        http_output=http_outputs[0] if http_outputs else None,
        max_body=limit,
    )


def _invoker(indexed: IndexedFunction, invokers: Mapping[str, FunctionInvoker]) -> FunctionInvoker:
    name = indexed.spec.name
    invoker = invokers.get(name)
    if invoker is None:
        raise ConfigurationError(f"Function '{name}' is an HTTP function but no invoker was created for it")
    return invoker


def _lifespan(apps: list[AppLifespan], extra: ExtraLifespan | None, closing: Callable[[], None]) -> ExtraLifespan:
    @asynccontextmanager
    async def lifespan(starlette_app: Starlette) -> AsyncIterator[None]:
        started: list[AppLifespan] = []
        try:
            for item in apps:
                await item.startup()
                started.append(item)
            if extra is None:
                yield
            else:
                async with extra(starlette_app):
                    yield
        finally:
            for item in reversed(started):
                await item.shutdown()
            closing()

    return lifespan
