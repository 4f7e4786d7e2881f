"""The build context of an image, written as an uncompressed tar for the engine.

An app's context is what ``docker build .`` in the project would send — the files its ``.dockerignore`` (or, without
one, the ``funchost init --docker`` defaults) keeps — with funchost's parts put in place of the project's own:

- ``Dockerfile``: the project's, or the ``init --docker`` template when the project has none;
- ``wheels/``: the wheelhouse built on the host (the project's own ``wheels/`` folder fed it as ``--find-links``);
- ``.funchost/functions.json``: the metadata computed on the host (the project's local ``.funchost/`` state — keys,
  scale status — never goes into an image);
- ``requirements.txt``: an empty one when the project has none, so the Dockerfile's ``COPY`` finds it.

Whatever the project's ``.dockerignore`` says (a ``!`` pattern included), ``ALWAYS_EXCLUDED`` never reaches the
context: local settings and ``.env`` files hold secrets, ``.git`` and virtual environments hold history and host
binaries (docs/security.md, "Locked-down manifests and images").

Entries are owned by root, with the modes they have on disk and one fixed modification time, so an unchanged project
gives the same context and the engine's layer cache applies; the Dockerfiles set the owners they need.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from funchost.deploy.baked_metadata import METADATA_PATH
from funchost.deploy.docker_sdk import dockerignore_files
from funchost.scaffold.resources import read_template

Entry = tuple[str, Path | bytes | None]
"""A path inside the context and its content: a file (or folder, or link) on disk, bytes, or ``None`` for a folder."""

CONTEXT_MTIME = 946684800  # 2000-01-01: every entry's modification time
ALWAYS_EXCLUDED = ("local.settings.json", ".env", ".git", ".venv")
"""Names left out at any depth, after the project's own patterns (so none of them can bring one back)."""
REPLACED = ("Dockerfile", ".dockerignore", "wheels", ".funchost")
"""Project paths funchost supplies itself (or leaves out); anything under them is dropped from the project's files."""


def ignore_patterns(project: Path) -> list[str]:
    """The project's ``.dockerignore`` patterns (or the ``init --docker`` ones when it has none), then
    ``ALWAYS_EXCLUDED`` at the top and at any depth: the last matching pattern decides, so these win."""
    path = project / ".dockerignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else read_template("project/dockerignore.tmpl")
    own = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [*own, *ALWAYS_EXCLUDED, *(f"**/{name}" for name in ALWAYS_EXCLUDED)]


def project_entries(project: Path) -> list[Entry]:
    """The project's files that go into the image, as ``docker build`` would send them (folders included)."""
    kept = dockerignore_files(project, ignore_patterns(project))
    return [(name, project / name) for name in kept if name.split("/", 1)[0] not in REPLACED]


def dockerfile_text(project: Path) -> bytes:
    """The project's Dockerfile, or the one ``funchost init --docker`` writes."""
    path = project / "Dockerfile"
    return path.read_bytes() if path.is_file() else read_template("project/Dockerfile.tmpl").encode()


def app_entries(project: Path, wheels: Sequence[Path], metadata_text: str) -> list[Entry]:
    """Everything an app image is built from: project files, Dockerfile, wheelhouse and metadata."""
    entries = project_entries(project)
    entries.append(("Dockerfile", dockerfile_text(project)))
    if not (project / "requirements.txt").is_file():
        entries.append(("requirements.txt", b""))
    entries += wheel_entries(wheels)
    entries += [(".funchost", None), (METADATA_PATH, metadata_text.encode())]
    return entries


def wheel_entries(wheels: Sequence[Path]) -> list[Entry]:
    """``wheels/`` and one entry a wheel."""
    return [("wheels", None), *((f"wheels/{wheel.name}", wheel) for wheel in wheels)]


def write_tar(fileobj: IO[bytes], entries: Iterable[Entry]) -> int:
    """Write ``entries`` as a tar to ``fileobj`` (left at its start); returns the bytes written."""
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, source in entries:
            if isinstance(source, Path):
                info = _normalized(archive.gettarinfo(str(source), arcname=name))
                if info.isfile():
                    with source.open("rb") as handle:
                        archive.addfile(info, handle)
                else:
                    archive.addfile(info)  # folders and symlinks
            elif source is None:
                info = _normalized(tarfile.TarInfo(name))
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                info = _normalized(tarfile.TarInfo(name))
                info.size, info.mode = len(source), 0o644
                archive.addfile(info, io.BytesIO(source))
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def _normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = CONTEXT_MTIME
    return info
