"""Image references for `funchost build`: name from the folder, --tag as for `docker build -t`, --registry prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from funchost.deploy.naming import has_tag, image_reference, name_from_folder
from funchost.errors import ConfigurationError


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("http-hello", "http-hello"),
        ("My Orders_App", "my-orders_app"),
        ("Ünïcode--App..", "n-code-app"),
        ("a.-b", "a-b"),
    ],
)
def test_the_name_comes_from_the_folder(tmp_path: Path, folder: str, name: str) -> None:
    assert name_from_folder(tmp_path / folder) == name


def test_a_folder_name_with_nothing_usable_asks_for_a_tag(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"Fix: pass --tag NAME\[:TAG\]"):
        name_from_folder(tmp_path / "!!!")


@pytest.mark.parametrize(
    ("tag", "registry", "expected"),
    [
        (None, None, "orders:latest"),
        ("billing", None, "billing:latest"),
        ("billing:v2", None, "billing:v2"),
        (None, "registry.internal", "registry.internal/orders:latest"),
        ("billing:v2", "localhost:5000/team/", "localhost:5000/team/billing:v2"),
        ("localhost:5000/team/billing:v2", "localhost:5000/team", "localhost:5000/team/billing:v2"),
        ("localhost:5000/billing", None, "localhost:5000/billing:latest"),  # a port is not a tag
    ],
)
def test_reference_from_tag_and_registry(tmp_path: Path, tag: str | None, registry: str | None, expected: str) -> None:
    assert image_reference(tmp_path / "orders", tag, registry) == expected


@pytest.mark.parametrize("tag", ["Orders:v1", "orders:", "orders:v1:v2", "-orders", "orders:-v1"])
def test_an_invalid_reference_names_the_options(tmp_path: Path, tag: str) -> None:
    with pytest.raises(ConfigurationError, match=r"not a valid image reference\. Fix: .*--tag NAME\[:TAG\]"):
        image_reference(tmp_path / "orders", tag)


def test_has_tag_looks_after_the_last_slash() -> None:
    assert has_tag("a:1") and has_tag("host:5000/a:1")
    assert not has_tag("host:5000/a") and not has_tag("a")
