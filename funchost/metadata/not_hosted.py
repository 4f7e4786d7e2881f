"""The one table of binding types funchost knows but does not host: what each is and why it is not hosted.

`NOT_HOSTED` is the registry (binding type, case-insensitive → `NotHosted`). A function using one of these types is
put in error with one line naming the binding and the service (the rest of the app runs). Remove a row when its
trigger or binding lands: the fix lists (`hosted_types`) then offer it automatically.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotHosted:
    what: str  # the service or model the binding belongs to
    why: str  # why funchost does not run it ("" when "funchost does not host <what>" says it all)
    fix: str  # what the user can do instead


_DURABLE = NotHosted(
    "Durable Functions",
    "the whole orchestration model (orchestrators, activities, entities, durable clients and their task hub) is not "
    "hosted, so no function of an orchestration runs here",
    "run Durable Functions apps on Azure; split plain HTTP/queue/timer functions into an app funchost runs",
)
_EVENT_HUBS = NotHosted(
    "Azure Event Hubs",
    "",
    "Event Hubs speaks the Kafka protocol: a kafka trigger/output on its Kafka endpoint (port 9093, SaslSsl, "
    "Plain) is hosted",
)


def _service(what: str) -> NotHosted:
    return NotHosted(what, "", f"use the {what} SDK inside the function, or run the function on Azure")


NOT_HOSTED: dict[str, NotHosted] = {
    "activityTrigger": _DURABLE,
    "cosmosDB": _service("Azure Cosmos DB"),
    "cosmosDBTrigger": _service("Azure Cosmos DB"),
    "daprBindingTrigger": _service("Dapr"),
    "daprServiceInvocationTrigger": _service("Dapr"),
    "daprTopicTrigger": _service("Dapr"),
    "durableClient": _DURABLE,
    "entityTrigger": _DURABLE,
    "eventGrid": _service("Azure Event Grid"),
    "eventGridTrigger": _service("Azure Event Grid"),
    "eventHub": _EVENT_HUBS,
    "eventHubTrigger": _EVENT_HUBS,
    "mySql": _service("Azure Database for MySQL"),
    "mySqlTrigger": _service("Azure Database for MySQL"),
    "orchestrationClient": _DURABLE,
    "orchestrationTrigger": _DURABLE,
    "sendGrid": _service("SendGrid"),
    "signalR": _service("Azure SignalR Service"),
    "signalRConnectionInfo": _service("Azure SignalR Service"),
    "signalRTrigger": _service("Azure SignalR Service"),
    "sql": _service("Azure SQL"),
    "sqlTrigger": _service("Azure SQL"),
    "table": _service("Azure Table storage"),
    "twilioSms": _service("Twilio"),
    "webPubSub": _service("Azure Web PubSub"),
    "webPubSubConnection": _service("Azure Web PubSub"),
    "webPubSubTrigger": _service("Azure Web PubSub"),
}
_BY_FOLDED = {name.casefold(): row for name, row in NOT_HOSTED.items()}


def not_hosted(binding_type: str) -> NotHosted | None:
    return _BY_FOLDED.get(binding_type.casefold())


def is_hosted(binding_type: str) -> bool:
    return binding_type.casefold() not in _BY_FOLDED
