"""The host id: names the app's singleton locks and timer status in storage, and shows in /admin/host/status."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path


def host_id(script_root: Path, env: Mapping[str, str] | None = None) -> str:
    """`AzureFunctionsWebHost__hostid` or the app folder's name, lower-case, at most 32 characters (as Azure)."""
    env = os.environ if env is None else env
    explicit = env.get("AzureFunctionsWebHost__hostid") or env.get("AzureFunctionsWebHost__hostId")
    raw = explicit or script_root.name or "funchost"
    return re.sub(r"[^a-z0-9-]", "-", raw.lower())[:32].strip("-") or "funchost"
