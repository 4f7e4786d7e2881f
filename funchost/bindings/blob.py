"""Blob binding conversions: blob content to the parameter's type, an output value to blob content, and which
SDK type (`azurefunctions-extensions-bindings-blob`) a parameter asks for.

As the Python worker does for a blob *input* (it passes trigger metadata only to the trigger's converter): a
`func.InputStream` carries the content (`read()`); its `name`, `uri` and `length` are None. The blob trigger's
stream is built here too, with the blob's name, uri, length, properties and metadata. `str` / `bytes`
annotations, or `dataType` `string` / `binary`, give the content as text (UTF-8) / bytes. A missing blob is None.
An output accepts `str`, `bytes`/`bytearray` or anything with `read()` (the library's `BlobConverter.encode`).
"""

from __future__ import annotations

import re
from typing import Any

import azure.functions as func
from azure.functions.blob import InputStream

from funchost.errors import BindingDataError, FunchostError

SDK_MODULE = "azurefunctions.extensions.bindings.blob"
SDK_TYPES = ("BlobClient", "ContainerClient", "StorageStreamDownloader")


class BlobOutputError(FunchostError, TypeError):
    """A blob output value has a type that cannot become blob content."""


def sdk_type(annotation: Any) -> str | None:
    """ "BlobClient" / "ContainerClient" / "StorageStreamDownloader" for the extension's types, else None."""
    module = getattr(annotation, "__module__", "") or ""
    name = getattr(annotation, "__name__", None)
    if isinstance(annotation, type) and module.startswith(SDK_MODULE) and name in SDK_TYPES:
        return str(name)
    return None


def input_kind(annotation: Any, data_type: str | None) -> str:
    """How an input parameter wants the content: "str", "bytes" or "stream" (func.InputStream)."""
    if annotation is str:
        return "str"
    if annotation in (bytes, bytearray):
        return "bytes"
    if annotation is None or annotation is func.InputStream:
        return {"string": "str", "binary": "bytes"}.get(data_type or "", "stream")
    return "stream"


def to_parameter(
    content: bytes | None,
    kind: str,
    *,
    name: str | None = None,
    uri: str | None = None,
    properties: dict[str, Any] | None = None,
) -> Any:
    """The parameter value for blob content. A trigger passes its blob's `name` (`<container>/<blob>`), `uri` and
    `properties` (`worker_blob_properties`, whose `Metadata` becomes the stream's `metadata`), and its stream gets
    `length`; an input binding's stream has them all None."""
    if content is None:
        return None
    if kind == "str":
        return content.decode("utf-8")
    if kind == "bytes":
        return content
    return InputStream(
        data=content,
        name=name,
        uri=uri,
        length=None if name is None else len(content),
        blob_properties=properties,
        metadata=None if properties is None else properties.get("Metadata"),
    )


def to_content(value: Any) -> bytes:
    """The bytes to upload for an output value; `BlobOutputError` for a type the library cannot encode."""
    if callable(getattr(value, "read", None)):
        value = value.read()
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    raise BlobOutputError(
        f"a blob output cannot hold a {type(value).__name__}. Fix: set a str, bytes or a file-like object"
    )


_CONTAINER = re.compile(r"^(\$root|\$web|\$logs|[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9])$")


def split_path(path: str, *, container_only: bool = False) -> tuple[str, str]:
    """`container/blob` of a bound path, validated as the SDK's BlobPath does (`BindingDataError` otherwise)."""
    container, _, blob = path.partition("/")
    if not container or (not blob and not container_only):
        raise BindingDataError(
            f"Invalid blob path specified : '{path}'. Blob identifiers must be in the format 'container/blob'"
        )
    if not _CONTAINER.match(container):
        raise BindingDataError(
            f"Invalid container name '{container}' in blob path '{path}'. Fix: container names are 3-63 lower-case "
            "letters, digits and single hyphens"
        )
    return container, blob
