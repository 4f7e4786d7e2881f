"""Image references for ``funchost build``: the name from the project folder, ``--tag`` and ``--registry``.

``--tag`` takes what ``docker build -t`` takes, ``NAME[:TAG]`` (default ``<folder name>:latest``);
``--registry R`` puts the image under ``R``: ``R/NAME:TAG``. ``--base-image-digest sha256:<hex>`` pins the base
image: ``NAME@sha256:<hex>`` (the tag dropped: the digest names one image, whatever the tag points at today).
"""

from __future__ import annotations

import re
from pathlib import Path

from funchost.errors import ConfigurationError

DEFAULT_TAG = "latest"
# Docker's reference grammar (the docker SDK's own check): [registry[:port]/]path[:tag], lowercase path components.
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_REFERENCE = re.compile(rf"^{_COMPONENT}(?::[0-9]+)?(?:/{_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9._-]{{0,127}})?$")


def name_from_folder(project: Path) -> str:
    """``My Orders_App`` → ``my-orders_app``: the folder name made a valid repository name."""
    name = re.sub(r"[^a-z0-9._-]+", "-", project.resolve().name.lower())
    name = re.sub(r"[._-]*([._-])[._-]*", r"\1", name).strip("._-")
    if not name:
        raise ConfigurationError(
            f"cannot make an image name from the folder name {project.resolve().name!r}. Fix: pass --tag NAME[:TAG]"
        )
    return name


def has_tag(reference: str) -> bool:
    """Whether ``reference`` ends in ``:TAG`` (a ``:`` after the last ``/``, so not a registry port)."""
    return ":" in reference.rsplit("/", 1)[-1]


def image_reference(project: Path, tag: str | None = None, registry: str | None = None) -> str:
    """The full reference to build: ``[REGISTRY/]NAME:TAG``; :class:`ConfigurationError` when it is not valid."""
    reference = tag or name_from_folder(project)
    if not has_tag(reference):
        reference = f"{reference}:{DEFAULT_TAG}"
    if registry:
        registry = registry.strip().rstrip("/")
        if not reference.startswith(f"{registry}/"):
            reference = f"{registry}/{reference}"
    if not _REFERENCE.match(reference):
        raise ConfigurationError(
            f"{reference!r} is not a valid image reference. Fix: use lowercase letters, digits, '.', '_' and '-' "
            "in --tag NAME[:TAG] (e.g. --tag orders:v1) and --registry HOST[:PORT][/PATH]"
        )
    return reference


def pin_digest(reference: str, digest: str) -> str:
    """``reference`` (``NAME[:TAG]``) pinned to ``digest``: ``NAME@sha256:<hex>``."""
    if not _DIGEST.fullmatch(digest):
        raise ConfigurationError(
            f"--base-image-digest is {digest!r}; expected sha256: and 64 lowercase hex digits. Fix: pass the digest "
            "as the registry or 'docker images --digests' shows it, e.g. --base-image-digest sha256:4f1c...e9"
        )
    name = reference.split("@", 1)[0]
    if has_tag(name):
        name = name.rsplit(":", 1)[0]
    return f"{name}@{digest}"
