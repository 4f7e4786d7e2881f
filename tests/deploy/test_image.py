"""Images made by `funchost build` (through the docker SDK on podman, the base image made locally), run for real:
the HTTP sample answers over HTTP as UID 10001 and under an arbitrary UID in group 0, stops on SIGTERM at once with
exit code 0 (the image's own init is PID 1), passes its HEALTHCHECK; the queue sample drains a queue on Azurite; and
build errors name the failing step."""

from __future__ import annotations

import base64
import json
import re
import tarfile
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import docker  # type: ignore[import-untyped]
import httpx
import pytest
from azure.storage.queue.aio import QueueServiceClient

from funchost.deploy.baked_metadata import FUNCTIONS_LABEL, VERSION_LABEL, index_on_host
from funchost.deploy.base_image import DEFAULT_BASE_IMAGE, SOURCE_LABEL, source_digest
from tests.deploy.conftest import IMAGE_REPOSITORY, Build, funchost_build
from tests.services_support import ROOT
from tests.support.apps import write_app
from tests.support.hostproc import free_port
from tests.support.podman import ulimits
from tests.support.waiting import until

# A fresh machine installs podman and makes the python base (~1 min), then the host image (~30 s).
pytestmark = [pytest.mark.podman, pytest.mark.timeout(900)]

CONTAINER_PREFIX = "fhb-"
PYTHON_BASE = "docker.io/library/python:3.11-slim"  # Dockerfile.host's BASE_IMAGE
TINY_APP = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="ping")
def ping(req: func.HttpRequest) -> str:
    return "pong"
"""


@pytest.fixture(scope="module")
def client(podman: str) -> Iterator[Any]:
    engine = docker.DockerClient(base_url=podman)
    for container in engine.containers.list(all=True):
        if container.name.startswith(CONTAINER_PREFIX):  # left by an interrupted run
            container.remove(force=True)
    yield engine
    engine.close()


def run(client: Any, image: str, **options: Any) -> Any:
    return client.containers.run(
        image, detach=True, name=f"{CONTAINER_PREFIX}{uuid.uuid4().hex[:8]}", ulimits=ulimits(), **options
    )


def exec_text(container: Any, *command: str) -> str:
    code, output = container.exec_run(list(command))
    assert code == 0, f"{command} exited {code}: {output!r}"
    return str(output.decode())


def healthcheck(client: Any, image: str) -> list[str]:
    """The image's HEALTHCHECK command. podman's Docker-compatible inspect leaves it out; its own API has it (podman
    runs health checks from systemd timers, absent here, so tests run the command themselves)."""
    answer = client.api.get(f"{client.api.base_url}/v4.0.0/libpod/images/{image}/json")
    answer.raise_for_status()
    return list(answer.json()["Healthcheck"]["Test"])


def stop(container: Any) -> tuple[int, float]:
    """`docker stop` (SIGTERM, SIGKILL only after 20 s): exit code and seconds taken."""
    started = time.monotonic()
    container.stop(timeout=20)
    container.reload()
    return int(container.attrs["State"]["ExitCode"]), time.monotonic() - started


def test_build_streams_its_steps_and_bakes_the_metadata(client: Any, http_hello_image: Build) -> None:
    output = http_hello_image.output
    steps = [line.split("]")[0] + "]" for line in output.splitlines() if line[:1] == "[" and "/4]" in line[:6]]
    assert steps == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert "STEP 1/" in output  # the engine's own build output, streamed
    assert output.rstrip().endswith(f"Built {http_hello_image.reference}")

    image = client.images.get(http_hello_image.reference)
    expected = index_on_host(http_hello_image.sample)
    assert json.loads(image.labels[FUNCTIONS_LABEL]) == expected
    assert image.labels[VERSION_LABEL] == "0.1.0"
    config = image.attrs["Config"]
    assert config["User"] == "10001"
    assert "8080/tcp" in config["ExposedPorts"]
    assert "AzureWebJobsScriptRoot=/home/site/wwwroot" in config["Env"]
    assert healthcheck(client, http_hello_image.reference)[0] == "CMD"  # kept: a docker-format image
    container = run(
        client, http_hello_image.reference, entrypoint=["cat"], command=["/home/site/wwwroot/.funchost/functions.json"]
    )
    try:
        container.wait(timeout=30)
        assert json.loads(container.logs()) == expected
    finally:
        container.remove(force=True)


def test_the_base_image_was_built_from_this_checkout(client: Any, http_hello_image: Build) -> None:
    labels = client.images.get(DEFAULT_BASE_IMAGE).labels
    assert labels[SOURCE_LABEL] == source_digest(ROOT)


def test_app_files_and_not_the_secrets_or_wheels_are_in_the_image(client: Any, http_hello_image: Build) -> None:
    container = run(
        client,
        http_hello_image.reference,
        entrypoint=["ls", "-A", "/home/site/wwwroot", "/home/site/wwwroot/.funchost"],
    )
    try:
        container.wait(timeout=30)
        listing = container.logs().decode()
    finally:
        container.remove(force=True)
    assert listing.split("\n\n") == [
        "/home/site/wwwroot:\n.funchost\nfunction_app.py\nhost.json\nrequirements.txt",
        "/home/site/wwwroot/.funchost:\nfunctions.json\n",
    ]  # no local.settings.json, keys.json, wheels/ or Dockerfile


def layer_files(client: Any, reference: str) -> dict[str, list[str]]:
    """Every file name in every layer of `reference` (from the engine's `docker save` archive), by layer."""
    found: dict[str, list[str]] = {}
    with tempfile.TemporaryFile() as archive:
        for chunk in client.images.get(reference).save(named=True):
            archive.write(chunk)
        archive.seek(0)
        with tarfile.open(fileobj=archive) as outer:
            for member in outer.getmembers():
                if not member.isfile() or not member.name.endswith(".tar"):
                    continue  # manifest.json, the config, repositories
                layer = outer.extractfile(member)
                assert layer is not None
                with tarfile.open(fileobj=layer) as inner:
                    found[member.name] = inner.getnames()
    return found


def wheels_in(client: Any, reference: str) -> set[str]:
    """Wheels, and files of the build's wheel folders, in any layer of `reference` (deleted later or not)."""
    return {
        name.removeprefix("./")
        for names in layer_files(client, reference).values()
        for name in names
        if name.endswith(".whl") or "funchost-wheels" in name or "funchost-build" in name
    }


@pytest.mark.parametrize("which", ["app", "base"])
def test_no_layer_of_the_images_holds_a_wheel(client: Any, http_hello_image: Build, which: str) -> None:
    """The wheelhouses are installed in discarded build stages: not even a deleted wheel (a COPY followed by an
    `rm` in a later layer) is left in the image's layers. (The Python base's own ensurepip wheels are its own.)"""
    reference = http_hello_image.reference if which == "app" else DEFAULT_BASE_IMAGE
    python_base = wheels_in(client, PYTHON_BASE)
    assert wheels_in(client, reference) - python_base == set()
    installed = [n for names in layer_files(client, reference).values() for n in names if "azure/functions/" in n]
    assert installed  # the wheels' contents are there (installed), only the wheels are not


def test_the_base_image_can_be_pinned_by_digest(client: Any, podman: str, http_hello_image: Build) -> None:
    base = client.images.get(DEFAULT_BASE_IMAGE)
    digest = base.attrs["Digest"] if "Digest" in base.attrs else base.attrs["RepoDigests"][0].split("@")[1]
    reference = f"{IMAGE_REPOSITORY}:pinned"
    code, out, err, _ = funchost_build(
        podman, http_hello_image.sample, "--tag", reference, "--base-image-digest", digest
    )
    try:
        assert code == 0, err
        assert f"[3/4] Base image funchost/host@{digest}" in out
        assert f"FROM funchost/host@{digest}" in out  # the engine's own step, streamed
    finally:
        client.images.remove(reference, force=True)


@pytest.mark.parametrize(("user", "uid"), [(None, "10001"), ("123456:0", "123456")], ids=["default", "arbitrary-uid"])
def test_http_function_serves_from_a_read_only_root_and_sigterm_stops_it_cleanly(
    client: Any, http_hello_image: Build, user: str | None, uid: str
) -> None:
    """`--read-only` with a tmpfs at /tmp is what readOnlyRootFilesystem with an emptyDir at /tmp gives a pod."""
    port = free_port()
    options: dict[str, Any] = {"ports": {"8080/tcp": port}, "read_only": True, "tmpfs": {"/tmp": "rw,size=64m"}}
    if user:
        options["user"] = user
    container = run(client, http_hello_image.reference, **options)
    try:
        answer = _get_when_up(f"http://127.0.0.1:{port}/api/hello?name=container", container)
        assert (answer.status_code, answer.text) == (
            200,
            "Hello, container. This HTTP triggered function executed successfully.",
        )
        assert exec_text(container, "id", "-u").strip() == uid
        assert exec_text(container, "id", "-g").strip() == "0"
        init = exec_text(container, "cat", "/proc/1/cmdline").split("\0")
        assert init[:3] == ["python", "-m", "funchost.deploy.pid1"]  # our init is PID 1, funchost its child
        assert exec_text(container, "ls", "-A", "/tmp/funchost") == ".gitignore\nkeys.json\n"  # FUNCHOST_STATE_DIR
        assert exec_text(container, "ls", "/home/site/wwwroot/.funchost") == "functions.json\n"  # nothing written
        assert container.exec_run(["touch", "/home/site/wwwroot/x"]).exit_code != 0  # the root is read-only
        # /metrics: the port mapping reaches the container from the bridge, not from its loopback: the master key
        # is needed; inside the container (loopback, as `kubectl port-forward`) it is not.
        master = json.loads(exec_text(container, "cat", "/tmp/funchost/keys.json"))["masterKey"]
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", params={"code": master}).status_code == 200
        inside = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8080/metrics').status)"
        assert exec_text(container, "python", "-c", inside).strip() == "200"
        check = healthcheck(client, http_hello_image.reference)
        assert container.exec_run(check[1:]).exit_code == 0  # the HEALTHCHECK command passes
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200

        code, seconds = stop(container)
        assert code == 0
        assert seconds < 10  # SIGTERM reached the host (not SIGKILL after the timeout)
        assert "Host stopped" in container.logs().decode()
    finally:
        container.remove(force=True)


def _get_when_up(url: str, container: Any, within: float = 60) -> httpx.Response:
    deadline = time.monotonic() + within
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            container.reload()
            if container.status != "running" or time.monotonic() > deadline:
                raise AssertionError(f"container {container.status}; logs:\n{container.logs().decode()}") from None
            time.sleep(0.2)


@pytest.fixture
async def queues(azurite: str, unique_name: str) -> AsyncIterator[QueueServiceClient]:
    service = QueueServiceClient.from_connection_string(azurite, retry_total=0)
    for name in (unique_name, f"{unique_name}-processed"):
        await service.create_queue(name)
    yield service
    async for queue in service.list_queues(name_starts_with=unique_name):
        await service.delete_queue(queue.name)
    await service.close()


@pytest.mark.azurite
async def test_queue_function_container_drains_every_message(
    client: Any, queue_pipeline_image: Build, queues: QueueServiceClient, azurite: str, unique_name: str
) -> None:
    orders, processed = unique_name, f"{unique_name}-processed"
    env = {"AzureWebJobsStorage": azurite, "ORDERS_QUEUE": orders, "PROCESSED_QUEUE": processed}
    sent = {f"Q{i}": {"id": f"Q{i}", "items": [{"price": 1.5, "quantity": i}]} for i in range(40)}
    for order in sent.values():  # the sample's queues use base64, as Azure's default messageEncoding
        await queues.get_queue_client(orders).send_message(base64.b64encode(json.dumps(order).encode()).decode())
    # Host networking: Azurite listens on the host's 127.0.0.1; a free port keeps the HTTP side out of the way.
    command = ["funchost", "start", "--host", "127.0.0.1", "--port", str(free_port())]
    read_only = {"read_only": True, "tmpfs": {"/tmp": "rw,size=64m"}}  # as an events pod: readOnlyRootFilesystem
    container = run(
        client, queue_pipeline_image.reference, network_mode="host", environment=env, command=command, **read_only
    )
    results: dict[str, float] = {}

    async def all_processed() -> bool:
        async for message in queues.get_queue_client(processed).receive_messages(messages_per_page=32):
            result = json.loads(base64.b64decode(message.content))
            results[result["id"]] = result["total"]
            await queues.get_queue_client(processed).delete_message(message)
        return len(results) == len(sent)

    async def orders_empty() -> bool:
        props = await queues.get_queue_client(orders).get_queue_properties()
        return props.approximate_message_count == 0

    try:
        await until(all_processed, within=90, what="the container to process every order")
        await until(orders_empty, what="the orders queue to be empty (every message deleted)")
        code, seconds = stop(container)
        assert (code, seconds < 10) == (0, True), container.logs().decode()[-3000:]
    finally:
        container.remove(force=True)
    assert results == {order_id: 1.5 * i for i, order_id in enumerate(sent)}


def test_a_failing_build_step_is_named_with_exit_code_1(podman: str, http_hello_image: Build, tmp_path: Path) -> None:
    app = write_app(tmp_path / "broken-step", TINY_APP)
    (app / "Dockerfile").write_text("ARG FUNCHOST_IMAGE\nFROM ${FUNCHOST_IMAGE}\nRUN echo preparing && exit 3\n")

    code, out, err, _ = funchost_build(podman, app, "--tag", "localhost/funchost-build-test:broken")

    assert code == 1
    step = r"STEP 2/\d+: RUN echo preparing && exit 3"  # (the steps after it set the labels)
    assert re.match(rf"error: building localhost/funchost-build-test:broken failed at {step}: .*exit status 3", err)
    assert "    preparing" in err  # the step's last output lines
    assert "[4/4] Building localhost/funchost-build-test:broken" in out


def test_a_missing_base_image_names_the_option(podman: str, http_hello_image: Build, tmp_path: Path) -> None:
    app = write_app(tmp_path / "no-base", TINY_APP)

    code, _, err, _ = funchost_build(podman, app, "--base-image", "localhost/funchost-no-such-base:1")

    assert code == 1
    assert "FROM localhost/funchost-no-such-base:1" in err and "--base-image" in err


def test_a_broken_app_fails_at_indexing_with_exit_code_2(podman: str, tmp_path: Path) -> None:
    app = write_app(tmp_path / "broken-app", "import azure.functions as func\nimport not_installed_anywhere\n")

    code, out, err, _ = funchost_build(podman, app)

    assert code == 2
    assert "ModuleNotFoundError" in err and "requirements.txt" in err
    assert "[2/4]" not in out  # nothing else ran


def test_push_streams_and_an_unreachable_registry_says_how_to_fix_it(
    client: Any, podman: str, http_hello_image: Build
) -> None:
    registry = f"127.0.0.1:{free_port()}/team"  # nothing listens there
    reference = f"{registry}/hello:push-test"
    try:
        code, out, err, _ = funchost_build(
            podman, http_hello_image.sample, "--registry", registry, "--tag", "hello:push-test", "--push"
        )
    finally:
        client.images.remove(reference, force=True)
    assert code == 1
    assert f"Built {reference}\nPushing {reference}\n" in out
    assert err.startswith(f"error: pushing {reference} failed: ")
    assert "Fix: check that the registry is reachable from the engine and log in to it" in err
