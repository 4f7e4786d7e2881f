"""Azure Blob scaler: the number of blobs under a prefix, exactly as KEDA's `azure-blob` scaler counts them.

kedacore/keda `pkg/scalers/azure_blob_scaler.go` + `pkg/scalers/azure/azure_blob.go`: target `blobCount`
(default 5), `activationBlobCount` (0; active when count > it), `blobDelimiter` (default "/"; `recursive: true`
makes it ""), `blobPrefix` (the listing prefix is blobPrefix + delimiter). Without `globPattern` one level is
listed with the delimiter (blobs only, not virtual directories); with it, a flat listing under the prefix counts
the names the glob matches in full or in the tail after the prefix. For a blob trigger the prefix defaults to the
path's literal prefix and `recursive` to true (`funchost.metadata.blob_settings.keda_blob_prefix`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from azure.core.exceptions import AzureError
from azure.storage.blob import BlobProperties

from funchost.brokers.azure_storage import explain_scaler_error, scaler_blob_container, scaler_connection_string
from funchost.errors import ConfigurationError
from funchost.metadata.blob_trigger_settings import keda_blob_prefix
from funchost.metadata.connections import StorageConnection
from funchost.metadata.trigger_kinds import BLOB
from scale_controller.app_metadata import EventFunction
from scale_controller.scalers.base import Measurement, ScalerError


def glob_regex(pattern: str) -> re.Pattern[str]:
    """gobwas/glob without separators (as KEDA compiles it): `*` and `**` any text, `?` one character, `[abc]`,
    `[!abc]`, `[a-z]`, `{a,b}` alternatives, `\\` escapes."""
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise ConfigurationError(f"globPattern '{pattern}': unclosed '['")
            body = pattern[i + 1 : end]
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end
        elif c == "{":
            out.append("(?:")
            depth += 1
        elif c == "}" and depth:
            out.append(")")
            depth -= 1
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    if depth:
        raise ConfigurationError(f"globPattern '{pattern}': unclosed '{{'")
    return re.compile("".join(out) + r"\Z", re.DOTALL)


class AzureBlobScaler:
    def __init__(
        self,
        *,
        container: str,
        connection: StorageConnection,
        target: float,
        activation: float = 0.0,
        prefix: str | None = None,
        delimiter: str = "/",
        recursive: bool = False,
        glob: str | None = None,
        function: str = "",
    ) -> None:
        conn = scaler_connection_string(connection, "blob", function)
        self.delimiter = "" if recursive else (delimiter or "/")
        self.prefix = prefix + self.delimiter if prefix else None
        self.glob = glob_regex(glob) if glob else None
        self.name = f"azure-blob:{container}"
        self.container = container
        self.target = target
        self.activation = activation
        self._setting = connection.setting_name
        self._function = function
        self._client = scaler_blob_container(conn, container, f"Function '{function}'", self._setting)

    @classmethod
    def from_function(cls, function: EventFunction, environ: Mapping[str, str] | None = None) -> AzureBlobScaler:
        settings, options = BLOB.settings(function.settings, function.name), function.scale.options
        return cls(
            container=settings.container,
            connection=settings.connection,
            target=function.scale.target,
            activation=function.scale.activation_threshold,
            prefix=keda_blob_prefix(settings, options),
            delimiter=str(options.get("blobDelimiter") or "/"),
            recursive=str(options.get("recursive", "true")).lower() == "true",
            glob=str(options["globPattern"]) if options.get("globPattern") else None,
            function=function.name,
        )

    async def measure(self) -> Measurement:
        try:
            count = await self.count()
        except AzureError as exc:
            raise ScalerError(self._explain(exc)) from exc
        return Measurement(value=float(count), target=float(self.target), active=count > self.activation)

    async def count(self) -> int:
        if self.glob is not None:
            tail_from = (self.prefix or "").lstrip("/")
            count = 0
            async for blob in self._client.list_blobs(name_starts_with=self.prefix):
                tail = blob.name.removeprefix(tail_from).lstrip("/") if tail_from else blob.name
                count += bool(self.glob.match(blob.name) or self.glob.match(tail))
            return count
        if not self.delimiter:
            return len([b async for b in self._client.list_blobs(name_starts_with=self.prefix)])
        items = self._client.walk_blobs(name_starts_with=self.prefix, delimiter=self.delimiter)
        return len([item async for item in items if isinstance(item, BlobProperties)])  # not the prefixes

    def _explain(self, exc: AzureError) -> str:
        endpoint = self._client.url.split("?", 1)[0]  # never the SAS token
        where = f"Function '{self._function}': cannot count blobs in container '{self.container}' at {endpoint}"
        missing = "the container does not exist. Fix: create it, or correct the path"
        return explain_scaler_error(exc, where, missing, self._setting)

    async def aclose(self) -> None:
        await self._client.close()
