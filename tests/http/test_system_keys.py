"""System keys (extension webhooks, `<extension>_extension`) in every key store: read from key-per-file Secrets
(`host.systemKey.<name>`), Azure secret documents (`systemKeys`) and the project's keys file, and created where the
store is writable when the app needs one and it is missing (as the host creates it on first use)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from funchost.http.keys import PROJECT_KEYS_FILE, load_keys

BLOBS = "blobs_extension"


def test_the_project_file_gets_the_needed_system_key_once(tmp_path: Path) -> None:
    assert "systemKeys" not in json.loads(_project(tmp_path, needed=[]))  # not added unless needed
    first = load_keys(tmp_path, [], env={}, system_keys=[BLOBS])
    key = first.keys.system[BLOBS]
    assert json.loads((tmp_path / PROJECT_KEYS_FILE).read_text())["systemKeys"] == {BLOBS: key}
    again = load_keys(tmp_path, [], env={}, system_keys=[BLOBS])
    assert again.keys.system == {BLOBS: key}
    assert set(again.accepted_system(BLOBS)) == {key.encode(), str(again.master).encode()}
    assert again.accepted_system("eventgrid_extension") == (str(again.master).encode(),)  # no such key: master only


def test_kubernetes_secrets_hold_system_keys_per_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "keys"
    folder.mkdir()
    (folder / "host.master").write_text("m")
    (folder / f"host.systemKey.{BLOBS}").write_text("k8s-blobs\n")
    env = {"AzureWebJobsSecretStorageType": "kubernetes", "FUNCHOST_SECRETS_PATH": str(folder)}
    store = load_keys(tmp_path, [], env=env, system_keys=[BLOBS])
    assert store.keys.system == {BLOBS: "k8s-blobs"}
    (folder / f"host.systemKey.{BLOBS}").unlink()
    with caplog.at_level(logging.WARNING):
        assert load_keys(tmp_path, [], env=env, system_keys=[BLOBS]).keys.system == {}  # a Secret is not written
    assert f"No system key '{BLOBS}'" in caplog.text and "accepts only the master key" in caplog.text


def test_azure_secret_documents_get_the_missing_system_key_added(tmp_path: Path) -> None:
    folder = tmp_path / "Secrets"
    env = {"AzureWebJobsSecretStorageType": "files", "FUNCHOST_SECRETS_PATH": str(folder)}
    load_keys(tmp_path, [], env=env)  # host.json created, no system keys yet
    assert json.loads((folder / "host.json").read_text())["systemKeys"] == []
    store = load_keys(tmp_path, [], env=env, system_keys=[BLOBS])
    doc = json.loads((folder / "host.json").read_text())
    assert doc["systemKeys"] == [{"name": BLOBS, "value": store.keys.system[BLOBS], "encrypted": False}]
    assert doc["masterKey"]["value"] == store.master  # the rest is kept
    assert load_keys(tmp_path, [], env=env, system_keys=[BLOBS]).keys.system == store.keys.system


def _project(root: Path, needed: list[str]) -> str:
    load_keys(root, [], env={}, system_keys=needed)
    return (root / PROJECT_KEYS_FILE).read_text()
