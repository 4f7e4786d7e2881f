"""The app settings the built-in controller's pod reads (`--scaler builtin`): what it gets from the settings Secret,
one `secretKeyRef` each, instead of the whole Secret.

The controller rebuilds the app's trigger settings from the baked metadata document, resolving connection settings
and `%Setting%` expressions in its environment (`scale_controller.app_metadata.from_document`), then its scalers
read the connection settings (`connection_settings`). Both are found here by doing the same resolution against a
mapping that records each name asked for, so the list follows the resolver instead of restating its rules.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from scale_controller.app_metadata import AppMetadata, EventFunction, from_document


class _Recording(Mapping[str, str]):
    """A read-only view of `values` that remembers every name looked up (found or not)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._source = values
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self._source[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)


def connection_settings(function: EventFunction) -> tuple[str, ...]:
    """The app settings the built-in controller reads to measure this function's backlog (the kind's rule)."""
    return function.kind.connection_settings(function.settings, function.scale.options, function.name)


def scaler_settings(app: AppMetadata, available: Mapping[str, str]) -> list[str]:
    """The names in `available` (the settings the Secret holds) that the controller reads, sorted."""
    recording = _Recording(available)
    resolved = from_document(app.document, origin=app.origin, environ=recording)
    for function in resolved.event_functions:
        recording.asked.update(connection_settings(function))
    return sorted(name for name in recording.asked if name in available)
