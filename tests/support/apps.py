"""Writing small function apps into a temporary folder for tests."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any


def write_app(
    root: Path,
    source: str | None = None,
    *,
    host_json: dict[str, Any] | str | None = None,
    settings: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if source is not None:
        (root / "function_app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    host = host_json if host_json is not None else {"version": "2.0"}
    (root / "host.json").write_text(host if isinstance(host, str) else json.dumps(host), encoding="utf-8")
    if settings is not None:
        doc = {"IsEncrypted": False, "Values": settings}
        (root / "local.settings.json").write_text(json.dumps(doc), encoding="utf-8")
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root
