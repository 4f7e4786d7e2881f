"""A stand-in Kubernetes API server for apply / delete tests: kmock's `KubernetesEmulator` (a real HTTP server
the official client talks to over the network, never a patched client) plus the API-server behaviours it does
not model and funchost relies on:

- server-side apply (`PATCH` with `application/apply-patch+yaml`) creates a missing object; on an existing one
  the emulator merges the sent fields in (enough here: funchost always sends whole objects);
- list honours an equality-based `labelSelector` (`a=b,c=d`);
- a namespace that exists (`serve_namespace`): kmock cannot parse `POST /api/v1/namespaces`, so creating a
  namespace is not tested here;
- a Deployment's `/scale` subresource (GET and PATCH as `autoscaling/v1` Scale objects), as in
  tests/scale_controller/targets/test_kubernetes.py.

Use it with `pytest.mark.kmock(cls=ApplyingEmulator)` on the `kmock` fixture.
"""

from __future__ import annotations

from typing import Any

import attrs
from kmock import KubernetesEmulator, KubernetesError, Request, method, resource, subresource

APPLY = "application/apply-patch+yaml"
DEPLOYMENTS = resource("apps/v1/deployments")


@attrs.define(kw_only=True)
class ApplyingEmulator(KubernetesEmulator):
    async def _handle(self, request: Request) -> Any:
        applying = request.method == method.PATCH and APPLY in request.headers.get("Content-Type", "")
        if applying and request.resource is not None and request.name is not None and not request.subresource:
            key = (request.resource, request.namespace, request.name)
            async with self._lock:
                if key not in self.objects or self.objects[key].deleted:
                    data = dict(request.data)
                    data["metadata"] = dict(data["metadata"]) | {"resourceVersion": "1"}
                    if key in self.objects:
                        self.objects[key].create(data)
                    else:
                        self.objects[key] = data
        return await super()._handle(request)

    async def _serve_list(self, request: Request) -> Any:
        result = await super()._serve_list(request)
        wanted = dict(term.split("=", 1) for term in request.params.get("labelSelector", "").split(",") if term)
        result["items"] = [
            item
            for item in result["items"]
            if all((item.get("metadata", {}).get("labels") or {}).get(k) == v for k, v in wanted.items())
        ]
        return result


def serve_namespace(emulator: KubernetesEmulator, name: str) -> None:
    emulator[f"get /api/v1/namespaces/{name}"] << {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def serve_scale_subresource(emulator: KubernetesEmulator) -> None:
    """GET / PATCH …/deployments/NAME/scale as the API server answers them (spec.replicas of the Deployment)."""

    def serve(request: Request) -> dict[str, Any]:
        key = (DEPLOYMENTS, request.namespace, request.name)
        if key not in emulator.objects or emulator.objects[key].deleted:
            raise KubernetesError(404, "NotFound", f'deployments.apps "{request.name}" not found')
        obj = emulator.objects[key]
        meta = obj["metadata"]
        if request.method == method.PATCH:  # the emulator has merged the patch; bump the version
            version = str(int(meta.get("resourceVersion") or "1") + 1)
            obj.patch({"metadata": {"resourceVersion": version}})
        replicas = obj["spec"].get("replicas", 1)
        return {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {
                "name": meta["name"],
                "namespace": meta["namespace"],
                "resourceVersion": meta["resourceVersion"],
            },
            "spec": {"replicas": replicas},
            "status": {"replicas": replicas},
        }

    emulator[DEPLOYMENTS, subresource("scale")] << serve
