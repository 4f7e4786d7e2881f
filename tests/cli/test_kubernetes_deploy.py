"""`funchost kubernetes deploy | delete` from the command line: dry-run / write-configs output, exit code 2 with a
named fix for bad input, and apply / re-apply / delete against the stand-in API server
(tests/support/kube_standin.py — kmock's emulator over HTTP, not a real cluster) through `--server`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from kmock import KubernetesEmulator

from funchost.cli.main import main
from tests.scale_controller.manifests.validation import validate
from tests.services_support import ROOT
from tests.support.apps import write_app
from tests.support.kube_standin import ApplyingEmulator, serve_namespace

QUEUE_APP = """
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="work", connection="Storage")
def work(msg: func.QueueMessage) -> None:
    pass
"""
STORAGE = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net"


def deploy(*args: str) -> list[str]:
    return ["kubernetes", "deploy", "--image-name", "registry.example/app:1", *args]


def test_dry_run_prints_valid_yaml_for_kubernetes_with_keda(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(deploy("--name", "orders", "--script-root", str(ROOT / "samples" / "queue-pipeline"), "--dry-run"))
    out, err = capsys.readouterr()
    assert code == 0
    objects = list(yaml.safe_load_all(out))
    for obj in objects:
        validate(obj)
    kinds = [o["kind"] for o in objects]
    assert kinds == [
        "Secret",
        "Secret",
        "TriggerAuthentication",
        "Deployment",
        "Deployment",
        "Service",
        "HTTPScaledObject",
        "ScaledObject",
    ]
    assert "note: settings AzureWebJobsStorage point at this machine" in err


def test_write_configs_writes_openshift_builtin_manifests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "orders.yaml"
    script_root = str(ROOT / "samples" / "rabbitmq-orders")
    args = ["--name", "orders", "--script-root", script_root, "--platform", "openshift", "--scaler", "builtin"]
    assert main(deploy(*args, "--namespace", "shop", "--write-configs", str(target))) == 0
    objects = list(yaml.safe_load_all(target.read_text()))
    kinds = {o["kind"] for o in objects}
    assert {"Route", "ServiceAccount", "Role", "RoleBinding"} <= kinds and "ScaledObject" not in kinds
    assert all(o["metadata"]["namespace"] == "shop" for o in objects)
    assert "Wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "gke"], "--platform is 'gke'; expected one of kubernetes, openshift"),
        (["--scaler", "hpa"], "--scaler is 'hpa'; expected one of keda, builtin"),
        (["--max-replicas", "0"], "--max-replicas is 0; expected at least"),
        (
            ["--service-type", "Ingress"],
            "--service-type is 'Ingress'; expected one of ClusterIP, NodePort, LoadBalancer",
        ),
        (["--memory-limit", "512MB"], "--memory-limit is '512MB'; expected a Kubernetes quantity such as"),
        (["--cpu-request", "-1"], "--cpu-request is '-1'; expected a Kubernetes quantity"),
        (["--memory-request", "1Gi"], "--memory-request is '1Gi'; expected at most --memory-limit (512Mi)"),
        (["--cpu-request", "2", "--cpu-limit", "500m"], "--cpu-request is '2'; expected at most --cpu-limit (500m)"),
    ],
)
def test_bad_options_exit_2_naming_the_option(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    script_root = str(ROOT / "samples" / "queue-pipeline")
    assert main(deploy("--name", "orders", "--script-root", script_root, "--dry-run", *args)) == 2
    assert message in capsys.readouterr().err


def http_container(out: str) -> dict[str, Any]:
    (deployment,) = [
        o for o in yaml.safe_load_all(out) if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-http")
    ]
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def test_the_service_is_cluster_ip_unless_load_balancer_is_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    base = deploy("--name", "hello", "--script-root", str(ROOT / "samples" / "http-hello"), "--dry-run")
    assert main(base) == 0
    out, err = capsys.readouterr()
    (service,) = [o for o in yaml.safe_load_all(out) if o["kind"] == "Service"]
    assert service["spec"]["type"] == "ClusterIP"
    assert "note: Service hello-http is ClusterIP" in err and "--service-type LoadBalancer" in err
    assert main([*base, "--service-type", "LoadBalancer"]) == 0
    out, err = capsys.readouterr()
    (service,) = [o for o in yaml.safe_load_all(out) if o["kind"] == "Service"]
    assert service["spec"]["type"] == "LoadBalancer" and "ClusterIP" not in err


def test_resources_have_documented_defaults_and_can_be_set_or_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    base = deploy("--name", "hello", "--script-root", str(ROOT / "samples" / "http-hello"), "--dry-run")
    assert main(base) == 0
    assert http_container(capsys.readouterr().out)["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"memory": "512Mi"},
    }
    assert main([*base, "--cpu-limit", "1", "--memory-limit", "1Gi", "--cpu-request", "250m"]) == 0
    assert http_container(capsys.readouterr().out)["resources"] == {
        "requests": {"cpu": "250m", "memory": "128Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    none = ["--cpu-request", "none", "--memory-request", "None", "--memory-limit", "none"]
    assert main([*base, *none]) == 0
    assert "resources" not in http_container(capsys.readouterr().out)


def test_the_cli_defaults_are_the_manifest_defaults() -> None:
    from funchost.cli.kubernetes import RESOURCE_DEFAULTS
    from scale_controller.manifests.options import DEFAULT_RESOURCES

    assert RESOURCE_DEFAULTS == DEFAULT_RESOURCES


def test_an_app_without_functions_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_app(tmp_path, "import azure.functions as func\n\napp = func.FunctionApp()\n", settings={})
    assert main(deploy("--name", "empty", "--script-root", str(tmp_path), "--dry-run")) == 2
    assert "no functions" in capsys.readouterr().err


def test_a_connection_setting_only_in_the_environment_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_app(tmp_path, QUEUE_APP, settings={"FUNCTIONS_WORKER_RUNTIME": "python"})
    monkeypatch.setenv("Storage", STORAGE)  # indexing resolves it, but the generated Secret would lack it
    assert main(deploy("--name", "work", "--script-root", str(tmp_path), "--dry-run")) == 2
    err = capsys.readouterr().err
    assert "Function 'work' needs app setting 'Storage'" in err and "local.settings.json Values" in err


@pytest.mark.kmock(cls=ApplyingEmulator)
async def test_deploy_redeploy_and_delete_against_the_stand_in(
    kmock: KubernetesEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_app(tmp_path, QUEUE_APP, settings={"FUNCTIONS_WORKER_RUNTIME": "python", "Storage": STORAGE})
    serve_namespace(kmock, "jobs")
    server = ["--namespace", "jobs", "--server", str(kmock.url).rstrip("/")]
    args = deploy("--name", "work", "--script-root", str(tmp_path), "--max-replicas", "5", *server)

    def live() -> dict[tuple[str, str], Any]:
        return {(k[0].plural, k[2]): o for k, o in kmock.objects.items() if not o.deleted}

    assert await asyncio.to_thread(main, args) == 0
    first = live()
    assert set(first) == {
        ("secrets", "work"),
        ("secrets", "func-keys-kube-secret-work"),  # the event pods read their keys from it too
        ("triggerauthentications", "work-azure-queue-storage"),
        ("deployments", "work"),
        ("scaledobjects", "work"),
    }
    assert first[("scaledobjects", "work")]["spec"]["maxReplicaCount"] == 5
    out = capsys.readouterr().out
    assert "applied ScaledObject/work (namespace jobs)" in out and "kubectl get scaledobject work -n jobs" in out
    assert await asyncio.to_thread(main, args) == 0  # re-apply: same objects, no error
    assert set(live()) == set(first)
    delete = ["kubernetes", "delete", "--name", "work", *server]
    assert await asyncio.to_thread(main, delete) == 0
    assert live() == {}
    assert "deleted ScaledObject/work (namespace jobs)" in capsys.readouterr().out
    assert await asyncio.to_thread(main, delete) == 0
    assert "nothing to delete" in capsys.readouterr().out


@pytest.mark.kmock(cls=ApplyingEmulator)
async def test_http_host_reaches_the_applied_http_scaled_object_and_delete_removes_it(
    kmock: KubernetesEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    serve_namespace(kmock, "web")
    server = ["--namespace", "web", "--server", str(kmock.url).rstrip("/")]
    script_root = str(ROOT / "samples" / "http-hello")
    args = deploy("--name", "hello", "--script-root", script_root, "--http-host", "hello.example.com", *server)
    assert await asyncio.to_thread(main, args) == 0
    (httpso,) = [o for k, o in kmock.objects.items() if k[0].plural == "httpscaledobjects" and not o.deleted]
    assert httpso["spec"]["hosts"] == ["hello.example.com"]
    out, err = capsys.readouterr()
    assert "applied HTTPScaledObject/hello-http (namespace web)" in out
    assert "kubectl get httpscaledobject hello-http -n web" in out
    assert "keda-add-ons-http-interceptor-proxy.keda:8080 with 'Host: hello.example.com'" in err
    assert await asyncio.to_thread(main, ["kubernetes", "delete", "--name", "hello", *server]) == 0
    assert "deleted HTTPScaledObject/hello-http (namespace web)" in capsys.readouterr().out


def test_errored_functions_are_skipped_with_a_warning_and_strict_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The host would not run a function in error, so the manifests get no KEDA trigger for it."""
    source = QUEUE_APP + (
        '\n@app.queue_trigger(arg_name="msg", queue_name="other", connection="Storage")\n'
        "def broken(msg: func.QueueMessage, extra: str) -> None:\n    pass\n"
    )
    root = write_app(tmp_path / "app", source, settings={"Storage": STORAGE})
    assert main(deploy("--name", "orders", "--script-root", str(root), "--dry-run")) == 0
    out, err = capsys.readouterr()
    assert "warning: function 'broken' is in error and is not deployed: parameter 'extra'" in err
    scaled = [o for o in yaml.safe_load_all(out) if o["kind"] == "ScaledObject"]
    assert [t["metadata"]["queueName"] for o in scaled for t in o["spec"]["triggers"]] == ["work"]
    assert main(deploy("--name", "orders", "--script-root", str(root), "--dry-run", "--strict")) == 2
    assert "Function 'broken' is in error" in capsys.readouterr().err
