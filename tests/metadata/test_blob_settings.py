"""The `blob` binding's settings parser: the path is parsed once (errors name function, binding and fix),
`%AppSetting%` is resolved, dataType is checked, `inout` and identity-based connections are refused."""

from __future__ import annotations

from typing import Any

import pytest

from funchost.errors import ConnectionSettingError, FunctionDefinitionError
from funchost.metadata.binding_settings import parse_binding
from funchost.metadata.blob_settings import BlobBindingSettings
from funchost.metadata.spec import BindingSpec, Direction

ENV = {"Store": "UseDevelopmentStorage=true", "CONTAINER": "images"}


def parse(env: dict[str, str] | None = None, **raw: Any) -> BlobBindingSettings:
    binding = {"name": "doc", "type": "blob", "direction": "in", "path": "c/{name}", "connection": "Store"} | raw
    settings = parse_binding(BindingSpec.from_dict(binding), "fn", ENV if env is None else env)
    assert isinstance(settings, BlobBindingSettings)
    return settings


def test_a_path_is_parsed_once_with_app_settings_resolved() -> None:
    settings = parse(path="%CONTAINER%/{name}.{ext}", dataType="STRING")
    assert settings.path.pattern == "images/{name}.{ext}" and settings.path.parameter_names == ("name", "ext")
    assert settings.path.bind({"name": "cat", "ext": "png"}) == "images/cat.png"
    assert settings.data_type == "string" and settings.direction is Direction.IN
    assert settings.connection.setting_name == "Store" and settings.connection.is_development()
    assert parse(dataType="UNDEFINED", direction="out").data_type is None  # the decorators' default


@pytest.mark.parametrize(
    ("raw", "cause", "fix"),
    [
        ({"path": "c/{name"}, "path: Invalid template 'c/{name': missing closing bracket", "{rand-guid}"),
        ({"path": "c/{}"}, "parameter name at position 3 is empty", "double a brace"),
        ({"path": "c/{a-b}"}, "the parameter name 'a-b' is invalid", "{data.key}"),
        ({"path": ""}, "binding 'doc' (blob) has no 'path'", "container/blob name"),
        ({"path": "/c/x"}, "path '/c/x' is not 'container/blob name'", "start the path with the container"),
        ({"dataType": "json"}, "has dataType 'json'", "binary, stream, string"),
        ({"direction": "inout"}, "direction 'inout', which the Python worker does not support", "a blob output"),
    ],
)
def test_bad_settings_name_function_binding_and_fix(raw: dict[str, Any], cause: str, fix: str) -> None:
    with pytest.raises(FunctionDefinitionError) as caught:
        parse(**raw)
    problem, _, remedy = str(caught.value).partition(". Fix: ")
    assert problem.startswith("Function 'fn': ") and cause in problem and fix in remedy


def test_an_unset_app_setting_in_the_path_names_it() -> None:
    with pytest.raises(ConnectionSettingError, match="binding 'doc' \\(blob\\) property 'path' refers to app setting"):
        parse(path="%NOPE%/x")


def test_identity_based_connections_are_refused_naming_the_setting() -> None:
    for suffix in ("blobServiceUri", "serviceUri"):
        env = {f"Store__{suffix}": "https://acct.blob.core.windows.net"}
        with pytest.raises(FunctionDefinitionError) as caught:
            parse(env=env)
        problem, _, remedy = str(caught.value).partition(". Fix: ")
        assert "binding 'doc' (blob) uses the identity-based connection 'Store' (https://acct.blob.core." in problem
        assert "'Store' to a storage connection string" in remedy


def test_a_missing_connection_setting_is_named() -> None:
    with pytest.raises(ConnectionSettingError, match="'Store__blobServiceUri'"):
        parse(env={})
