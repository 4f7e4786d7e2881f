"""The one error hierarchy of funchost.

Every error a user can cause derives from :class:`FunchostError`. Each message says what was given,
what was expected and how to fix it, naming the file, function and setting involved::

    FunchostError
    ├── ConfigurationError            bad project input, found before anything runs (exit code 2)
    │   ├── AppLoadError              function_app.py / function.json cannot be imported or indexed
    │   ├── FunctionDefinitionError   one function's decorators, bindings or signature are wrong
    │   ├── HostJsonError             host.json is not valid JSON or has an invalid value
    │   ├── SettingsError             local.settings.json is unusable (encrypted, malformed)
    │   ├── ConnectionSettingError    a binding names a connection setting that is not set anywhere
    │   ├── ScheduleError             a timer's NCRONTAB / cron expression cannot be parsed
    │   ├── BindingTemplateError      a binding path's {expression} cannot be parsed (unbalanced brace, bad name)
    │   ├── KeyFolderError            a key file's folder could be written by another user (funchost.http.key_files)
    │   ├── WheelhouseError           requirements.txt has no wheel for the image's platform (funchost.deploy)
    │   ├── ManifestError             the app cannot be turned into Kubernetes objects (scale_controller.manifests)
    │   ├── AppMetadataError          the metadata document cannot be produced or read (scale_controller.app_metadata)
    │   ├── TimeSpanError             a TimeSpan is not in .NET's grammar (funchost.metadata.timespan; also ValueError)
    │   ├── PolicyError               a scale policy value is out of range (scale_controller.policy; also ValueError)
    │   └── TraceError                a load-trace CSV is malformed (scale_controller.replay_trace; also ValueError)
    ├── StartupError                  the host could not start (port in use, listener failed)
    ├── ScalerError                   a scaler could not measure its broker (scale_controller.scalers.base)
    ├── TargetError                   a scale target could not scale (scale_controller.targets.base)
    ├── KubeError                     the Kubernetes API refused or could not be reached (scale_controller.kube)
    ├── StatusError                   the scale status file cannot be read (scale_controller.status)
    ├── HttpOutputError               a function's HTTP return value cannot be a response (funchost.bindings;
    │                                 also TypeError; HttpStreamOutputError likewise for streamed responses)
    ├── BodyConversionError           a RabbitMQ body cannot become the parameter's type (funchost.bindings; also
    │                                 ValueError)
    ├── MessageDecodingError          a queue message is not valid under messageEncoding (funchost.bindings.queue;
    │                                 also ValueError)
    ├── QueueOutputError              a queue output value has a type it cannot send (funchost.bindings.queue; also
    │                                 TypeError)
    ├── QueueSendError                the storage queue refused an output message (funchost.outputs.queue)
    ├── BlobOutputError               a blob output value has a type it cannot hold (funchost.bindings.blob; also
    │                                 TypeError)
    ├── BlobReadError                 storage refused or could not be reached reading an input blob (funchost.inputs)
    ├── BlobWriteError                storage refused a blob output (funchost.outputs.blob)
    ├── EngineError                   no container engine answers, or it refused a call (funchost.deploy)
    ├── ImageBuildError               the image build failed; names the failing step (funchost.deploy)
    ├── ImagePushError                pushing the image failed (funchost.deploy)
    ├── DeployError                   the Kubernetes API refused an apply or delete (scale_controller.kube_apply)
    ├── WebhookPayloadError           an extension webhook's body is malformed (Event Grid events; answered 400)
    └── InvocationError               raised inside the host when a function fails (wraps the user's error)
        ├── FunctionTimeoutError      the invocation ran past host.json functionTimeout
        ├── OutputBindingError        an output binding could not send what the function set (logged once)
        ├── ServiceBusSendError       Service Bus refused or could not take an output message
        │                             (funchost.outputs.servicebus)
        ├── ServiceBusOutputValueError  a Service Bus output value cannot become a message
        │                             (funchost.outputs.servicebus_messages; also TypeError)
        ├── BindingDataError          a binding expression has no value in this invocation's trigger data
        └── InputBindingError         an input binding could not be read (funchost.inputs; logged once)

The errors named with a module live next to the code that raises them and derive from these classes, so the CLI
maps them to exit codes like the rest; those that were builtin exceptions before keep that base too.
"""

from __future__ import annotations


class FunchostError(Exception):
    """Base class of every error funchost raises on purpose."""


class ConfigurationError(FunchostError):
    """The project (code, host.json, settings) is wrong; nothing was started."""


class AppLoadError(ConfigurationError):
    """The app file could not be imported or contains no (or several) function apps."""


class FunctionDefinitionError(ConfigurationError):
    """A function's bindings or Python signature are inconsistent."""

    def __init__(self, function_name: str, problem: str, fix: str) -> None:
        self.function_name = function_name
        super().__init__(f"Function '{function_name}': {problem}. Fix: {fix}")


class HostJsonError(ConfigurationError):
    """host.json is malformed or carries an invalid value."""


class SettingsError(ConfigurationError):
    """local.settings.json is malformed or unusable."""


class ConnectionSettingError(ConfigurationError):
    """A binding refers to a connection setting that is not defined."""


class ScheduleError(ConfigurationError):
    """A timer schedule is not a valid NCRONTAB or cron expression."""


class BindingTemplateError(ConfigurationError):
    """A binding property's `{expression}` template is malformed (found at load)."""


class KeyFolderError(ConfigurationError):
    """The folder of a function key file is owned or writable by another user; nothing was read or written."""


class StartupError(FunchostError):
    """The host could not start (for example the port is already in use)."""


class WebhookPayloadError(FunchostError):
    """An extension webhook's request body is not what the sender must send; the message says what (HTTP 400)."""


class InvocationError(FunchostError):
    """A function invocation failed; ``__cause__`` holds the user's exception."""


class FunctionTimeoutError(InvocationError):
    """The invocation exceeded host.json ``functionTimeout``."""


class OutputBindingError(InvocationError):
    """One output binding of a function could not send its value; the message names function, binding and fix.

    Already logged (once, by the output dispatcher) when raised, so the invoker does not log it again.
    """


class BindingDataError(InvocationError):
    """A binding expression such as `{id}` has no value in this invocation's trigger data: the invocation fails."""


class InputBindingError(InvocationError):
    """An input binding (a blob) could not be read: the message names function, binding and fix; logged once."""
