"""Each trigger's binding data: the queue message's contract names and a JSON payload's properties; the HTTP
request's JSON body, query (without `code`), route values, `Query` and `Headers`; a Kafka event (or a batch's
arrays); a RabbitMQ delivery with its basic properties; a triggering blob's path, URI, properties (.NET names) and
metadata, overridden by the path pattern's parameters — bound by real templates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from azure.storage.blob import BlobProperties, BlobType

from funchost.bindings.binding_data import (
    blob_binding_data,
    http_binding_data,
    json_properties,
    kafka_binding_data,
    queue_binding_data,
    rabbitmq_binding_data,
)
from funchost.metadata.binding_templates import parse_template

WHEN = datetime.datetime(2026, 5, 4, 3, 2, 1, tzinfo=datetime.UTC)


def test_only_a_json_object_gives_properties() -> None:
    assert json_properties(b' {"id": 1} ') == {"id": 1}
    assert json_properties(b"[1]") == {} and json_properties(b"{not json") == {} and json_properties(b"text") == {}


def test_queue_data_has_the_contract_names_and_the_payload_properties() -> None:
    body = b'{"id": "o-7", "data": {"key": "k"}, "popreceipt": "payload wins"}'
    data = queue_binding_data(
        body=body,
        id="m1",
        dequeue_count=2,
        insertion_time=WHEN,
        expiration_time=WHEN,
        next_visible_time=WHEN,
        pop_receipt="pr",
    )
    assert parse_template("out/{id}/{data.key}/{DequeueCount}").bind(data) == "out/o-7/k/2"  # the payload's id
    assert parse_template("{queueTrigger}").bind(data) == body.decode()
    assert parse_template("{InsertionTime:yyyy-MM-dd}|{popReceipt}").bind(data) == "2026-05-04|payload wins"
    assert "Id" not in data and "PopReceipt" not in data  # replaced, not shadowed
    assert parse_template("in/{queueTrigger}/{id}").bind(_bare_message(b"plain")) == "in/plain/m"
    binary = _bare_message(b"\xff{")
    assert "QueueTrigger" not in binary and binary["Id"] == "m"  # not valid text: no QueueTrigger


def _bare_message(body: bytes) -> dict[str, Any]:
    """The binding data of a message with only an id and a dequeue count (no times, no pop receipt)."""
    return queue_binding_data(
        body=body,
        id="m",
        dequeue_count=1,
        insertion_time=None,
        expiration_time=None,
        next_visible_time=None,
        pop_receipt=None,
    )


def test_http_data_merges_body_query_and_route() -> None:
    request = func.HttpRequest(
        "POST",
        "http://x/api/files/cat?name=query&size=9&code=secret",
        headers={"X-Tag": "t"},
        params={"name": "query", "size": "9", "code": "secret"},
        route_params={"name": "route"},
        body=b'{"size": "body", "owner": "ann"}',
    )
    data = http_binding_data(request)
    assert parse_template("{name}/{size}/{owner}").bind(data) == "route/9/ann"  # route > query > body
    assert "code" not in data and data["Query"]["code"] == "secret"
    assert parse_template("{Query.size}|{Headers.x-tag}").bind(data) == "9|t"


@dataclass(frozen=True)
class Record:
    """A consumed record's fields (the KafkaRecordLike protocol aiokafka's ConsumerRecord has)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


def test_kafka_data_is_the_event_or_arrays_for_a_batch() -> None:
    one = Record("orders", 2, 41, 1_777_777_777_000, b"k1", b"v")
    data = kafka_binding_data([one], many=False)
    assert parse_template("{Topic}/{Partition}-{Offset}-{Key}/{Timestamp:yyyy}").bind(data) == "orders/2-41-k1/2026"
    batch = kafka_binding_data([one, Record("orders", 0, 7, 0, None, b"w")], many=True)
    assert batch["OffsetArray"] == [41, 7] and batch["KeyArray"] == ["k1", ""] and "Offset" not in batch


def test_rabbitmq_data_nests_the_basic_properties() -> None:
    data = rabbitmq_binding_data(
        consumer_tag="ctag",
        delivery_tag=3,
        redelivered=False,
        exchange="",
        routing_key="jobs",
        properties={"MessageId": "m-1"},
        body=b"{}",
    )
    assert parse_template("{RoutingKey}/{BasicProperties.MessageId}-{DeliveryTag}").bind(data) == "jobs/m-1-3"


def test_blob_data_has_the_extension_names_and_the_pattern_parameters_override_them() -> None:
    props = BlobProperties(metadata={"owner": "ana"})  # the SDK's own type, filled as a download fills it
    props.blob_type, props.size, props.etag, props.last_modified = BlobType.BLOCKBLOB, 8, '"0x1"', WHEN
    props.content_settings.content_type, props.lease.state, props.lease.status = "image/png", "available", "unlocked"
    uri = "http://127.0.0.1:10000/devstoreaccount1/up/cat.png"
    data = blob_binding_data(path="up/cat.png", uri=uri, properties=props, parameters={"name": "cat", "uri": "u"})
    assert set(data) == {"BlobTrigger", "Metadata", "Properties", "name", "uri"}  # {uri} of the pattern wins
    template = parse_template(
        "{BlobTrigger}|{name}|{Metadata.owner}|{Properties.BlobType}|{Properties.ContentLength}|"
        "{properties.contenttype}|{Properties.ETag}|{Properties.LeaseState}|{Properties.LeaseStatus}|{uri}"
    )
    assert template.bind(data) == 'up/cat.png|cat|ana|Block|8|image/png|"0x1"|Available|Unlocked|u'
    without = blob_binding_data(path="up/cat.png", uri=uri, properties=props, parameters={})
    assert parse_template("{Uri}").bind(without) == uri
    assert parse_template("{Properties.LastModified:yyyy}").bind(without) == "2026"
