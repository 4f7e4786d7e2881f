"""The function metadata baked into an app image: ``funchost functions list --json`` computed on the host.

The image carries it twice: as the file ``/home/site/wwwroot/.funchost/functions.json`` (for the scale controller
running next to the app) and as the image label ``io.funchost.functions`` (for tools that only see the image, such as
the manifest generator or a registry browser). ``scriptRoot`` is the path inside the image.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from funchost import __version__
from funchost.errors import ConfigurationError
from scale_controller.app_metadata import index_project

IMAGE_SCRIPT_ROOT = "/home/site/wwwroot"
"""``AzureWebJobsScriptRoot`` of every funchost image."""
METADATA_PATH = ".funchost/functions.json"
"""Where the document lives, relative to the script root."""
FUNCTIONS_LABEL = "io.funchost.functions"
VERSION_LABEL = "io.funchost.version"


def index_on_host(project: Path) -> dict[str, Any]:
    """The project's metadata document, with ``scriptRoot`` set to the image's; indexing runs in a subprocess."""
    document = index_project(project.resolve(), environ=dict(os.environ))
    return {**document, "scriptRoot": IMAGE_SCRIPT_ROOT}


def document_text(document: Mapping[str, Any]) -> str:
    """The file's content: the same JSON ``funchost functions list --json`` prints."""
    return json.dumps(document, indent=2) + "\n"


def image_labels(document: Mapping[str, Any]) -> dict[str, str]:
    """The labels an app image gets: the compact document and the funchost version that built it."""
    return {FUNCTIONS_LABEL: json.dumps(document, separators=(",", ":")), VERSION_LABEL: __version__}


def document_from_labels(labels: Mapping[str, str], image: str = "the image") -> dict[str, Any]:
    """The metadata document of an image built by ``funchost build``, read back from its labels."""
    text = labels.get(FUNCTIONS_LABEL)
    if text is None:
        raise ConfigurationError(
            f"{image} has no {FUNCTIONS_LABEL} label, so it was not built by 'funchost build'. Fix: build it with "
            "'funchost build', or pass the app folder instead of the image"
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"{image}: label {FUNCTIONS_LABEL} is not valid JSON ({exc}). Fix: rebuild it"
        ) from None
    if not isinstance(document, dict):
        raise ConfigurationError(f"{image}: label {FUNCTIONS_LABEL} is not a JSON object. Fix: rebuild it")
    return document
