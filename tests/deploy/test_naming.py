"""Image references for `funchost build`: name from the folder, --tag as for `docker build -t`, --registry prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from funchost.deploy.naming import has_tag, image_reference, name_from_folder, pin_digest
from funchost.errors import ConfigurationError

DIGEST = "sha256:" + "4f" * 32


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


@pytest.mark.parametrize(
    ("reference", "pinned"),
    [
        ("funchost/host:0.1.0", f"funchost/host@{DIGEST}"),
        ("registry.example:5000/team/host", f"registry.example:5000/team/host@{DIGEST}"),
        (f"registry.example:5000/host:1@sha256:{'0' * 64}", f"registry.example:5000/host@{DIGEST}"),
    ],
)
def test_the_base_image_is_pinned_by_digest_without_its_tag(reference: str, pinned: str) -> None:
    assert pin_digest(reference, DIGEST) == pinned


@pytest.mark.parametrize("digest", ["sha256:abc", "md5:" + "a" * 32, "a" * 64, f"sha256:{'A' * 64}"])
def test_a_malformed_digest_names_the_option_and_the_form(digest: str) -> None:
    with pytest.raises(ConfigurationError, match=r"--base-image-digest is .*; expected sha256: and 64 lowercase hex"):
        pin_digest("funchost/host:1", digest)
