"""The shape of host.json: every section funchost reads, and what each of its keys must be.

Checked once by `load_host_config()` (on the file, then again after `AzureFunctionsJobHost__*` overrides), so a
section that is a string where an object belongs, or an object where a number belongs, is refused naming the
path — not met later as a crash in whichever reader touches it first. Values themselves (ranges, TimeSpans, log
level names) are judged by the typed readers in `host_config.py` and `extension_options.py`. Keys not listed
here are not looked at: the host ignores what it does not know, and so do we.
"""

from __future__ import annotations

from funchost.metadata.json_shape import SCALAR, STRING, Shape, array, obj, scalars

_TIMESPAN = '"00:05:00"'

HOST_JSON = obj(
    {
        "version": SCALAR,
        "functionTimeout": Shape("scalar", example=f'{_TIMESPAN} (or "-1" for no limit)'),
        "functions": array(STRING, example='["hello", "orders"]'),
        "watchDirectories": array(STRING, example='["shared"]'),
        "watchFiles": array(STRING, example='["config.json"]'),
        "logging": obj(
            {
                "logLevel": obj(each=SCALAR, example='{"default": "Information", "Function.hello": "Debug"}'),
                "fileLoggingMode": SCALAR,
                "console": obj(example='{"isEnabled": true}'),
                "applicationInsights": obj(example='{"samplingSettings": {"isEnabled": true}}'),
            },
            example='{"logLevel": {"default": "Information"}}',
        ),
        "extensions": obj(
            {
                "http": obj(
                    {
                        "routePrefix": Shape("string", example='"api" (or "" for none)'),
                        "maxRequestBodySize": SCALAR,
                        "maxConcurrentRequests": SCALAR,
                        "maxOutstandingRequests": SCALAR,
                        "dynamicThrottlesEnabled": SCALAR,
                        "customHeaders": obj(each=SCALAR, example='{"X-Content-Type-Options": "nosniff"}'),
                        "hsts": obj(example='{"isEnabled": true}'),
                    },
                    example='{"routePrefix": "api"}',
                ),
                "queues": scalars(
                    "batchSize",
                    "newBatchThreshold",
                    "maxPollingInterval",
                    "visibilityTimeout",
                    "maxDequeueCount",
                    "messageEncoding",
                    example='{"batchSize": 16}',
                ),
                "rabbitMQ": scalars("prefetchCount", example='{"prefetchCount": 30}'),
                "kafka": scalars(
                    "maxBatchSize",
                    "subscriberIntervalInSeconds",
                    "autoOffsetReset",
                    "sessionTimeoutMs",
                    "maxPollIntervalMs",
                    "commitOnFailure",
                    "maxRetries",
                    "autoCommitIntervalMs",
                    example='{"maxBatchSize": 64}',
                ),
                "serviceBus": scalars(
                    "prefetchCount",
                    "maxConcurrentCalls",
                    "maxConcurrentSessions",
                    "autoCompleteMessages",
                    "maxAutoLockRenewalDuration",
                    "maxMessageBatchSize",
                    "maxConcurrentCallsPerSession",
                    "minMessageBatchSize",
                    "maxBatchWaitTime",
                    "sessionIdleTimeout",
                    example='{"maxConcurrentCalls": 16}',
                ),
            },
            each=obj(example='{"batchSize": 16}'),
            example='{"http": {"routePrefix": "api"}}',
        ),
        "singleton": scalars(
            "listenerLockPeriod", "listenerLockRecoveryPollingInterval", example='{"listenerLockPeriod": "00:00:15"}'
        ),
        "scale": obj(
            {
                "targetMode": SCALAR,
                "functions": obj(each=obj(example='{"target": 10}'), example='{"orders": {}}'),
                "http": obj({"target": SCALAR}, example='{"target": 16}'),
            },
            example='{"targetMode": "concurrency"}',
        ),
        "retry": obj(example='{"strategy": "fixedDelay", "maxRetryCount": 3, "delayInterval": "00:00:05"}'),
        "concurrency": obj(example='{"dynamicConcurrencyEnabled": false}'),
        "healthMonitor": obj(example='{"enabled": true}'),
        "aggregator": obj(example='{"batchSize": 1000}'),
        "managedDependency": obj(example='{"enabled": false}'),
        "customHandler": obj(example='{"description": {"defaultExecutablePath": "handler"}}'),
        "extensionBundle": obj(
            {"id": STRING, "version": STRING},
            example='{"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"}',
        ),
    },
    example='{"version": "2.0"}',
)
