"""The generated KEDA objects of samples/servicebus-orders (its golden file, kept current by test_samples_golden.py):
ProcessOrder scales with KEDA's `azure-servicebus` scaler on its queue, authenticated by a TriggerAuthentication
that takes the connection string from the settings Secret — never a literal in the ScaledObject."""

from __future__ import annotations

import pytest

from funchost.metadata.not_hosted import is_hosted
from funchost.triggers.base import LISTENERS
from tests.scale_controller.manifests.test_samples_golden import golden

TRIGGER_HOSTED = "serviceBusTrigger" in LISTENERS and is_hosted("serviceBusTrigger")


@pytest.mark.skipif(
    not TRIGGER_HOSTED,
    reason="needs the serviceBusTrigger listener (funchost/triggers/servicebus), "
    "absent from funchost.triggers.base.LISTENERS (until then ProcessOrder is not deployed)",
)
def test_process_order_scales_on_its_queue_with_a_trigger_authentication() -> None:
    objects = golden("servicebus-orders", "kubernetes-keda")
    (scaled,) = [o for o in objects if o["kind"] == "ScaledObject"]
    (trigger,) = scaled["spec"]["triggers"]  # type: ignore[index]
    assert trigger["type"] == "azure-servicebus"
    assert trigger["metadata"]["queueName"] == "orders"
    assert trigger["metadata"]["messageCount"] == "16"  # host.json maxConcurrentCalls (target-based scaling)
    assert trigger["metadata"]["activationMessageCount"] == "0"
    assert "connection" not in trigger["metadata"] and "connectionFromEnv" not in trigger["metadata"]
    auths = {o["metadata"]["name"]: o for o in objects if o["kind"] == "TriggerAuthentication"}  # type: ignore[index]
    auth = auths[trigger["authenticationRef"]["name"]]
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "connection", "name": "servicebus-orders", "key": "ServiceBusConnection"}
    ]
