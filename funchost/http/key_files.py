"""Writing key files so that no other user can read, redirect or swap them (docs/security.md, "Keys and key files").

A key file is written through a descriptor of its folder: a new file with a random name, created with
`O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600 (so a planted file or symlink is never opened), written, `fsync`ed,
renamed over the final name (a rename replaces a symlink, never follows it) and the folder `fsync`ed.

Before anything is read from or written to a key folder, the folder itself is checked (`check_key_folder`): it is
refused with `KeyFolderError` when another user could put files in it, that is when

- it is owned by a user other than this process's user and root, or
- it is writable by its group or by everyone and does not have the sticky bit (`chmod +t`, as `/tmp`).

With the sticky bit, other users may create names in the folder but cannot rename or delete this user's files;
the random temp name and the rename keep the write safe there too.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from funchost.errors import KeyFolderError

FILE_MODE = 0o600
FOLDER_MODE = 0o700
_ATTEMPTS = 100  # random names tried before giving up (a collision is already one in 2**64)


def check_key_folder(folder: Path) -> None:
    """Raise `KeyFolderError` when `folder` (an existing folder) could be written by someone else."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _check(folder, os.fstat(descriptor))
    finally:
        os.close(descriptor)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by the owner only, replacing it atomically; the folder is created (0700)
    when missing and checked with the rules of `check_key_folder` first."""
    folder = path.parent
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _check(folder, os.fstat(directory))
        temporary, descriptor = _create_temporary(path.name, directory)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.rename(temporary, path.name, src_dir_fd=directory, dst_dir_fd=directory)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=directory)
            raise
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


def _create_temporary(name: str, directory: int) -> tuple[str, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_ATTEMPTS):
        temporary = f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            descriptor = os.open(temporary, flags, FILE_MODE, dir_fd=directory)
        except FileExistsError:
            continue
        os.fchmod(descriptor, FILE_MODE)  # whatever the umask
        return temporary, descriptor
    raise FileExistsError(f"no free temporary name for {name} after {_ATTEMPTS} attempts")


def _check(folder: Path, info: os.stat_result) -> None:
    mode = stat.S_IMODE(info.st_mode)
    me = os.geteuid()
    if info.st_uid not in (me, 0):
        raise KeyFolderError(
            f"{folder} holds function keys but belongs to another user (uid {info.st_uid}; funchost runs as uid "
            f"{me}), who could replace or read them. Fix: use a folder of your own (FUNCHOST_SECRETS_PATH, or "
            f"FUNCHOST_STATE_DIR for the generated keys file), or 'chown {me} {folder}'"
        )
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
        who = "everyone" if mode & stat.S_IWOTH else "its group"
        raise KeyFolderError(
            f"{folder} holds function keys but is writable by {who} (mode {mode:04o}), so another user could plant "
            f"or swap key files in it. Fix: 'chmod go-w {folder}' (or 'chmod +t {folder}' for a shared folder "
            "such as /tmp)"
        )
