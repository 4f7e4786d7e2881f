"""``funchost init``: write the files of a new Azure Functions Python (v2 model) project.

Like Core Tools' ``func init``, an existing file is never overwritten: it is skipped and reported, so running
``init`` again in a project only adds what is missing (for example the Docker files with ``docker=True``).

``host.json`` carries the ``extensionBundle`` section even though funchost does not load .NET extensions and
ignores it: with it the same project also deploys unchanged to Azure Functions, which needs the bundle for every
trigger other than HTTP and timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from funchost.errors import ConfigurationError
from funchost.scaffold.resources import read_template

PROJECT_FILES: dict[str, str] = {
    "function_app.py": "project/function_app.py.tmpl",
    "host.json": "project/host.json.tmpl",
    "local.settings.json": "project/local.settings.json.tmpl",
    "requirements.txt": "project/requirements.txt.tmpl",
    ".gitignore": "project/gitignore.tmpl",
    ".funcignore": "project/funcignore.tmpl",
}
"""File written by every ``init`` → its template under ``templates/`` (template names carry no leading dot so
the repository's own git and tools do not treat them as live configuration)."""

DOCKER_FILES: dict[str, str] = {
    "Dockerfile": "project/Dockerfile.tmpl",
    ".dockerignore": "project/dockerignore.tmpl",
}
"""Files added by ``init --docker``."""


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_project` did, in the order the files are listed above."""

    directory: Path
    written: list[Path]
    skipped: list[Path]
    """Files that already existed and were left untouched."""


def init_project(directory: Path, *, docker: bool) -> InitResult:
    """Create the project files in ``directory`` (created if missing), skipping files that already exist."""
    if directory.exists() and not directory.is_dir():
        raise ConfigurationError(
            f"Cannot create a function project in {directory}: it exists and is not a directory. "
            "Fix: pass a new or existing directory."
        )
    directory.mkdir(parents=True, exist_ok=True)
    files = dict(PROJECT_FILES)
    if docker:
        files.update(DOCKER_FILES)
    written: list[Path] = []
    skipped: list[Path] = []
    for name, template in files.items():
        target = directory / name
        text = read_template(template)
        try:
            with target.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except FileExistsError:
            skipped.append(target)
        else:
            written.append(target)
    return InitResult(directory=directory, written=written, skipped=skipped)
