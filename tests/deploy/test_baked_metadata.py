"""The metadata baked into an image: `funchost functions list --json` computed on the host, with the image's
script root, as a file and as a label that reads back."""

from __future__ import annotations

import json

import pytest

from funchost.deploy.baked_metadata import (
    FUNCTIONS_LABEL,
    IMAGE_SCRIPT_ROOT,
    VERSION_LABEL,
    document_from_labels,
    document_text,
    image_labels,
    index_on_host,
)
from funchost.errors import ConfigurationError
from tests.support.hostproc import SAMPLES


def test_the_hosts_index_with_the_images_script_root() -> None:
    document = index_on_host(SAMPLES / "queue-pipeline")

    assert document["scriptRoot"] == IMAGE_SCRIPT_ROOT == "/home/site/wwwroot"
    functions = {f["name"]: f for f in document["functions"]}
    assert sorted(functions) == ["process_order", "submit_order"]
    assert functions["process_order"]["scale"]["target"] == 32  # the scale controller's and manifests' input
    assert json.loads(document_text(document)) == document


def test_labels_carry_the_document_and_read_back() -> None:
    document = index_on_host(SAMPLES / "http-hello")
    labels = image_labels(document)

    assert labels[VERSION_LABEL] == "0.1.0"
    assert "\n" not in labels[FUNCTIONS_LABEL]
    assert document_from_labels(labels) == document


def test_an_image_not_built_by_funchost_says_so() -> None:
    with pytest.raises(ConfigurationError, match=r"app:1 has no io.funchost.functions label.*Fix: build it with"):
        document_from_labels({}, "app:1")


@pytest.mark.parametrize("text", ["{not json", "[1]"])
def test_a_broken_label_asks_for_a_rebuild(text: str) -> None:
    with pytest.raises(ConfigurationError, match=r"label io.funchost.functions is not .*Fix: rebuild"):
        document_from_labels({FUNCTIONS_LABEL: text})
