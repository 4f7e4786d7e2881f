"""A blob's properties as the Storage Blobs extension puts them in a blob trigger's binding data (`{Properties.X}`):
the `azure.storage.blob.BlobProperties` of the downloaded blob under the names of .NET's
Azure.Storage.Blobs.Models.BlobProperties, enum values as .NET names them (`Block`, `Available`, `Unlocked`).

`worker_blob_properties` is the same dict as the Python worker receives it in `InputStream.blob_properties`: the
host sends binding data to the worker through Newtonsoft.Json's default settings, so dates are ISO 8601 text, the
content hash is base64 and enums are their .NET numbers (BlobType Block = 0, Page = 1, Append = 2).
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from funchost.metadata.dotnet_formats import format_datetime

_NEWTONSOFT_DATE = "yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz"  # its IsoDateFormat for a DateTimeOffset
_ENUM_NUMBERS: dict[str, tuple[str, ...]] = {  # each .NET enum's members in declaration order (= their numbers)
    "BlobType": ("Block", "Page", "Append"),
    "LeaseState": ("Available", "Leased", "Expired", "Breaking", "Broken"),
    "LeaseStatus": ("Locked", "Unlocked"),
    "LeaseDuration": ("Infinite", "Fixed"),
}


def _enum(value: Any, suffix: str = "") -> str | None:
    """A .NET enum name for the SDK's text (`BlockBlob` → `Block`, `available` → `Available`)."""
    raw = getattr(value, "value", value)
    if raw is None:
        return None
    text = str(raw).removesuffix(suffix)
    return text[:1].upper() + text[1:]


def dotnet_blob_properties(props: Any) -> dict[str, Any]:
    """The blob's properties under the names of Azure.Storage.Blobs.Models.BlobProperties."""
    content, lease = props.content_settings, props.lease
    etag = str(props.etag or "")
    return {
        "LastModified": props.last_modified,
        "CreatedOn": props.creation_time,
        "Metadata": dict(props.metadata or {}),
        "BlobType": _enum(props.blob_type, "Blob"),
        "ContentLength": props.size,
        "ContentType": content.content_type,
        "ContentEncoding": content.content_encoding,
        "ContentLanguage": content.content_language,
        "ContentDisposition": content.content_disposition,
        "CacheControl": content.cache_control,
        "ContentHash": bytes(content.content_md5) if content.content_md5 else None,
        "ETag": etag if not etag or etag.startswith('"') else f'"{etag}"',
        "LeaseState": _enum(lease.state),
        "LeaseStatus": _enum(lease.status),
        "LeaseDuration": _enum(lease.duration),
        "AccessTier": props.blob_tier,
        "AccessTierInferred": bool(props.blob_tier_inferred),
        "IsServerEncrypted": bool(props.server_encrypted),
        "VersionId": props.version_id,
        "BlobSequenceNumber": props.page_blob_sequence_number,
        "BlobCommittedBlockCount": props.append_blob_committed_block_count,
    }


def worker_blob_properties(props: Any) -> dict[str, Any]:
    """`dotnet_blob_properties` as JSON gives it to the Python worker (`InputStream.blob_properties`). ETag and
    AccessTier, .NET structs with no public properties that Newtonsoft writes as `{}`, keep their text here."""
    worker: dict[str, Any] = {}
    for key, value in dotnet_blob_properties(props).items():
        if isinstance(value, datetime.datetime):
            value = format_datetime(value, _NEWTONSOFT_DATE)
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        elif key in _ENUM_NUMBERS and value is not None:
            value = _ENUM_NUMBERS[key].index(value)
        worker[key] = value
    return worker
