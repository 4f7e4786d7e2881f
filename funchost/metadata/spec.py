"""The typed model of a function: `BindingSpec`, `RetryPolicy`, `FunctionSpec`, and its function.json shape.

A `FunctionSpec` is plain data, built either from live `azure.functions` objects (indexing) or from the
metadata document (`funchost functions list --json`) — the scale controller and manifest generator read
the latter and never import user code.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from funchost.metadata.timespan import parse_timespan


class Direction(enum.Enum):
    IN = "in"
    OUT = "out"
    INOUT = "inout"

    @classmethod
    def parse(cls, value: object) -> Direction:
        """Accept both Azure spellings: enum names from the decorators ("IN") and function.json ("in")."""
        if isinstance(value, int) and not isinstance(value, bool):
            return (cls.IN, cls.OUT, cls.INOUT)[value]
        text = str(value).strip().lower()
        for member in cls:
            if member.value == text:
                return member
        raise ValueError(f"direction '{value}' is not one of in, out, inout")


def lookup(raw: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Case-insensitive key lookup, as the Functions host reads binding JSON."""
    if key in raw:
        return raw[key]
    folded = key.casefold()
    for name, value in raw.items():
        if name.casefold() == folded:
            return value
    return default


@dataclass(frozen=True)
class BindingSpec:
    """One entry of a function's `bindings` list, with the raw JSON kept for typed settings parsers."""

    name: str
    type: str
    direction: Direction
    raw: Mapping[str, Any] = field(hash=False, compare=False)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> BindingSpec:
        name = lookup(raw, "name")
        btype = lookup(raw, "type")
        if not isinstance(name, str) or not name:
            raise ValueError(f"binding {dict(raw)} has no 'name'")
        if not isinstance(btype, str) or not btype:
            raise ValueError(f"binding '{name}' has no 'type'")
        return cls(name=name, type=btype, direction=Direction.parse(lookup(raw, "direction", "in")), raw=dict(raw))

    def is_type(self, *types: str) -> bool:
        """Compare the binding type case-insensitively (both rabbitMQTrigger and rabbitMqTrigger occur)."""
        folded = self.type.casefold()
        return any(folded == t.casefold() for t in types)

    @property
    def is_trigger(self) -> bool:
        return self.type.casefold().endswith("trigger")

    @property
    def data_type(self) -> str | None:
        value = lookup(self.raw, "dataType")
        return str(value) if value is not None else None

    def get(self, key: str, default: Any = None) -> Any:
        return lookup(self.raw, key, default)


@dataclass(frozen=True)
class RetryPolicy:
    """`@app.retry(...)` / function.json `retry`: fixed delay or exponential back-off, in seconds."""

    strategy: str  # "fixed_delay" | "exponential_backoff"
    max_retry_count: int  # -1 = retry forever
    delay_interval: float = 0.0
    minimum_interval: float = 0.0
    maximum_interval: float = 0.0

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], function_name: str) -> RetryPolicy:
        """Parse the decorator settings (snake_case strings) or function.json `retry` (camelCase)."""
        strategy = str(lookup(raw, "strategy", "")).replace("Delay", "_delay").replace("Backoff", "_backoff")
        strategy = strategy.lower()
        if strategy not in ("fixed_delay", "exponential_backoff"):
            raise ValueError(
                f"retry strategy '{lookup(raw, 'strategy')}' of function '{function_name}' is not "
                "'fixed_delay' or 'exponential_backoff'"
            )
        count_raw = lookup(raw, "max_retry_count", lookup(raw, "maxRetryCount"))
        try:
            count = int(count_raw)
        except (TypeError, ValueError):
            raise ValueError(
                f"retry max_retry_count '{count_raw}' of function '{function_name}' is not a whole number "
                "(use -1 for unlimited)"
            ) from None
        if count < -1:
            raise ValueError(f"retry max_retry_count {count} of function '{function_name}' must be -1 or more")

        def seconds(*keys: str) -> float:
            for key in keys:
                value = lookup(raw, key)
                if value is not None:
                    try:
                        return parse_timespan(str(value))
                    except ValueError as exc:
                        raise ValueError(f"retry {key} of function '{function_name}': {exc}") from None
            return 0.0

        policy = cls(
            strategy=strategy,
            max_retry_count=count,
            delay_interval=seconds("delay_interval", "delayInterval"),
            minimum_interval=seconds("minimum_interval", "minimumInterval"),
            maximum_interval=seconds("maximum_interval", "maximumInterval"),
        )
        if strategy == "exponential_backoff" and policy.maximum_interval < policy.minimum_interval:
            raise ValueError(
                f"retry of function '{function_name}': maximum_interval must not be below minimum_interval"
            )
        return policy

    def delay_before(self, retry_count: int) -> float:
        """Seconds to wait before retry number `retry_count` (1-based), as the Functions host computes it."""
        if self.strategy == "fixed_delay":
            return self.delay_interval
        # Exponential back-off: minimum * 2^(n-1), capped at maximum (host ExponentialBackoffRetryStrategy).
        delay: float = self.minimum_interval * float(2 ** (retry_count - 1))
        return min(delay, self.maximum_interval) if self.maximum_interval else delay

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"strategy": self.strategy, "maxRetryCount": self.max_retry_count}
        if self.strategy == "fixed_delay":
            out["delayInterval"] = _format_timespan(self.delay_interval)
        else:
            out["minimumInterval"] = _format_timespan(self.minimum_interval)
            out["maximumInterval"] = _format_timespan(self.maximum_interval)
        return out


def _format_timespan(seconds: float) -> str:
    whole = int(seconds)
    text = f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if seconds != whole:
        text += f".{round((seconds - whole) * 1000):03d}"
    return text


@dataclass(frozen=True)
class FunctionSpec:
    """Everything known about one function without running it."""

    name: str
    script_file: str
    bindings: tuple[BindingSpec, ...]
    trigger: BindingSpec
    entry_point: str | None = None
    retry: RetryPolicy | None = None
    http_type: str = "function"  # "function" | "asgi" | "wsgi"
    model: str = "v2"  # "v2" (decorators) | "v1" (function.json)
    concurrency: int | None = None  # effective per-instance concurrency, filled by the host's settings
    disabled_by: str | None = None  # why the function is disabled (funchost.metadata.disabled); None: it runs
    function_json_disabled: bool | str = False  # function.json "disabled" (true, or an app setting's name)

    @property
    def disabled(self) -> bool:
        return self.disabled_by is not None

    @property
    def is_http(self) -> bool:
        return self.trigger.is_type("httpTrigger")

    def outputs(self) -> tuple[BindingSpec, ...]:
        return tuple(b for b in self.bindings if b.direction is not Direction.IN)

    def inputs(self) -> tuple[BindingSpec, ...]:
        return tuple(b for b in self.bindings if b.direction is Direction.IN and not b.is_trigger)

    def to_metadata(self) -> dict[str, Any]:
        """The function.json-shaped document entry (plus name, retry and funchost extras)."""
        doc: dict[str, Any] = {"name": self.name, "scriptFile": self.script_file}
        if self.entry_point:
            doc["entryPoint"] = self.entry_point
        doc["bindings"] = [dict(b.raw) for b in self.bindings]
        if self.retry is not None:
            doc["retry"] = self.retry.to_dict()
        doc["httpType"] = self.http_type
        doc["model"] = self.model
        if self.concurrency is not None:
            doc["concurrency"] = self.concurrency
        if self.disabled_by is not None:
            doc["disabled"] = True
            doc["disabledBy"] = self.disabled_by
        return doc

    @classmethod
    def from_metadata(cls, doc: Mapping[str, Any]) -> FunctionSpec:
        """Rebuild a spec from :meth:`to_metadata` output (what the scale controller reads)."""
        name = str(doc["name"])
        bindings = tuple(BindingSpec.from_dict(b) for b in doc.get("bindings", []))
        return cls(
            name=name,
            script_file=str(doc.get("scriptFile", "function_app.py")),
            bindings=bindings,
            trigger=find_trigger(name, bindings),
            entry_point=doc.get("entryPoint"),
            retry=RetryPolicy.from_dict(doc["retry"], name) if doc.get("retry") else None,
            http_type=str(doc.get("httpType", "function")),
            model=str(doc.get("model", "v2")),
            concurrency=doc.get("concurrency"),
            disabled_by=(str(doc.get("disabledBy") or "the metadata document") if doc.get("disabled") else None),
        )


def find_trigger(function_name: str, bindings: tuple[BindingSpec, ...]) -> BindingSpec:
    triggers = [b for b in bindings if b.is_trigger and b.direction is Direction.IN]
    if len(triggers) != 1:
        found = ", ".join(f"{b.name} ({b.type})" for b in triggers) or "none"
        raise ValueError(f"function '{function_name}' must have exactly one trigger binding; found {found}")
    return triggers[0]
