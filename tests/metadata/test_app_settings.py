"""local.settings.json → environment, without overriding real environment variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from funchost.errors import SettingsError
from funchost.metadata.app_settings import apply_to_environment, load_local_settings


def write(tmp_path: Path, doc: object) -> Path:
    (tmp_path / "local.settings.json").write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return tmp_path


def test_values_are_exported_but_real_env_wins(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "IsEncrypted": False,
            "Values": {"A": "from-file", "B": "b", "N": 3, "F": True},
            "Host": {"LocalHttpPort": 7072},
            "ConnectionStrings": {"Db": {"ConnectionString": "x"}},
        },
    )
    settings = load_local_settings(root)
    env = {"A": "from-env"}
    exported = apply_to_environment(settings, env)
    assert env == {"A": "from-env", "B": "b", "N": "3", "F": "true"} and sorted(exported) == ["B", "F", "N"]
    assert settings.host["LocalHttpPort"] == 7072 and settings.connection_strings == {"Db": "x"}


def test_missing_file_is_fine(tmp_path: Path) -> None:
    assert load_local_settings(tmp_path).values == {}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"IsEncrypted": True, "Values": {"A": "xyz"}}, "IsEncrypted is true"),
        ('{"Values": {"A": "x",}}', "line 1, column 22"),
        ({"Values": ["A"]}, "'Values' must be an object"),
        ({"Values": {"A": {"nested": 1}}}, "Values ['A'] must be strings"),
    ],
)
def test_unusable_settings_are_reported(tmp_path: Path, doc: object, message: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_local_settings(write(tmp_path, doc))
    assert message in str(info.value) and "local.settings.json" in str(info.value)
