"""A blob's properties as the Storage Blobs extension puts them in a blob trigger's binding data (`{Properties.X}`):
the `azure.storage.blob.BlobProperties` of the downloaded blob under the names of .NET's
Azure.Storage.Blobs.Models.BlobProperties, enum values as .NET names them (`Block`, `Available`, `Unlocked`).
"""

from __future__ import annotations

from typing import Any


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
