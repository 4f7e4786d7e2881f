"""The catalogue of function templates offered by ``funchost new`` and listed by ``funchost templates``.

Display names follow Core Tools' Python v2 templates ("HTTP trigger", "Timer Trigger", ...); Core Tools has no v2
template for Kafka, RabbitMQ or the warmup trigger, so those three are funchost's own (the warmup one is the
example of Azure's warmup trigger page), nor for the blob input and output bindings, whose two
templates ("Blob input binding", "Blob output binding") follow the shape of Azure's Python v2 blob binding example
(an HTTP function with ``blob_input`` / ``blob_output``, ``arg_name`` "inputblob" / "outputblob").

Each template's code is a text file under ``templates/functions/`` whose ``{{placeholders}}`` are the template
parameters plus ``name`` (the function), ``app`` (the FunctionApp variable) and ``func`` (the ``azure.functions``
module alias). Generated code may use ``logging`` and ``azure.functions``, nothing else;
:mod:`funchost.scaffold.app_source` adds those imports.
"""

from __future__ import annotations

from dataclasses import dataclass

from funchost.errors import ConfigurationError

AUTH_LEVELS = ("ANONYMOUS", "FUNCTION", "ADMIN")


@dataclass(frozen=True)
class TemplateParam:
    """One value a template asks for; its key is the decorator keyword it fills."""

    name: str
    default: str | None
    """``None`` means "the function's name"."""
    help: str
    choices: tuple[str, ...] = ()
    """When set, the value must be one of these (any case) and is written as a bare name, not a string."""
    setting_placeholder: str | None = None
    """When set, the value names an app setting; if local.settings.json lacks it, it is added with this value."""
    setting_help: str = ""
    """What the app setting must hold; shown when its placeholder is empty."""


@dataclass(frozen=True)
class TemplateInfo:
    """One function template."""

    name: str
    description: str
    file: str
    """Path of the code template relative to ``templates/``."""
    trigger: str
    """The binding type of the trigger the template declares (as in function.json)."""
    aliases: tuple[str, ...]
    params: tuple[TemplateParam, ...]


_STORAGE_CONNECTION = TemplateParam(
    "connection",
    "AzureWebJobsStorage",
    "app setting holding the storage account connection string",
    setting_placeholder="UseDevelopmentStorage=true",
)
_SERVICE_BUS_CONNECTION = TemplateParam(
    "connection",
    "ServiceBusConnection",
    "app setting holding the Service Bus connection string",
    setting_placeholder="",
    setting_help="your Service Bus namespace connection string",
)

_AUTH_LEVEL = TemplateParam("auth_level", "FUNCTION", "who may call it: ANONYMOUS, FUNCTION or ADMIN", AUTH_LEVELS)


def _blob_binding(direction: str, does: str) -> TemplateInfo:
    """An HTTP function with a blob input ("files/{name}") or output ("upload/{name}") bound to its route."""
    route, verb = ("files/{name}", "read") if direction == "input" else ("upload/{name}", "write")
    return TemplateInfo(
        name=f"Blob {direction} binding",
        description=f"An HTTP function that {does}.",
        file=f"functions/blob_{direction}.py.tmpl",
        trigger="httpTrigger",
        aliases=(f"blob-{direction}",),
        params=(
            TemplateParam("route", route, "URL route after /api/; its {name} names the blob"),
            TemplateParam(
                "path", "samples-workitems/{name}", f"container and blob to {verb} ({{name}} from the route)"
            ),
            _STORAGE_CONNECTION,
            _AUTH_LEVEL,
        ),
    )


TEMPLATES: dict[str, TemplateInfo] = {
    "Blob input binding": _blob_binding("input", "returns the text of the blob its route names (404 if none)"),
    "Blob output binding": _blob_binding("output", "stores the body of each POST as the blob its route names"),
    "Blob trigger": TemplateInfo(
        name="Blob trigger",
        description="A function run for each new or changed blob in an Azure Storage container.",
        file="functions/blob_trigger.py.tmpl",
        trigger="blobTrigger",
        aliases=("blob",),
        params=(
            TemplateParam("path", "samples-workitems/{name}", "container and blob pattern to watch"),
            _STORAGE_CONNECTION,
        ),
    ),
    "HTTP trigger": TemplateInfo(
        name="HTTP trigger",
        description="A function run by an HTTP request; answers with a greeting for the 'name' it is sent.",
        file="functions/http_trigger.py.tmpl",
        trigger="httpTrigger",
        aliases=("http",),
        params=(
            TemplateParam("route", None, "URL route after /api/ (default: the function name)"),
            _AUTH_LEVEL,
        ),
    ),
    "Kafka trigger": TemplateInfo(
        name="Kafka trigger",
        description="A function run for each event published to a Kafka topic.",
        file="functions/kafka_trigger.py.tmpl",
        trigger="kafkaTrigger",
        aliases=("kafka",),
        params=(
            TemplateParam("topic", "mytopic", "Kafka topic to consume"),
            TemplateParam(
                "broker_list",
                "KafkaBrokerList",
                "app setting holding the bootstrap servers (host:port, comma separated)",
                setting_placeholder="127.0.0.1:19092",
            ),
            TemplateParam("consumer_group", "$Default", "Kafka consumer group"),
        ),
    ),
    "Queue trigger": TemplateInfo(
        name="Queue trigger",
        description="A function run for each message added to an Azure Storage queue.",
        file="functions/queue_trigger.py.tmpl",
        trigger="queueTrigger",
        aliases=("queue",),
        params=(TemplateParam("queue_name", "myqueue-items", "storage queue to watch"), _STORAGE_CONNECTION),
    ),
    "RabbitMQ trigger": TemplateInfo(
        name="RabbitMQ trigger",
        description="A function run for each message delivered to a RabbitMQ queue.",
        file="functions/rabbitmq_trigger.py.tmpl",
        trigger="rabbitMQTrigger",
        aliases=("rabbitmq",),
        params=(
            TemplateParam("queue_name", "myqueue", "RabbitMQ queue to consume"),
            TemplateParam(
                "connection_string_setting",
                "RabbitMQConnection",
                "app setting holding the AMQP connection string",
                setting_placeholder="amqp://guest:guest@127.0.0.1:5672/",
            ),
        ),
    ),
    "ServiceBus Queue trigger": TemplateInfo(
        name="ServiceBus Queue trigger",
        description="A function run for each message sent to an Azure Service Bus queue.",
        file="functions/servicebus_queue_trigger.py.tmpl",
        trigger="serviceBusTrigger",
        aliases=("servicebus-queue",),
        params=(TemplateParam("queue_name", "myqueue", "Service Bus queue to watch"), _SERVICE_BUS_CONNECTION),
    ),
    "ServiceBus Topic trigger": TemplateInfo(
        name="ServiceBus Topic trigger",
        description="A function run for each message a subscription of an Azure Service Bus topic receives.",
        file="functions/servicebus_topic_trigger.py.tmpl",
        trigger="serviceBusTrigger",
        aliases=("servicebus-topic",),
        params=(
            TemplateParam("topic_name", "mytopic", "Service Bus topic"),
            TemplateParam("subscription_name", "mysubscription", "subscription of that topic to read from"),
            _SERVICE_BUS_CONNECTION,
        ),
    ),
    "Timer Trigger": TemplateInfo(
        name="Timer Trigger",
        description="A function run on a schedule (six-field NCRONTAB: second minute hour day month weekday).",
        file="functions/timer_trigger.py.tmpl",
        trigger="timerTrigger",
        aliases=("timer",),
        params=(TemplateParam("schedule", "0 */5 * * * *", "NCRONTAB schedule (default: every five minutes)"),),
    ),
    "Warmup trigger": TemplateInfo(
        name="Warmup trigger",
        description="A function run once as each instance is added by the scale controller; name it warmup.",
        file="functions/warmup_trigger.py.tmpl",
        trigger="warmupTrigger",
        aliases=("warmup",),
        params=(),
    ),
}
"""Display name → template, alphabetised."""


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


_LOOKUP: dict[str, TemplateInfo] = {
    _key(key): info for info in TEMPLATES.values() for key in (info.name, *info.aliases)
}


def list_templates() -> list[TemplateInfo]:
    """Every template, ordered by display name."""
    return [TEMPLATES[name] for name in sorted(TEMPLATES, key=str.casefold)]


def find_template(name: str) -> TemplateInfo:
    """The template called ``name`` (display name or alias; case and spaces do not matter)."""
    info = _LOOKUP.get(_key(name))
    if info is None:
        available = "; ".join(f'"{t.name}" ({"/".join(t.aliases)})' for t in list_templates())
        raise ConfigurationError(
            f"Unknown function template {name!r}. Available templates (short name in brackets): {available}. "
            "Fix: pick one of them; `funchost templates` lists them with their parameters."
        )
    return info
