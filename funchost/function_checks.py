"""The per-function checks that need the runtime's tables: each HTTP route, each trigger's listener, each output's
sender. `check_functions()` puts a function that fails one in error (as `ScriptHost.ValidateFunction` does for a
route in the host's reserved space or one that conflicts with an earlier function's route) and returns the app
with the rest; in strict mode the first failure is raised unchanged. `funchost start` and `functions list` both
run it, so the metadata document marks the same functions in error as the host does.
"""

from __future__ import annotations

from funchost.errors import ConfigurationError
from funchost.http.routing import RouteSpec, RouteTable
from funchost.metadata.app_loader import LoadedApp
from funchost.metadata.binding_settings import HttpTriggerSettings
from funchost.metadata.function_errors import ErrorCollector
from funchost.metadata.spec import Direction
from funchost.outputs import sender_class
from funchost.triggers.base import listener_class


def check_functions(app: LoadedApp) -> LoadedApp:
    collector = ErrorCollector(strict=app.strict)
    accepted: list[RouteSpec] = []
    prefix = app.host_config.route_prefix
    for indexed in app.functions:
        spec = indexed.spec
        try:
            if spec.is_http:
                settings = app.settings[spec.name][spec.trigger.name]
                if isinstance(settings, HttpTriggerSettings):
                    route = RouteSpec(spec.name, settings.route, settings.methods)
                    RouteTable.build([*accepted, route], prefix=prefix)  # raises for this route only
                    accepted.append(route)
            else:
                listener_class(spec.trigger.type, spec.name)
            for binding in spec.bindings:
                if binding.direction is not Direction.IN and not binding.is_type("http"):
                    sender_class(binding.type, spec.name)
        except ConfigurationError as exc:
            collector.capture(spec.name, exc, spec)
    return app.with_errors(collector.errors)
