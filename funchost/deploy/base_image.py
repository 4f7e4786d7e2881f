"""The funchost host image (``Dockerfile.host``) that app images build on: found in the engine, or built from
this source checkout with a wheelhouse of it.

The default reference is ``funchost/host:<version>`` (also tagged ``funchost/host:latest``, which the ``init
--docker`` Dockerfile names). An image built here carries the label ``io.funchost.source``, a digest of the
checkout's sources: when the checkout changes, the next ``funchost build`` rebuilds the base. A base image without
that label (built with ``docker build -f Dockerfile.host``, or pulled) is used as it is.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from funchost import __version__
from funchost.deploy.baked_metadata import VERSION_LABEL
from funchost.deploy.context import wheel_entries, write_tar
from funchost.deploy.docker_sdk import Engine
from funchost.deploy.errors import ImageBuildError
from funchost.deploy.progress import BuildLog
from funchost.deploy.wheelhouse import IMAGE_PLATFORM, Platform, build_wheelhouse, wheel_of_source
from funchost.errors import ConfigurationError

SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The checkout funchost runs from (an editable install), if it is one: holds pyproject.toml and Dockerfile.host."""
DOCKERFILE = "Dockerfile.host"
REPOSITORY = "funchost/host"
DEFAULT_BASE_IMAGE = f"{REPOSITORY}:{__version__}"
SOURCE_LABEL = "io.funchost.source"


def source_checkout(root: Path = SOURCE_ROOT) -> Path | None:
    """``root`` when it is a funchost source checkout (pyproject.toml, Dockerfile.host, the package), else None."""
    needed = (root / "pyproject.toml", root / DOCKERFILE, root / "funchost" / "__init__.py")
    return root if all(path.is_file() for path in needed) else None


def source_digest(root: Path) -> str:
    """A digest of what goes into the host image: pyproject.toml, Dockerfile.host and the package's files."""
    digest = hashlib.sha256()
    package = sorted(p for p in (root / "funchost").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in [root / "pyproject.toml", root / DOCKERFILE, *package]:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure_base_image(engine: Engine, reference: str = DEFAULT_BASE_IMAGE, *, out: TextIO | None = None) -> str:
    """``reference`` once the engine has it: the default one is built from the checkout when missing or stale.

    Any other reference is left to the engine (a build pulls it if it is not local).
    """
    if reference != DEFAULT_BASE_IMAGE:
        return reference
    labels = engine.image_labels(reference)
    checkout = source_checkout()
    if labels is not None and (checkout is None or labels.get(SOURCE_LABEL) in (None, source_digest(checkout))):
        return reference
    if checkout is None:
        raise ConfigurationError(
            f"the base image {reference} is not in the container engine at {engine.where}, and this funchost is not "
            f"a source checkout with {DOCKERFILE} to build it from. Fix: run 'funchost build' once from a funchost "
            "source checkout (it builds the base image), or pass an existing funchost host image with --base-image"
        )
    if out is not None:
        why = "is missing" if labels is None else "was built from other sources"
        out.write(f"Base image {reference} {why}: building it from {checkout / DOCKERFILE}\n")
    build_base_image(engine, [reference, f"{REPOSITORY}:latest"], checkout=checkout, out=out)
    return reference


def build_base_image(
    engine: Engine,
    tags: Sequence[str],
    *,
    checkout: Path = SOURCE_ROOT,
    python_image: str | None = None,
    target: Platform = IMAGE_PLATFORM,
    out: TextIO | None = None,
) -> str:
    """Build ``Dockerfile.host`` with a wheelhouse of ``checkout`` (funchost and its dependencies), tagged ``tags``;
    ``python_image`` overrides the Dockerfile's ``BASE_IMAGE`` (python:3.11-slim). Returns the first tag."""
    if source_checkout(checkout) is None:
        raise ConfigurationError(f"{checkout} is not a funchost source checkout (no pyproject.toml or {DOCKERFILE})")
    with tempfile.TemporaryDirectory(prefix="funchost-host-") as tmp:
        wheels = Path(tmp) / "wheels"
        own = wheel_of_source(checkout, wheels, out=out)
        build_wheelhouse([str(own)], wheels, target=target, find_links=[wheels], out=out)
        entries = [(DOCKERFILE, (checkout / DOCKERFILE).read_bytes()), *wheel_entries(sorted(wheels.glob("*.whl")))]
        with tempfile.TemporaryFile() as tar:
            write_tar(tar, entries)
            events = engine.build(
                tar,
                tag=tags[0],
                dockerfile=DOCKERFILE,
                buildargs={"BASE_IMAGE": python_image} if python_image else None,
                labels={SOURCE_LABEL: source_digest(checkout), VERSION_LABEL: __version__},
            )
            BuildLog(out or io.StringIO(), f"the funchost host image {tags[0]}").follow(events)
    if engine.image_labels(tags[0]) is None:
        raise ImageBuildError(f"the engine at {engine.where} reported no error but has no image {tags[0]}")
    for tag in tags[1:]:
        engine.tag(tags[0], tag)
    return tags[0]
