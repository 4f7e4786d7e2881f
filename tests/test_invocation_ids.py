"""Invocation ids: valid version-4 GUIDs, never repeated in a process, different prefixes after fork."""

from __future__ import annotations

import os
import uuid

from funchost.invocation_ids import new_invocation_id


def test_ids_are_version_4_guids_and_do_not_repeat() -> None:
    ids = [new_invocation_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:100]:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)


def test_a_forked_child_draws_its_own_prefix() -> None:
    read, write = os.pipe()
    parent = new_invocation_id()
    pid = os.fork()
    if pid == 0:  # child: report one id and leave without running pytest's teardown
        os.write(write, new_invocation_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    os.waitpid(pid, 0)
    assert uuid.UUID(child).version == 4
    assert child[:18] != parent[:18]  # 64 fresh random bits: equal with probability 2**-60
