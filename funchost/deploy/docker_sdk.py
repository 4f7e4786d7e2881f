"""The one place funchost.deploy talks to the docker SDK: a Docker Engine API client (dockerd, or podman's
compatible service) for building, inspecting, tagging and pushing images, and the SDK's ``.dockerignore`` matcher.

The engine is ``base_url`` when given, else ``DOCKER_HOST`` (``docker.from_env``), else the default socket. Every
SDK or connection failure becomes an :class:`~funchost.deploy.errors.EngineError` naming the engine and the fix;
build and push output is handed back as the engine's decoded JSON events, for :mod:`funchost.deploy.progress`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import docker  # type: ignore[import-untyped]
from docker.utils.build import exclude_paths  # type: ignore[import-untyped]

from funchost.deploy.errors import EngineError

Event = dict[str, Any]
"""One decoded JSON object of the engine's build or push stream (``stream``, ``status``, ``error``, ``aux``…)."""


class Engine:
    """A connected engine; use :meth:`connect`, and :meth:`close` (or ``with``) when done."""

    def __init__(self, client: Any, where: str) -> None:
        self._client = client
        self.where = where
        """The engine's address, for messages: the base URL, ``DOCKER_HOST`` or the default socket."""

    @classmethod
    def connect(cls, base_url: str | None = None) -> Engine:
        """Connect and agree on the API version; :class:`EngineError` when nothing answers."""
        where = base_url or os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
        probe = _client(base_url, docker.constants.MINIMUM_DOCKER_API_VERSION)
        try:
            url = base_url or os.environ.get("DOCKER_HOST", "")
            if url.startswith("unix://"):  # the SDK leaks a socket that cannot connect: try one first
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                    unix.connect(url.removeprefix("unix://"))
            version = probe.version(api_version=False)["ApiVersion"]
        except (docker.errors.DockerException, OSError, KeyError) as exc:
            raise EngineError(
                f"no container engine answers at {where}: {exc}. Fix: start Docker (or podman: "
                "'podman system service --time=0 unix:///path/podman.sock') and point DOCKER_HOST at it, "
                "e.g. DOCKER_HOST=unix:///path/podman.sock"
            ) from None
        finally:
            probe.close()
        return cls(_client(base_url, version), where)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def image_labels(self, reference: str) -> dict[str, str] | None:
        """The labels of a local image (``{}`` when it has none), or ``None`` when the engine does not have it."""
        try:
            image = self._client.images.get(reference)
        except docker.errors.ImageNotFound:
            return None
        except (docker.errors.DockerException, OSError) as exc:
            raise self._failed(f"inspecting image {reference}", exc) from None
        return dict(image.labels or {})

    def build(
        self,
        context: IO[bytes],
        *,
        tag: str,
        dockerfile: str = "Dockerfile",
        buildargs: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        nocache: bool = False,
    ) -> Iterator[Event]:
        """Build from an uncompressed tar ``context``; yields the engine's events as they arrive."""
        try:
            yield from self._client.api.build(
                fileobj=context,
                custom_context=True,
                tag=tag,
                dockerfile=dockerfile,
                buildargs=dict(buildargs or {}),
                labels=dict(labels or {}),
                nocache=nocache,
                rm=True,
                forcerm=True,
                decode=True,
            )
        except (docker.errors.DockerException, OSError) as exc:
            raise self._failed(f"building {tag}", exc) from None

    def tag(self, image: str, reference: str) -> None:
        """Give ``image`` (an id or reference) the extra name ``reference`` (``repository[:tag]``)."""
        repository, tag = split_reference(reference)
        try:
            self._client.api.tag(image, repository, tag or "latest")
        except (docker.errors.DockerException, OSError) as exc:
            raise self._failed(f"tagging {image} as {reference}", exc) from None

    def push(self, reference: str) -> Iterator[Event]:
        """Push ``reference`` with the credentials of ``~/.docker/config.json``; yields the engine's events."""
        repository, tag = split_reference(reference)
        try:
            yield from self._client.api.push(repository, tag=tag or "latest", stream=True, decode=True)
        except (docker.errors.DockerException, OSError) as exc:
            raise self._failed(f"pushing {reference}", exc) from None

    def _failed(self, doing: str, exc: BaseException) -> EngineError:
        return EngineError(f"the container engine at {self.where} failed {doing}: {exc}")


def split_reference(reference: str) -> tuple[str, str | None]:
    """``registry:5000/team/app:v1`` → (``registry:5000/team/app``, ``v1``); no tag → ``None``."""
    repository, tag = docker.utils.parse_repository_tag(reference)
    return str(repository), tag


def dockerignore_files(root: Path, patterns: Sequence[str]) -> list[str]:
    """Paths under ``root`` (files and folders, relative, sorted) that ``patterns`` do not exclude, as docker does."""
    return sorted(str(path) for path in exclude_paths(str(root), list(patterns), dockerfile=".dockerignore"))


def _client(base_url: str | None, version: str) -> Any:
    if base_url:
        return docker.DockerClient(base_url=base_url, version=version)
    return docker.from_env(version=version)
