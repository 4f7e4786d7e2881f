"""Reading the scaffolding text files under the repository's ``templates/`` folder and filling their placeholders.

Placeholders are written ``{{name}}``; every placeholder in a file must be given a value and every value must be
used, so a template and the code that fills it cannot silently drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
"""Root of the template files: ``templates/project/`` (``funchost init``) and ``templates/functions/``."""

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def template_path(relative: str) -> Path:
    """The absolute path of a template file given relative to :data:`TEMPLATES_DIR`."""
    return TEMPLATES_DIR / relative


def read_template(relative: str) -> str:
    """The text of one template file; a missing file means a broken installation, not a user mistake."""
    path = template_path(relative)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"funchost template file {path} is missing; the installation is incomplete") from None


def render(text: str, values: Mapping[str, str], *, optional: Collection[str] = ()) -> str:
    """Replace each ``{{key}}`` in ``text`` with ``values[key]``.

    Raises ``ValueError`` (a bug in funchost, not in the user's input) when a placeholder has no value or a value
    not named in ``optional`` has no placeholder.
    """
    used = set(_PLACEHOLDER.findall(text))
    missing = sorted(used - values.keys())
    unused = sorted(values.keys() - used - set(optional))
    if missing or unused:
        raise ValueError(f"template placeholders do not match: missing values {missing}, unused values {unused}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
