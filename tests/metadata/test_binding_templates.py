"""Binding expressions parsed and bound as the WebJobs SDK's BindingTemplate does: grammar errors at load, values from
trigger metadata and JSON payloads, the built-ins, and the capture regex a blob trigger path becomes."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest

from funchost.errors import BindingDataError, BindingTemplateError, ConfigurationError, InvocationError
from funchost.metadata.binding_templates import SystemBindingData, parse_template


def test_literal_text_and_escaped_braces_come_out_as_written() -> None:
    assert parse_template("samples-workitems/plain.txt").bind({}) == "samples-workitems/plain.txt"
    assert parse_template("a{{b}}c").bind({}) == "a{b}c"
    assert not parse_template("a{{b}}c").has_parameters


def test_trigger_metadata_and_payload_properties_are_substituted_case_insensitively() -> None:
    data = {"QueueTrigger": "hello", "id": "42", "data": {"Key": "k1", "nested": {"deep": 7}}}
    template = parse_template("out/{queueTrigger}/{id}/{data.key}/{DATA.Nested.deep}.txt")
    assert template.bind(data) == "out/hello/42/k1/7.txt"
    assert template.parameter_names == ("queueTrigger", "id", "data", "DATA")


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "True"), (3, "3"), (2.0, "2"), (2.5, "2.5"), (None, ""), ({"a": 1}, ""), ([1, 2], "")],
)
def test_values_become_text_as_the_host_prints_them(value: object, text: str) -> None:
    assert parse_template("{v}").bind({"v": value}) == text


def test_rand_guid_and_datetime_builtins_and_their_formats() -> None:
    guid = parse_template("{rand-guid}").bind({})
    assert uuid.UUID(guid) and guid == guid.lower() and len(guid) == 36
    assert re.fullmatch(r"[0-9a-f]{32}", parse_template("{rand-guid:N}").bind({}))
    now = datetime.datetime.now(datetime.UTC)
    stamped = parse_template("{DateTime}").bind({})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", stamped)
    assert parse_template("{datetime:yyyy}").bind({}) in {str(now.year), str(now.year + 1)}


def test_a_builtin_name_in_the_data_wins_over_the_builtin() -> None:
    assert parse_template("{DateTime}").bind({"DateTime": "from-the-trigger"}) == "from-the-trigger"


def test_sys_binding_data() -> None:
    bound = parse_template("{sys.methodname}/{sys.randguid}/{sys.utcnow:yyyy}").bind({}, SystemBindingData("process"))
    method, guid, year = bound.split("/")
    assert method == "process" and uuid.UUID(guid) and year.isdigit()


def test_a_missing_name_fails_the_invocation_naming_it_and_what_there_was() -> None:
    with pytest.raises(BindingDataError, match=r"No value for named parameter 'name'.*binding data: id") as info:
        parse_template("out/{name}.txt").bind({"id": "1"})
    assert isinstance(info.value, InvocationError)


def test_a_missing_property_of_a_payload_fails_naming_the_property() -> None:
    with pytest.raises(BindingDataError, match="Error while accessing 'missing'"):
        parse_template("{data.missing}").bind({"data": {"key": 1}})


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("out/{name.txt", "missing closing bracket at position 5"),
        ("out/name}.txt", "missing opening bracket at position 9"),
        ("out/{}.txt", "parameter name at position 5 is empty"),
        ("out/{1abc}", "not a valid binding expression"),
        ("out/{a b}", "not a valid binding expression"),
        ("out/{my-name}", "parameter name 'my-name' is invalid"),
        ("out/{a..b}", "empty property name"),
    ],
)
def test_malformed_templates_are_load_errors_naming_the_template(template: str, problem: str) -> None:
    with pytest.raises(BindingTemplateError, match=re.escape(problem)) as info:
        parse_template(template)
    assert template in str(info.value) and isinstance(info.value, ConfigurationError)


def test_a_trigger_path_captures_greedily_like_the_sdk() -> None:
    regex = parse_template("images/{name}.{ext}").capture_regex()
    match = regex.match("images/holiday.photo.jpg")
    assert match is not None and match.groupdict() == {"name": "holiday.photo", "ext": "jpg"}
    assert regex.match("other/holiday.jpg") is None
    assert parse_template("in/{name}").capture_regex().match("in/sub/dir/file.bin")["name"] == "sub/dir/file.bin"


def test_a_trigger_path_cannot_capture_a_dotted_expression() -> None:
    with pytest.raises(BindingTemplateError, match="plain names"):
        parse_template("in/{data.id}").capture_regex()
