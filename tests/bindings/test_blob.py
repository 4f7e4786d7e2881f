"""Blob conversions: which parameter type gets what (as the Python worker converts a blob input), output values to
content, the SDK types recognised from their annotation, and bound paths validated as the SDK's BlobPath."""

from __future__ import annotations

import io
from typing import Any

import azure.functions as func
import azurefunctions.extensions.bindings.blob as sdk
import pytest

from funchost.bindings.blob import BlobOutputError, input_kind, sdk_type, split_path, to_content, to_parameter
from funchost.errors import BindingDataError


@pytest.mark.parametrize(
    ("annotation", "data_type", "kind"),
    [
        (str, None, "str"),
        (bytes, None, "bytes"),
        (func.InputStream, None, "stream"),
        (None, None, "stream"),
        (None, "string", "str"),
        (None, "binary", "bytes"),
        (func.InputStream, "string", "str"),
        (str, "binary", "str"),  # the annotation wins
    ],
)
def test_the_annotation_and_data_type_choose_the_kind(annotation: Any, data_type: str | None, kind: str) -> None:
    assert input_kind(annotation, data_type) == kind


def test_content_becomes_the_parameter_and_a_missing_blob_is_none() -> None:
    assert to_parameter("é".encode(), "str") == "é"
    assert to_parameter(b"\x00\xff", "bytes") == b"\x00\xff"
    stream = to_parameter(b"data", "stream")
    assert isinstance(stream, func.InputStream) and stream.read() == b"data"
    assert (stream.name, stream.uri, stream.length) == (None, None, None)  # the worker gives an input no metadata
    assert all(to_parameter(None, kind) is None for kind in ("str", "bytes", "stream"))


def test_output_values_become_content() -> None:
    assert to_content("é") == "é".encode()
    assert to_content(bytearray(b"ab")) == b"ab"
    assert to_content(io.BytesIO(b"file")) == b"file"
    assert to_content(func.blob.InputStream(data=b"stream")) == b"stream"
    with pytest.raises(BlobOutputError, match="cannot hold a dict. Fix: set a str, bytes or a file-like object"):
        to_content({"a": 1})


def test_the_extension_types_are_recognised() -> None:
    assert [sdk_type(t) for t in (sdk.BlobClient, sdk.ContainerClient, sdk.StorageStreamDownloader)] == [
        "BlobClient",
        "ContainerClient",
        "StorageStreamDownloader",
    ]
    assert sdk_type(str) is None and sdk_type(None) is None and sdk_type(func.InputStream) is None


def test_bound_paths_are_validated() -> None:
    assert split_path("samples/a/b.txt") == ("samples", "a/b.txt")
    assert split_path("samples", container_only=True) == ("samples", "")
    with pytest.raises(BindingDataError, match="Invalid blob path specified : 'samples/'"):
        split_path("samples/")
    with pytest.raises(BindingDataError, match="Invalid container name 'Bad_Name'.*Fix: container names"):
        split_path("Bad_Name/x")
