"""blobTrigger settings at load: the path split into a literal container and a blob pattern (the SDK's capture
rules for `{name}.{ext}`), its listing prefix, the source, extensions.blobs options; and every bad input failing
with the function, binding and fix named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from funchost.errors import FunctionDefinitionError, HostJsonError
from funchost.metadata.binding_settings import parse_binding
from funchost.metadata.blob_trigger_settings import BlobTriggerSettings, keda_blob_prefix
from funchost.metadata.extension_options import BlobsOptions, processor_count
from funchost.metadata.host_config import load_host_config
from funchost.metadata.spec import BindingSpec
from funchost.metadata.trigger_kinds import BLOB

ENV = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "UPLOADS": "uploads"}


def parse(**binding: Any) -> BlobTriggerSettings:
    raw = {"name": "blob", "type": "blobTrigger", "direction": "in", **binding}
    settings = parse_binding(BindingSpec.from_dict(raw), "f", ENV)
    assert isinstance(settings, BlobTriggerSettings)
    return settings


def test_path_splits_into_container_pattern_and_prefix() -> None:
    settings = parse(path="%UPLOADS%/images/{name}.{ext}")
    assert (settings.container, settings.blob_pattern, settings.prefix) == ("uploads", "images/{name}.{ext}", "images/")
    match = settings.capture().match("images/sub/cat.large.png")
    assert match is not None and match.groupdict() == {"name": "sub/cat.large", "ext": "png"}  # greedy, as the SDK
    assert settings.capture().match("other/cat.png") is None
    assert settings.connection.setting_name == "AzureWebJobsStorage"
    everything = parse(path="uploads")
    assert everything.prefix == "" and everything.capture().match("any/blob") is not None
    assert settings.source == "LogsAndContainerScan"
    assert parse(path="uploads/{name}", source="eventgrid").source == "EventGrid"  # any casing, as the enum parse


@pytest.mark.parametrize(
    ("binding", "problem", "fix"),
    [
        ({}, "has no 'path'", 'set path="<container>/{name}"'),
        ({"path": "uploads/{name"}, "is not a valid blob path pattern", "plain {name} parameters"),
        ({"path": "uploads/{data.id}"}, "is not a valid blob path pattern", "plain {name} parameters"),
        ({"path": "{c}/{name}"}, "has a parameter in the container name", "name one container literally"),
        ({"path": "Bad_Container/{name}"}, "Bad_Container", "lowercase"),
        ({"path": "uploads/{name}", "source": "Logs"}, "source 'Logs'", "LogsAndContainerScan, EventGrid"),
        ({"path": "uploads/{name}", "connection": "Missing"}, "connection 'Missing'", "Fix: add"),
    ],
)
def test_bad_input_fails_naming_function_binding_and_fix(binding: dict[str, Any], problem: str, fix: str) -> None:
    with pytest.raises(Exception) as caught:
        parse(**binding)
    text = str(caught.value)
    assert "'f'" in text and "'blob'" in text and problem in text and fix in text, text


def test_extensions_blobs_options_and_the_queue_options_derived_from_them(tmp_path: Path) -> None:
    assert BlobsOptions.from_section({}).max_degree_of_parallelism == 8 * processor_count()
    assert BlobsOptions.from_section({}).poison_blob_threshold == 5
    # SharedBlobQueueListenerFactory.BlobsOptionsToQueuesOptions, the extension's own test cases
    for mdop, batch, threshold in [(100, 32, 68), (64, 32, 32), (63, 32, 31), (16, 9, 7), (3, 2, 1), (1, 1, 0)]:
        queues = BlobsOptions(max_degree_of_parallelism=mdop, poison_blob_threshold=4).queue_options()
        assert (queues.batch_size, queues.new_batch_threshold, queues.max_dequeue_count) == (batch, threshold, 4)
    with pytest.raises(HostJsonError, match=r"extensions.blobs.maxDegreeOfParallelism is 0; allowed: >= 1"):
        BlobsOptions.from_section({"maxDegreeOfParallelism": 0})
    (tmp_path / "host.json").write_text(
        json.dumps({"version": "2.0", "extensions": {"blobs": {"MaxDegreeOfParallelism": 3}}})
    )
    config = load_host_config(tmp_path, env={})
    settings = parse(path="uploads/{name}")
    assert BLOB.concurrency(settings, config) == BLOB.scale_target(settings, config) == 3


def test_the_keda_prefix_follows_the_path_unless_set() -> None:
    settings = parse(path="uploads/in/{name}.csv")
    assert keda_blob_prefix(settings, {"recursive": "true"}) == "in/"
    assert keda_blob_prefix(settings, {"recursive": "false"}) == "in"  # KEDA appends the delimiter
    assert keda_blob_prefix(settings, {"blobPrefix": "x", "recursive": "true"}) == "x"
    assert keda_blob_prefix(parse(path="uploads/{name}"), {"recursive": "true"}) is None


def test_a_function_definition_error_is_what_bad_paths_raise() -> None:
    with pytest.raises(FunctionDefinitionError):
        parse(path="uploads/{name")
