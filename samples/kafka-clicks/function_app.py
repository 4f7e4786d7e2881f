"""kafka-clicks: page-view counts from a click stream.

Reads JSON click events such as {"page": "/home", "user": "u1"} from the topic "clicks" in batches (cardinality
many: up to host.json extensions.kafka.maxBatchSize events of one partition per call) and writes one summary per
batch to the topic "click-counts" through the kafka output binding. Offsets are committed only after the
summary has been written, so a crash re-counts a batch rather than losing it (at-least-once).

Topic names, the consumer group and the brokers come from app settings (local.settings.json), so the same code
runs against any cluster.
"""

import collections
import json
import logging
import typing

import azure.functions as func

app = func.FunctionApp()


@app.function_name("count_clicks")
@app.kafka_trigger(
    arg_name="events",
    topic="%ClicksTopic%",
    broker_list="KafkaBrokerList",
    consumer_group="%ClicksConsumerGroup%",
    cardinality=func.Cardinality.MANY,
    data_type=func.DataType.BINARY,  # the record value itself (string would give Azure's JSON event envelope)
)
@app.kafka_output(arg_name="summary", topic="%ClickCountsTopic%", broker_list="KafkaBrokerList")
def count_clicks(events: typing.List[func.KafkaEvent], summary: func.Out[str]) -> None:  # noqa: UP006
    pages: collections.Counter[str] = collections.Counter()
    skipped = 0
    for event in events:
        try:
            pages[str(json.loads(event.get_body())["page"])] += 1
        except (ValueError, KeyError, TypeError):
            skipped += 1
            logging.warning("Skipping a malformed click at %s/%s: %r", event.partition, event.offset, event.get_body())
    first = events[0]
    summary.set(
        json.dumps(
            {
                "partition": first.partition,
                "offsets": [first.offset, events[-1].offset],
                "events": len(events),
                "skipped": skipped,
                "pages": dict(pages),
            }
        )
    )
    logging.info(
        "Counted %d click(s) on %d page(s) from partition %s", sum(pages.values()), len(pages), first.partition
    )
