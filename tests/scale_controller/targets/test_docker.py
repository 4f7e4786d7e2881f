"""DockerTarget on a real podman engine (its Docker-compatible API, started by scripts/services/podman) running a
real function image (funchost from a wheel of this checkout + a queue app) against a real Azurite: scale 0→2→0,
the containers drain the queue, stop with SIGTERM and exit cleanly."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import docker  # type: ignore[import-untyped]
import pytest

from scale_controller.targets.base import TargetError
from scale_controller.targets.docker import LABEL, DockerTarget
from tests.scale_controller.targets.conftest import TEST_PREFIX
from tests.scale_controller.targets.queue_app import Queues
from tests.support.hostproc import free_port
from tests.support.waiting import until

# A fresh machine installs podman and makes its base image (~1 min), then builds the function image (~25 s).
pytestmark = [pytest.mark.azurite, pytest.mark.podman, pytest.mark.timeout(300)]


@pytest.fixture
async def queues(azurite: str, unique_name: str) -> AsyncIterator[Queues]:
    state = Queues(azurite, unique_name)
    await state.create()
    yield state
    await state.delete()


def ours(base_url: str, prefix: str) -> list[str]:
    """Statuses of the containers labelled for `prefix`, straight from the engine."""
    client = docker.DockerClient(base_url=base_url)
    try:
        return [c.status for c in client.containers.list(all=True, filters={"label": f"{LABEL}={prefix}"})]
    finally:
        client.close()


async def test_scale_0_to_2_to_0_drains_a_queue(
    podman: str, function_image: str, queues: Queues, azurite: str, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    prefix = f"{TEST_PREFIX}{unique_name}"
    env = {"AzureWebJobsStorage": azurite, "WORK_QUEUE": queues.work, "DONE_QUEUE": queues.done}
    # Host networking puts both containers on the host's 127.0.0.1 (Azurite); they share the HTTP port.
    command = ["funchost", "start", "--host", "127.0.0.1", "--port", str(free_port()), "--reuse-port"]
    target = DockerTarget(function_image, prefix, env, podman, command=command, grace_seconds=20)
    caplog.set_level(logging.INFO, logger="scale_controller.targets.docker")
    try:
        assert await target.current() == 0
        await target.scale_to(2)
        assert await target.current() == 2
        assert ours(podman, prefix) == ["running", "running"]
        bodies = {f"c{i}" for i in range(20)}
        await queues.send(*sorted(bodies))
        await until(lambda: _all_done(queues, bodies), within=60, what="the containers to process every message")
        await until(lambda: _work_empty(queues), what="the work queue to drain")

        await target.scale_to(0)
        assert await target.current() == 0  # stopping containers no longer count
    finally:
        await target.aclose()  # waits for the stops in progress
    assert ours(podman, prefix) == []  # stopped and removed
    stops = [r.getMessage() for r in caplog.records if "stopping" in r.getMessage()]
    assert len(stops) == 2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # both exited 0 after SIGTERM


async def test_a_missing_image_names_it_and_the_fix(podman: str, unique_name: str) -> None:
    target = DockerTarget("localhost/funchost-no-such-image:1", f"{TEST_PREFIX}{unique_name}", {}, podman)
    try:
        with pytest.raises(
            TargetError, match=r"image 'localhost/funchost-no-such-image:1' is not in the engine at unix"
        ):
            await target.scale_to(1)
    finally:
        await target.aclose()


async def test_an_engine_that_does_not_answer_is_a_target_error(unique_name: str) -> None:
    target = DockerTarget("any", f"{TEST_PREFIX}{unique_name}", {}, "unix:///nonexistent/podman.sock")
    with pytest.raises(
        TargetError, match=r"no container engine answers at unix:///nonexistent/podman.sock.*Fix: start"
    ):
        await target.current()
    await target.aclose()


async def _all_done(queues: Queues, bodies: set[str]) -> bool:
    return await queues.take_done() == bodies


async def _work_empty(queues: Queues) -> bool:
    return await queues.work_count() == 0
