"""``funchost build``: a function project → a runnable image, in four steps printed as they go.

1. index the app on the host (``funchost functions list --json`` in a subprocess) → metadata file + label;
2. build the wheelhouse of requirements.txt on the host for the image's platform (``--no-index`` in the image);
3. make sure the base host image exists (built from this checkout's ``Dockerfile.host`` when missing);
4. build the project's Dockerfile (or the ``init --docker`` one) on it through the engine, streaming its output.

:func:`push_image` then pushes the result with the engine's credentials. Both are the public entry points for other
tools (for example a test that runs the image with ``podman kube play``).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from funchost.deploy.baked_metadata import document_text, image_labels, index_on_host
from funchost.deploy.base_image import DEFAULT_BASE_IMAGE, ensure_base_image
from funchost.deploy.context import app_entries, write_tar
from funchost.deploy.docker_sdk import Engine
from funchost.deploy.errors import ImageBuildError
from funchost.deploy.naming import image_reference
from funchost.deploy.progress import BuildLog, PushLog
from funchost.deploy.wheelhouse import IMAGE_PLATFORM, Platform, build_wheelhouse, funchost_constraints
from funchost.errors import ConfigurationError

STEPS = 4


@dataclass(frozen=True)
class BuiltImage:
    """What :func:`build_app_image` made."""

    reference: str
    """The full reference it is tagged with, ``[REGISTRY/]NAME:TAG``."""
    image_id: str | None
    base_image: str
    metadata: dict[str, Any]
    """The metadata document baked into it (``scriptRoot`` is the image's)."""
    wheels: tuple[str, ...]
    """File names of the wheels installed from the wheelhouse."""


def build_app_image(
    project: Path,
    engine: Engine,
    *,
    tag: str | None = None,
    registry: str | None = None,
    base_image: str = DEFAULT_BASE_IMAGE,
    target: Platform = IMAGE_PLATFORM,
    nocache: bool = False,
    offline: bool = False,
    out: TextIO | None = None,
) -> BuiltImage:
    """Build the image of the function project in ``project``; progress goes to ``out`` (nothing when None).

    ``offline``: the requirements come from the project's ``wheels/`` folder only (no package index on the host).
    """
    log = out or io.StringIO()
    project = check_project(project)
    reference = image_reference(project, tag, registry)

    _step(log, 1, f"Indexing the functions of {project}")
    metadata = index_on_host(project)
    names = ", ".join(f["name"] for f in metadata.get("functions", [])) or "none"
    log.write(f"  functions: {names}\n")

    with tempfile.TemporaryDirectory(prefix="funchost-build-") as tmp:
        _step(log, 2, f"Building the wheelhouse of requirements.txt for {target}")
        wheels = _wheelhouse(project, Path(tmp) / "wheels", target, offline, log)
        log.write(f"  {len(wheels)} wheel(s)\n")

        _step(log, 3, f"Base image {base_image}")
        ensure_base_image(engine, base_image, out=log)

        _step(log, 4, f"Building {reference}")
        with tempfile.TemporaryFile() as tar:
            size = write_tar(tar, app_entries(project, wheels, document_text(metadata)))
            log.write(f"  build context: {size / 1e6:.1f} MB\n")
            events = engine.build(
                tar,
                tag=reference,
                buildargs={"FUNCHOST_IMAGE": base_image},
                labels=image_labels(metadata),
                nocache=nocache,
            )
            image_id = BuildLog(log, reference).follow(events)
    if engine.image_labels(reference) is None:
        raise ImageBuildError(f"the engine at {engine.where} reported no error but has no image {reference}")
    log.write(f"Built {reference}\n")
    return BuiltImage(reference, image_id, base_image, metadata, tuple(wheel.name for wheel in wheels))


def check_project(project: Path) -> Path:
    """``project`` resolved, once it is a function project folder (it has a host.json)."""
    project = project.resolve()
    if not (project / "host.json").is_file():
        raise ConfigurationError(
            f"{project} is not a function project (no host.json). Fix: run funchost build in the app folder, "
            "pass --script-root, or create one with 'funchost init --docker'"
        )
    return project


def push_image(engine: Engine, reference: str, *, out: TextIO | None = None) -> str | None:
    """Push ``reference`` (``REGISTRY/NAME:TAG``) with streamed progress; returns the digest when reported."""
    log = out or io.StringIO()
    log.write(f"Pushing {reference}\n")
    digest = PushLog(log, reference).follow(engine.push(reference))
    log.write(f"Pushed {reference}" + (f" ({digest})" if digest else "") + "\n")
    return digest


def _wheelhouse(project: Path, dest: Path, target: Platform, offline: bool, log: TextIO) -> list[Path]:
    requirements = project / "requirements.txt"
    if not requirements.is_file():
        dest.mkdir(parents=True)
        return []
    own = project / "wheels"
    return build_wheelhouse(
        ["-r", str(requirements)],
        dest,
        target=target,
        find_links=[own] if own.is_dir() else [],
        constraints=funchost_constraints(),
        offline=offline,
        out=log,
        cwd=project,
    )


def _step(log: TextIO, number: int, text: str) -> None:
    log.write(f"[{number}/{STEPS}] {text}\n")
    log.flush()
