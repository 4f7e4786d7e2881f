"""The blob trigger (polling source): container scans, blob receipts, the shared blob-trigger queue and poison."""
