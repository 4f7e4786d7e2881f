"""Where keys come from: environment, Azure's kubernetes / files secret stores, the generated project file."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from funchost.errors import ConfigurationError
from funchost.http.keys import PROJECT_KEYS_FILE, KeyStore, key_matches, load_keys


def test_project_file_is_generated_once_private_and_ignored_by_git(tmp_path: Path) -> None:
    first = load_keys(tmp_path, ["hello", "Other"], env={})
    path = tmp_path / PROJECT_KEYS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert (path.parent / ".gitignore").read_text() == "*\n"
    doc = json.loads(path.read_text())
    assert set(doc) == {"masterKey", "hostKeys", "functionKeys"}
    assert set(doc["functionKeys"]) == {"hello", "Other"}
    keys = [doc["masterKey"], doc["hostKeys"]["default"], *(k["default"] for k in doc["functionKeys"].values())]
    assert len(set(keys)) == len(keys) and all(len(k) >= 40 for k in keys)
    again = load_keys(tmp_path, ["hello", "other"], env={})
    assert again.keys == first.keys and again.function_key("OTHER") == doc["functionKeys"]["Other"]["default"]


def test_new_functions_get_keys_and_existing_keys_stay(tmp_path: Path) -> None:
    first = load_keys(tmp_path, ["a"], env={})
    second = load_keys(tmp_path, ["a", "b"], env={})
    assert second.master == first.master and second.function_key("a") == first.function_key("a")
    assert second.function_key("b") not in (None, first.function_key("a"))


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    env = {"FUNCHOST_MASTER_KEY": "env-master", "FUNCHOST_FUNCTION_KEY_HELLO": "env-hello"}
    store = load_keys(tmp_path, ["hello"], env=env)
    file_doc = json.loads((tmp_path / PROJECT_KEYS_FILE).read_text())
    assert store.master == "env-master" and store.function_key("hello") == "env-hello"
    assert store.keys.host["default"] == file_doc["hostKeys"]["default"]  # what env does not set comes from the file
    assert store.sources[0].startswith("environment (FUNCHOST_FUNCTION_KEY_HELLO, FUNCHOST_MASTER_KEY)")


@pytest.mark.parametrize(
    "content",
    ["not json", "[]", '{"masterKey": 5}', '{"hostKeys": ["x"]}', '{"functionKeys": {"f": "x"}}'],
)
def test_a_broken_project_file_is_reported(tmp_path: Path, content: str) -> None:
    path = tmp_path / PROJECT_KEYS_FILE
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=r"keys\.json: not a valid keys file.*delete it"):
        load_keys(tmp_path, ["f"], env={})


def test_kubernetes_secret_volume(tmp_path: Path) -> None:
    folder = tmp_path / "functions-keys"
    (folder / "..2024_01_01").mkdir(parents=True)  # what a mounted Secret looks like besides the key files
    files = {
        "host.master": "k8s-master\n",
        "host.function.default": "k8s-host",
        "host.systemKey.default": "k8s-system",
        "functions.hello.default": "k8s-hello",
        "functions.hello.extra": "k8s-hello-2",
        "..data": "ignored",
    }
    for name, value in files.items():
        (folder / name).write_text(value)
    env = {"AzureWebJobsSecretStorageType": "kubernetes", "FUNCHOST_SECRETS_PATH": str(folder)}
    store = load_keys(tmp_path, ["hello"], env=env)
    assert store.master == "k8s-master"
    assert store.keys.host == {"default": "k8s-host"}
    assert store.keys.functions == {"hello": {"default": "k8s-hello", "extra": "k8s-hello-2"}}
    assert set(store.accepted("function", "hello")) == {b"k8s-hello", b"k8s-hello-2", b"k8s-host", b"k8s-master"}
    assert store.accepted("admin", "hello") == (b"k8s-master",)
    assert not (tmp_path / PROJECT_KEYS_FILE).exists()


def test_kubernetes_without_a_mounted_secret_is_a_configuration_error(tmp_path: Path) -> None:
    env = {"AzureWebJobsSecretStorageType": "kubernetes", "FUNCHOST_SECRETS_PATH": str(tmp_path / "missing")}
    with pytest.raises(ConfigurationError, match="is not a folder.*Fix: mount the keys Secret"):
        load_keys(tmp_path, [], env=env)


def test_azure_files_store(tmp_path: Path) -> None:
    folder = tmp_path / "Secrets"
    folder.mkdir()
    host = {
        "masterKey": {"name": "master", "value": "files-master", "encrypted": False},
        "functionKeys": [{"name": "default", "value": "files-host", "encrypted": False}],
        "systemKeys": [],
    }
    (folder / "host.json").write_text(json.dumps(host))
    (folder / "hello.json").write_text(json.dumps({"keys": [{"name": "default", "value": "files-hello"}]}))
    env = {"AzureWebJobsSecretStorageType": "files", "FUNCHOST_SECRETS_PATH": str(folder)}
    store = load_keys(tmp_path, ["Hello"], env=env)
    assert (store.master, store.keys.host, store.function_key("hello")) == (
        "files-master",
        {"default": "files-host"},
        "files-hello",
    )


def test_azure_files_store_generates_host_json_like_azure(tmp_path: Path) -> None:
    folder = tmp_path / "Secrets"
    env = {"AzureWebJobsSecretStorageType": "files", "FUNCHOST_SECRETS_PATH": str(folder)}
    store = load_keys(tmp_path, [], env=env)
    doc = json.loads((folder / "host.json").read_text())
    assert doc["masterKey"]["value"] == store.master and doc["functionKeys"][0]["name"] == "default"
    assert stat.S_IMODE((folder / "host.json").stat().st_mode) == 0o600


def test_encrypted_azure_keys_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "Secrets"
    folder.mkdir()
    (folder / "host.json").write_text(json.dumps({"masterKey": {"name": "master", "value": "x", "encrypted": True}}))
    env = {"AzureWebJobsSecretStorageType": "files", "FUNCHOST_SECRETS_PATH": str(folder)}
    with pytest.raises(ConfigurationError, match="encrypted"):
        load_keys(tmp_path, [], env=env)


def test_unsupported_storage_type(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="'blob'.*'files', 'kubernetes'"):
        load_keys(tmp_path, [], env={"AzureWebJobsSecretStorageType": "blob"})


def test_anonymous_needs_no_key_and_comparison_is_exact(tmp_path: Path) -> None:
    store = KeyStore.load(tmp_path, ["f"], env={"FUNCHOST_MASTER_KEY": "m"})
    assert store.accepted("anonymous", "f") == ()
    accepted = store.accepted("function", "f")
    assert key_matches(b"m", accepted) and not key_matches(b"m ", accepted) and not key_matches(b"", accepted)


def test_loading_logs_sources_never_values(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        store = load_keys(tmp_path, ["f"], env={"FUNCHOST_HOST_KEY": "env-host-key-value"})
    text = caplog.text
    assert "Loaded 3 function key(s)" in text and str(tmp_path / PROJECT_KEYS_FILE) in text
    for value in (store.master, store.function_key("f"), "env-host-key-value"):
        assert value and value not in text


def test_function_key_variables_match_function_names_with_dashes(tmp_path: Path) -> None:
    store = load_keys(tmp_path, ["get-order"], env={"FUNCHOST_FUNCTION_KEY_GET_ORDER": "dash-key"})
    assert store.function_key("get-order") == "dash-key"
    assert b"dash-key" in store.accepted("function", "Get-Order")
