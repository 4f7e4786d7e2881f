"""The Azure Storage queue trigger: `listener` (QueueListener: polls and settles), `reader` (one GetMessages at a
time, waiting for a missing queue), `polling` (the back-off, lease cadence, storage errors, the client),
`processor` (decode → poison rules → invoke → delete or release one message), `lease` (visibility renewal)."""
