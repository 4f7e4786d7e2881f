"""The generated Deployment and Secrets start and serve: `podman kube play` of what `funchost kubernetes deploy
--dry-run` prints for samples/http-hello, with the image `funchost build` made.

podman stands in for a cluster's kubelet (there is no Kubernetes here), with two adaptations a cluster does not
need, both made to copies in this test and never to the generator:
- the container port gets a `hostPort`, because a single podman host has no Service to reach the pod through;
- the two Secrets are created with `podman secret create` in the forms podman 4.3 reads: its `kube play` stores a
  `kind: Secret` document verbatim and then fails to parse it for `envFrom` (which wants a JSON map of key →
  base64 value), and for a `secret` volume it reads a Secret object but writes its `data` values without
  base64-decoding them (so they are given decoded).
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.deploy.conftest import Build
from tests.support.hostproc import SAMPLES, free_port, run_cli
from tests.support.podman import SOCKET
from tests.support.waiting import until

pytestmark = pytest.mark.podman


def podman(*args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    command = ["podman", "--remote", "--url", f"unix://{SOCKET}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def played(tmp_path: Path, http_hello_image: Build) -> Iterator[tuple[int, dict[str, Any], str]]:
    """The HTTP Deployment of http-hello running as a podman pod; yields (host port, the generated keys Secret,
    the Deployment's name)."""
    name = f"kp-{uuid.uuid4().hex[:8]}"
    done = run_cli(
        ["kubernetes", "deploy", "--name", name, "--image-name", http_hello_image.reference, "--dry-run"],
        cwd=SAMPLES / "http-hello",
    )
    assert done.returncode == 0, done.stderr
    objects = list(yaml.safe_load_all(done.stdout))
    secrets = [o for o in objects if o["kind"] == "Secret"]
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    assert {s["metadata"]["name"] for s in secrets} == {name, f"func-keys-kube-secret-{name}"}

    port = free_port()
    deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0]["hostPort"] = port
    played_file = tmp_path / "deployment.yaml"
    played_file.write_text(yaml.safe_dump(deployment))
    for secret in secrets:
        secret_name = secret["metadata"]["name"]
        if secret_name.startswith("func-keys"):  # mounted as a volume
            decoded = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
            content: Any = {**secret, "data": decoded}
        else:  # envFrom
            content = secret["data"]
        data_file = tmp_path / f"{secret_name}.json"
        data_file.write_text(json.dumps(content))
        podman("secret", "create", secret_name, str(data_file))
    try:
        podman("kube", "play", "--replace", str(played_file))
        keys = next(s for s in secrets if s["metadata"]["name"].startswith("func-keys"))
        yield port, keys, deployment["metadata"]["name"]
    finally:
        podman("kube", "down", str(played_file), check=False)
        for secret in secrets:
            podman("secret", "rm", secret["metadata"]["name"], check=False)
            podman("volume", "rm", "--force", secret["metadata"]["name"], check=False)  # kube play's copy


async def test_the_generated_deployment_and_secrets_start_and_serve(played: tuple[int, dict[str, Any], str]) -> None:
    port, keys, deployment = played
    base = f"http://127.0.0.1:{port}/api"

    async with httpx.AsyncClient(timeout=5) as client:

        async def answers() -> bool:
            try:
                return (await client.get(f"{base}/hello?name=pod")).status_code == 200
            except httpx.TransportError:
                return False

        await until(answers, within=90, what="the pod to serve /api/hello")
        assert (await client.get(f"{base}/hello?name=pod")).text.startswith("Hello, pod.")
        # The keys Secret, mounted where the host reads Azure's kubernetes secret layout, guards the function route.
        assert (await client.get(f"{base}/reports/daily")).status_code == 401
        function_key = base64.b64decode(keys["data"]["host.function.default"]).decode()
        keyed = await client.get(f"{base}/reports/daily", headers={"x-functions-key": function_key})
        assert keyed.status_code == 200
    # The settings Secret reaches the container's environment through envFrom.
    names = podman("ps", "--filter", f"name={deployment}-pod", "--format", "{{.Names}}").stdout.split()
    (container,) = [n for n in names if n.endswith("-function")]  # the pod's infra container is the other one
    env = podman("exec", container, "printenv", "FUNCTIONS_WORKER_RUNTIME").stdout.strip()
    assert env == "python"
    # readOnlyRootFilesystem with the emptyDir at /tmp: the host serves, and /tmp is the only place it could write.
    assert podman("exec", container, "touch", "/home/site/wwwroot/x", check=False).returncode != 0
    podman("exec", container, "touch", "/tmp/x")
    assert "keys.json" not in podman("exec", container, "ls", "-A", "/tmp").stdout  # keys came from the Secret
