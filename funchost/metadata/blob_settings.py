"""Settings of the `blob` input/output binding (`blob_input` / `blob_output`, function.json `"type": "blob"`).

`path` is `container/blob` (a container alone for a `ContainerClient` parameter) with binding expressions, parsed
here once (`BindingTemplate`) and bound per invocation; `%AppSetting%` is resolved here. `connection` names a
storage connection as for queues (`X`, `AzureWebJobsX`, `X__blobServiceUri` / `X__serviceUri`); identity-based
connections are refused here, naming the setting. `dataType` (`string`,
`binary`, `stream`) is kept for the conversion. `inout` is refused as the Python worker refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from funchost.errors import BindingTemplateError, FunctionDefinitionError
from funchost.metadata.binding_templates import BindingTemplate, parse_template
from funchost.metadata.connections import StorageConnection, resolve_expressions, storage_connection
from funchost.metadata.spec import BindingSpec, Direction

DATA_TYPES = ("binary", "stream", "string")


@dataclass(frozen=True)
class BlobBindingSettings:
    path: BindingTemplate
    connection: StorageConnection
    data_type: str | None  # "binary" | "stream" | "string" (lower case) or None
    direction: Direction


def parse_blob(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> BlobBindingSettings:
    where = f"Function '{function}' binding '{binding.name}' (blob)"
    if binding.direction is Direction.INOUT:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blob) has direction 'inout', which the Python worker does not support",
            "declare a blob input binding and a blob output binding (they may have the same path)",
        )
    raw = binding.get("path")
    if not isinstance(raw, str) or not raw.strip():
        raise FunctionDefinitionError(
            function, f"binding '{binding.name}' (blob) has no 'path'", 'set path to "container/blob name"'
        )
    text = resolve_expressions(raw.strip(), env=env, where=f"{where} property 'path'")
    try:
        template = parse_template(text)
    except BindingTemplateError as exc:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blob) path: {exc}",
            "write expressions as {name}, {queueTrigger}, {data.key}, {rand-guid} or {DateTime}; double a brace "
            "({{ }}) for a literal one",
        ) from None
    if text.startswith("/") or "//" in text.split("{", 1)[0]:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blob) path '{text}' is not 'container/blob name'",
            'start the path with the container name, e.g. "samples/{name}"',
        )
    data_type = binding.data_type
    folded = data_type.lower() if data_type and data_type.lower() != "undefined" else None
    if folded is not None and folded not in DATA_TYPES:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blob) has dataType '{data_type}'",
            f"use one of {', '.join(DATA_TYPES)} or leave it out",
        )
    connection = storage_connection(binding.get("connection"), where=where, service="blob", env=env)
    if connection.connection_string is None:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' (blob) uses the identity-based connection '{connection.setting_name}' "
            f"({connection.service_uri}), which funchost does not support",
            f"set '{connection.setting_name}' to a storage connection string ('UseDevelopmentStorage=true' for "
            "Azurite)",
        )
    return BlobBindingSettings(
        path=template,
        connection=connection,
        data_type=folded,
        direction=binding.direction,
    )
