"""Key files are written so no other user can redirect or swap them: a random O_EXCL temp name in the folder
itself, fsync, rename; and a folder that someone else could write into is refused before anything is written."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from funchost.errors import ConfigurationError, KeyFolderError
from funchost.http.keys import PROJECT_KEYS_FILE, load_keys


def files_store(folder: Path) -> dict[str, str]:
    return {"AzureWebJobsSecretStorageType": "files", "FUNCHOST_SECRETS_PATH": str(folder)}


@pytest.mark.parametrize("store", ["files", "project"])
def test_a_symlink_planted_at_the_old_temp_name_does_not_receive_the_key(tmp_path: Path, store: str) -> None:
    """The attack: another user who can write into the secrets folder plants `.host.json.tmp` (the fixed temp
    name the host used) pointing at a file of their choosing; the host followed it and wrote the master key there."""
    loot = tmp_path / "loot.txt"
    loot.write_text("")
    if store == "files":
        folder, env, final = tmp_path / "Secrets", files_store(tmp_path / "Secrets"), "host.json"
    else:
        folder, env, final = tmp_path / ".funchost", {}, "keys.json"
    folder.mkdir(mode=0o700)
    (folder / f".{final}.tmp").symlink_to(loot)
    keys = load_keys(tmp_path / "app" if store == "files" else tmp_path, [], env=env)
    assert keys.master is not None
    assert loot.read_text() == ""  # the planted link was not followed
    assert keys.master in (folder / final).read_text()
    assert not (folder / final).is_symlink() and stat.S_IMODE((folder / final).stat().st_mode) == 0o600


@pytest.mark.parametrize(("mode", "who"), [(0o770, "its group"), (0o777, "everyone"), (0o722, "everyone")])
def test_a_folder_others_can_write_is_refused_before_anything_is_written(tmp_path: Path, mode: int, who: str) -> None:
    folder = tmp_path / "Secrets"
    folder.mkdir()
    folder.chmod(mode)
    with pytest.raises(KeyFolderError) as raised:
        load_keys(tmp_path, [], env=files_store(folder))
    message = str(raised.value)
    assert f"{folder} holds function keys but is writable by {who} (mode {mode:04o})" in message
    assert f"Fix: 'chmod go-w {folder}'" in message
    assert list(folder.iterdir()) == []


def test_an_existing_keys_file_in_a_group_writable_project_folder_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / PROJECT_KEYS_FILE.parent
    folder.mkdir()
    (folder / "keys.json").write_text(json.dumps({"masterKey": "planted"}))
    folder.chmod(0o775)
    with pytest.raises(KeyFolderError, match=r"\.funchost holds function keys but is writable by its group"):
        load_keys(tmp_path, [], env={})


def test_a_shared_folder_with_the_sticky_bit_is_accepted(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    store = load_keys(tmp_path, [], env={"FUNCHOST_STATE_DIR": str(folder)})
    assert json.loads((folder / "keys.json").read_text())["masterKey"] == store.master
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "keys.json"]  # no temp file left behind


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "Secrets"
    folder.mkdir(mode=0o700)
    os.chown(folder, 54321, -1)
    with pytest.raises(KeyFolderError) as raised:
        load_keys(tmp_path, [], env=files_store(folder))
    assert f"{folder} holds function keys but belongs to another user (uid 54321" in str(raised.value)
    assert f"'chown {os.geteuid()} {folder}'" in str(raised.value)


def test_the_state_dir_moves_the_generated_keys_file_and_is_created_private(tmp_path: Path) -> None:
    state = tmp_path / "state" / "funchost"
    store = load_keys(tmp_path / "app", ["hello"], env={"FUNCHOST_STATE_DIR": str(state)})
    assert json.loads((state / "keys.json").read_text())["functionKeys"]["hello"]["default"] == store.function_key(
        "hello"
    )
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert not (tmp_path / "app" / PROJECT_KEYS_FILE).exists()


def test_a_key_folder_error_is_a_configuration_error() -> None:
    assert issubclass(KeyFolderError, ConfigurationError)
