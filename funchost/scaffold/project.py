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
from funchost.scaffold.app_source import parse_app
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


def next_steps(result: InitResult, *, docker: bool) -> str:
    """The command line to run next: add a function only when ``function_app.py`` has none yet.

    ``init --docker`` in a project that already has functions suggests building the image, not adding a
    ``hello`` function that may already be there.
    """
    prefix = "" if result.directory == Path(".") else f"cd {result.directory} && "
    if _has_functions(result):
        return f"{prefix}funchost build" if docker else f"{prefix}funchost start"
    return f'{prefix}funchost new --template "HTTP trigger" --name hello && funchost start'


def _has_functions(result: InitResult) -> bool:
    app_file = result.directory / "function_app.py"
    if app_file not in result.skipped:
        return False  # just written from the template: an app without functions
    try:
        return bool(parse_app(app_file).function_names)
    except (ConfigurationError, OSError, UnicodeDecodeError):
        return True  # the user's own file we cannot read: never suggest adding to it
