"""The wheelhouse built on the host: platform selection, funchost's constraints, and real pip runs (the host's
package index, or only a local wheels/ folder) with errors that name the missing wheel and the fix."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from funchost.deploy.errors import WheelhouseError
from funchost.deploy.wheelhouse import IMAGE_PLATFORM, Platform, build_wheelhouse, funchost_constraints

pytestmark = pytest.mark.timeout(300)


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel (one module), as `pip wheel` would make it."""
    folder.mkdir(parents=True, exist_ok=True)
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": b"VALUE = 1\n",
        f"{dist}/METADATA": "\n".join(
            [
                "Metadata-Version: 2.1",
                f"Name: {name}",
                f"Version: {version}",
                *(f"Requires-Dist: {r}" for r in requires),
            ]
        ).encode()
        + b"\n",
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
        for path, data in files.items()
    ]
    files[f"{dist}/RECORD"] = ("\n".join([*record, f"{dist}/RECORD,,"]) + "\n").encode()
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def test_the_image_platform_is_cpython_311_on_glibc_linux_x86_64() -> None:
    tags = IMAGE_PLATFORM.platform_tags()
    assert tags[0] == "manylinux_2_36_x86_64" and "manylinux_2_17_x86_64" in tags
    assert "manylinux_2_16_x86_64" not in tags and tags[-2:] == ["manylinux2014_x86_64", "linux_x86_64"]
    args = IMAGE_PLATFORM.download_args()
    assert args[:5] == ["--only-binary=:all:", "--implementation", "cp", "--python-version", "3.11"]
    assert [args[i + 1] for i, arg in enumerate(args) if arg == "--abi"] == ["cp311", "abi3", "none"]


def test_this_machine_is_the_image_platform_only_when_python_and_glibc_fit() -> None:
    assert IMAGE_PLATFORM.is_host()  # the development machine: Debian 12, CPython 3.11, x86_64
    assert not Platform(python="3.12").is_host()
    assert not Platform(machine="aarch64").is_host()
    assert not Platform(glibc=(2, 17)).is_host()  # wheels pip picks here could need a newer glibc than the image


def test_funchost_constraints_are_its_runtime_ranges_without_extras() -> None:
    constraints = funchost_constraints()
    assert "azure-functions<1.27,>=1.21" in constraints
    assert "uvicorn<1,>=0.30" in constraints  # uvicorn[standard]: constraints cannot carry extras
    assert not [c for c in constraints if "pytest" in c or "extra" in c]


def test_offline_takes_wheels_from_the_folder_only(tmp_path: Path) -> None:
    own = tmp_path / "project" / "wheels"
    make_wheel(own, "orders_lib", "1.2.0", requires=("orders_core>=2",))
    make_wheel(own, "orders_core", "2.0.1")
    out = io.StringIO()

    wheels = build_wheelhouse(["orders_lib"], tmp_path / "house", find_links=[own], offline=True, out=out)

    assert [w.name for w in wheels] == ["orders_core-2.0.1-py3-none-any.whl", "orders_lib-1.2.0-py3-none-any.whl"]
    assert "orders_lib" in out.getvalue()  # pip's own output, streamed


def test_offline_without_the_wheel_names_it_and_the_fix(tmp_path: Path) -> None:
    own = tmp_path / "wheels"
    make_wheel(own, "orders_lib", "1.2.0", requires=("orders_core>=2",))

    with pytest.raises(WheelhouseError) as caught:
        build_wheelhouse(["orders_lib"], tmp_path / "house", find_links=[own], offline=True)

    message = str(caught.value)
    assert message.startswith(
        f"no wheel of orders_core>=2 (needed by orders_lib) for the image's platform ({IMAGE_PLATFORM})"
    )
    assert f"on {own}." in message
    assert "Fix: put a wheel of orders_core>=2 built for that platform in the project's wheels/ folder" in message


def test_a_pin_outside_funchosts_range_is_a_conflict(tmp_path: Path) -> None:
    own = tmp_path / "wheels"
    make_wheel(own, "azure_functions", "1.20.0")

    with pytest.raises(WheelhouseError, match=r"(?s)conflict with each other or with funchost's own.*Fix: relax"):
        build_wheelhouse(
            ["azure-functions==1.20.0"],
            tmp_path / "house",
            find_links=[own],
            offline=True,
            constraints=funchost_constraints(),
        )


def test_on_the_image_platform_pip_wheel_resolves_from_the_index(tmp_path: Path) -> None:
    (wheel,) = build_wheelhouse(["azure-functions==1.26.0", "--no-deps"], tmp_path / "house")
    assert wheel.name == "azure_functions-1.26.0-py3-none-any.whl"


def test_for_another_platform_binary_wheels_are_downloaded(tmp_path: Path) -> None:
    target = Platform(python="3.12")
    wheels = build_wheelhouse(["pyyaml==6.0.2", "--no-deps"], tmp_path / "house", target=target)
    assert [w.name for w in wheels] == ["PyYAML-6.0.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]


def test_a_package_without_a_wheel_for_the_platform_names_it(tmp_path: Path) -> None:
    target = Platform(machine="sparc64")  # nobody publishes wheels for it
    with pytest.raises(WheelhouseError, match=r"no wheel of pyyaml==6.0.2 .*Linux sparc64, CPython 3.11"):
        build_wheelhouse(["pyyaml==6.0.2", "--no-deps"], tmp_path / "house", target=target)
