"""Kubernetes and OpenShift manifests for a function app, from its metadata document and deploy options.

```python
from scale_controller.app_metadata import load_app_metadata
from scale_controller.manifests import DeployOptions, build_manifests, to_yaml

app = load_app_metadata("path/to/app")
manifests = build_manifests(app, local_settings.values, DeployOptions(name="orders", image="reg.example/orders:1"))
print(to_yaml(manifests.objects))
```

Objects are plain dicts (no client types), built by one small module each: `secrets` (settings and function
keys), `workloads` + `pods` (Deployments), `network` (Service, Route), `keda_triggers` + `keda` (ScaledObject,
TriggerAuthentication), `rbac` (the built-in controller's ServiceAccount, Role, RoleBinding), `scaler_settings`
(the app settings that controller reads); `app` puts them together. Applying and deleting them is
`scale_controller.kube_apply`'s job.
"""

from __future__ import annotations

from scale_controller.manifests.app import Manifests, build_manifests
from scale_controller.manifests.keda_triggers import KEDA_TRIGGERS, KedaTrigger, keda_trigger
from scale_controller.manifests.names import selector
from scale_controller.manifests.options import PLATFORMS, SCALERS, SERVICE_TYPES, DeployOptions, ManifestError
from scale_controller.manifests.render import to_yaml

__all__ = [
    "KEDA_TRIGGERS",
    "PLATFORMS",
    "SCALERS",
    "SERVICE_TYPES",
    "DeployOptions",
    "KedaTrigger",
    "ManifestError",
    "Manifests",
    "build_manifests",
    "keda_trigger",
    "selector",
    "to_yaml",
]
