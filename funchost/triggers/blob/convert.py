"""What a blobTrigger parameter receives (the Python worker's BlobConverter): `func.InputStream` (name
`<container>/<blob>`, length, uri, read()) by default, or the content as `bytes` / `str`. A small converter of the
trigger's own until the blob bindings' one (funchost/bindings/blob.py) is shared."""

from __future__ import annotations

from typing import Any, Literal

import azure.functions as func
from azure.functions import _abc as func_abc

from funchost.errors import FunctionDefinitionError

BlobKind = Literal["stream", "bytes", "str"]


def blob_kind(function: str, parameter: str, annotation: Any) -> BlobKind:
    if annotation is None:
        return "stream"
    if annotation is bytes or annotation is str:
        return "bytes" if annotation is bytes else "str"
    if isinstance(annotation, type) and issubclass(annotation, func_abc.InputStream):
        return "stream"
    shown = getattr(annotation, "__name__", repr(annotation))
    raise FunctionDefinitionError(
        function,
        f"blob trigger parameter '{parameter}' is annotated '{shown}', which the blobTrigger binding cannot supply",
        f"annotate it as func.InputStream, bytes or str (e.g. '{parameter}: func.InputStream')",
    )


def blob_value(kind: BlobKind, *, path: str, uri: str, data: bytes, properties: dict[str, Any]) -> object:
    if kind == "bytes":
        return data
    if kind == "str":
        return data.decode("utf-8")
    return func.blob.InputStream(
        data=data, name=path, uri=uri, length=len(data), blob_properties=properties, metadata=properties.get("metadata")
    )
