"""What a blobTrigger parameter receives (the Python worker's BlobConverter): `func.InputStream` (name
`<container>/<blob>`, length, uri, read(), blob_properties, metadata) by default, or the content as `bytes` /
`str`. The value itself is built by the blob bindings' converter (`funchost.bindings.blob.to_parameter`)."""

from __future__ import annotations

from typing import Any, Literal

from azure.functions import _abc as func_abc

from funchost.bindings.blob import to_parameter
from funchost.bindings.trigger_parameters import ParameterRule

BlobKind = Literal["stream", "bytes", "str"]


_PARAMETER: ParameterRule[BlobKind] = ParameterRule(
    "blobTrigger",
    func_abc.InputStream,
    "stream",
    {bytes: "bytes", str: "str"},
    "annotate it as func.InputStream, bytes or str (e.g. '{parameter}: func.InputStream')",
)


def blob_kind(function: str, parameter: str, annotation: Any) -> BlobKind:
    return _PARAMETER.kind(function, parameter, annotation)


def blob_value(kind: BlobKind, *, path: str, uri: str, data: bytes, properties: dict[str, Any]) -> object:
    return to_parameter(data, kind, name=path, uri=uri, properties=properties)
