"""The Azure Storage queue service client as funchost's queue trigger and queue output both build it.

A short SDK retry (one retry after 1 s, 10 s connect timeout): the trigger's polling loop and the output's caller
back off and retry themselves, so the SDK's default of 3 retries with exponential back-off would only stack delays.
"""

from __future__ import annotations

from azure.storage.queue.aio import QueueServiceClient


def queue_service_client(conn: str) -> QueueServiceClient:
    """Raises ValueError for a connection string the SDK cannot parse (callers name the app setting)."""
    return QueueServiceClient.from_connection_string(
        conn,
        retry_total=1,
        initial_backoff=1,
        increment_base=1,
        random_jitter_range=0,
        connection_timeout=10,
    )
