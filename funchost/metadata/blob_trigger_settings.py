"""The `blobTrigger` binding settings: the container and name pattern, the connection, the source, and the KEDA prefix.

The path is `container/blob-pattern` as the extension's BlobPath: the container is a literal name (the trigger
scans one container; BlobTriggerAttributeBindingProvider does not allow parameters in it), the blob part a binding
template (`{name}`, `{name}.{ext}`, `images/{name}.png`) matched with the SDK's capture pattern. The literal text
before the first `{` is the prefix the scan lists with. `source` is `LogsAndContainerScan` (the default, the
polling source) or `EventGrid` (Event Grid posts BlobCreated events to the blob extension webhook, no scan).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from funchost.errors import BindingTemplateError, FunctionDefinitionError
from funchost.metadata.binding_templates import parse_template
from funchost.metadata.connections import StorageConnection, resolve_expressions, storage_connection
from funchost.metadata.entity_names import check_entity_name
from funchost.metadata.spec import BindingSpec

SOURCES = ("LogsAndContainerScan", "EventGrid")  # BlobTriggerSource


@dataclass(frozen=True)
class BlobTriggerSettings:
    path: str  # as written (after %setting% resolution)
    container: str
    blob_pattern: str  # the blob-name template; "" matches every blob
    connection: StorageConnection
    source: str = "LogsAndContainerScan"

    @property
    def prefix(self) -> str:
        """The literal start of the blob pattern: what a scan lists with (every match starts with it)."""
        return parse_template(self.blob_pattern).literal_prefix if self.blob_pattern else ""

    def capture(self) -> re.Pattern[str]:
        """The blob-name matcher: named groups for each `{parameter}` (BindingTemplateSource)."""
        return parse_template(self.blob_pattern).capture_regex() if self.blob_pattern else re.compile(".*", re.S)


def parse_blob_trigger(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> BlobTriggerSettings:
    where = f"Function '{function}' binding '{binding.name}' (blobTrigger)"
    raw = binding.get("path")
    if not isinstance(raw, str) or not raw.strip():
        raise FunctionDefinitionError(
            function, f"binding '{binding.name}' (blobTrigger) has no 'path'", 'set path="<container>/{name}"'
        )
    path = resolve_expressions(raw.strip(), env=env, where=f"{where} property 'path'").lstrip("/")
    container, _, blob = path.partition("/")
    if "{" in container or "}" in container:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blobTrigger) path '{path}' has a parameter in the container name",
            'name one container literally, e.g. path="uploads/{name}"',
        )
    check_entity_name("blob-container", container, function=function, binding=binding.name, prop="path", raw=raw)
    try:
        if blob:
            parse_template(blob).capture_regex()
    except BindingTemplateError as exc:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blobTrigger) path '{path}' is not a valid blob path pattern ({exc})",
            'use literal text and plain {name} parameters, e.g. path="uploads/{name}.{ext}"',
        ) from None
    source = str(binding.get("source") or "LogsAndContainerScan")
    canonical = next((s for s in SOURCES if s.lower() == source.lower()), None)
    if canonical is None:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blobTrigger) has source '{source}'",
            f"use one of: {', '.join(SOURCES)}",
        )
    connection = storage_connection(binding.get("connection"), where=where, service="blob", env=env)
    return BlobTriggerSettings(
        path=path, container=container, blob_pattern=blob, connection=connection, source=canonical
    )


def keda_blob_prefix(settings: BlobTriggerSettings, options: Mapping[str, object]) -> str | None:
    """The `blobPrefix` KEDA's azure-blob scaler gets: the host.json scale option, else the path's literal prefix
    (KEDA appends the delimiter unless recursive, so a trailing "/" is dropped then). None: the whole container."""
    given = options.get("blobPrefix")
    if given:
        return str(given)
    prefix = settings.prefix
    if str(options.get("recursive", "true")).lower() != "true":
        prefix = prefix.rstrip("/")
    return prefix or None
