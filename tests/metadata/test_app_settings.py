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
    assert env == {"A": "from-env", "B": "b", "N": "3", "F": "True"} and sorted(exported) == ["B", "F", "N"]
    assert settings.host["LocalHttpPort"] == 7072 and settings.connection_strings == {"Db": "x"}


def test_missing_file_is_fine(tmp_path: Path) -> None:
    assert load_local_settings(tmp_path).values == {}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"IsEncrypted": True, "Values": {"A": "xyz"}}, "IsEncrypted is true"),
        ('{"Values": {"A": "x" "B": "y"}}', "line 1, column 22"),
        ({"Values": ["A"]}, "'Values' must be an object"),
        ({"Values": {"A": {"nested": 1}}}, "Values.A is an object; app settings are flat name → text pairs"),
        ({"Values": {"A": [1]}}, "Values.A is list"),
        ({"Values": {"A": "a\u0000b"}}, "Values.A contains a NUL character"),
        ({"Values": {"A=B": "x"}}, "cannot be an environment variable name"),
        ({"Values": {"": "x"}}, "cannot be an environment variable name"),
        ({"ConnectionStrings": "x"}, "'ConnectionStrings' must be an object"),
        ({"ConnectionStrings": {"Db": [1]}}, "ConnectionStrings.Db must be a string"),
        ({"Host": "x"}, "'Host' must be an object"),
        ({"Host": {"LocalHttpPort": 99999}}, "Host.LocalHttpPort is 99999; expected a port number from 1 to 65535"),
        ({"Host": {"LocalHttpPort": "abc"}}, "Host.LocalHttpPort is 'abc'"),
        ({"Host": {"LocalHttpPort": 0}}, "Host.LocalHttpPort is 0"),
        ({"Host": {"LocalHttpPort": True}}, "Host.LocalHttpPort is True"),
        ({"Host": {"CORS": ["*"]}}, "Host.CORS must be a string"),
        ({"Host": {"CORSCredentials": "maybe"}}, "Host.CORSCredentials is 'maybe'; expected true or false"),
        ({"IsEncrypted": "yes"}, "IsEncrypted is 'yes'; expected true or false"),
    ],
)
def test_unusable_settings_are_reported(tmp_path: Path, doc: object, message: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_local_settings(write(tmp_path, doc))
    assert message in str(info.value) and "local.settings.json" in str(info.value)


def test_settings_are_read_as_core_tools_reads_them(tmp_path: Path) -> None:
    """Json.NET's text for scalars, null = not set, string ports and booleans, and a lenient file."""
    root = write(
        tmp_path,
        '{\n  // written by hand\n  "IsEncrypted": "false",\n'
        '  "Values": {"I": 7, "F": 1.5, "W": 2.0, "B": false, "N": null, "S": "x, // not a comment",},\n'
        '  "Host": {"localHttpPort": "7075", "CORS": "*", "CORSCredentials": "true"},\n'
        '  "ConnectionStrings": {"Plain": "a", "Obj": {"ConnectionString": "b", "ProviderName": "p"}},\n}\n',
    )
    settings = load_local_settings(root)
    assert settings.values == {"I": "7", "F": "1.5", "W": "2", "B": "False", "S": "x, // not a comment"}
    assert settings.local_http_port == 7075
    assert settings.connection_strings == {"Plain": "a", "Obj": "b"}


def test_bytes_that_are_not_utf8_are_reported(tmp_path: Path) -> None:
    (tmp_path / "local.settings.json").write_bytes(b'{"Values": {"A": "\xff"}}')
    with pytest.raises(SettingsError, match=r"local.settings.json is not UTF-8 text"):
        load_local_settings(tmp_path)
