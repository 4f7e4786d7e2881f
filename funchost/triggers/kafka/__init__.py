"""The Kafka trigger: `listener` (the consumer group member), `config` (consumer options from the binding and
host.json), `partition` (one worker per assigned partition, in order), `commit` (offsets stored after the outcome)."""
