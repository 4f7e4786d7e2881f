"""Kafka scaler: the consumer group's lag on the trigger's topic, exactly as KEDA's `kafka` scaler measures it.

kedacore/keda `pkg/scalers/kafka_scaler.go`: partitions from the topic's metadata (limited by
partitionLimitation), the group's committed offsets (OffsetFetch for those partitions, passed explicitly) and the
partitions' latest offsets (ListOffsets latest = the high watermark), then the lag rules in `kafka_lag.py`.

Deliberate difference: offsetResetPolicy defaults to the host's extensions.kafka.autoOffsetReset (Earliest
unless set), because that is what funchost's consumer does with a partition that has no commit; KEDA defaults to
latest (see funchost/metadata/scale_settings.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from funchost.brokers.kafka import client_options
from funchost.metadata.broker_settings import KafkaSettings
from funchost.metadata.kafka_security import kafka_security
from funchost.metadata.scale_options import parse_partition_limitation
from funchost.metadata.trigger_kinds import KAFKA
from scale_controller.app_metadata import EventFunction
from scale_controller.scalers.base import Measurement, ScalerError
from scale_controller.scalers.kafka_lag import LagRules, PartitionOffsets, total_lag

TIMEOUT = 15.0  # seconds for one measurement, connecting included
CLIENT_ID = "funchost-scale-controller"


class KafkaScaler:
    def __init__(
        self,
        *,
        settings: KafkaSettings,
        rules: LagRules,
        activation: float = 0.0,
        partition_limitation: tuple[int, ...] | None = None,
        function: str = "",
    ) -> None:
        where = f"Function '{function}' (Kafka trigger, scale controller)"
        # The same protocol / SASL / TLS options the function's own consumer uses (ConfigurationError if unusable).
        self.security_options = client_options(kafka_security(settings, where), where)
        self.name = f"kafka:{settings.topic}/{settings.consumer_group}"
        self.topic, self.group = settings.topic, settings.consumer_group
        self.rules, self.activation = rules, activation
        self.partition_limitation = partition_limitation
        self._servers, self._function = settings.bootstrap_servers, function
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._previous: dict[int, int] = {}  # last committed offset per partition (excludePersistentLag)

    @classmethod
    def from_function(cls, function: EventFunction, environ: Mapping[str, str] | None = None) -> KafkaScaler:
        settings, options = KAFKA.settings(function.settings, function.name), function.scale.options
        limitation = options.get("partitionLimitation")
        where = f"Function '{function.name}' scale option partitionLimitation"
        return cls(
            settings=settings,
            rules=LagRules(
                lag_threshold=function.scale.target,
                offset_reset_policy=str(options.get("offsetResetPolicy", "earliest")),
                allow_idle_consumers=bool(options.get("allowIdleConsumers", False)),
                exclude_persistent_lag=bool(options.get("excludePersistentLag", False)),
                scale_to_zero_on_invalid_offset=bool(options.get("scaleToZeroOnInvalidOffset", False)),
                limit_to_partitions_with_lag=bool(options.get("limitToPartitionsWithLag", False)),
                ensure_even_distribution_of_partitions=bool(options.get("ensureEvenDistributionOfPartitions", False)),
            ),
            activation=function.scale.activation_threshold,
            partition_limitation=parse_partition_limitation(str(limitation), where) if limitation else None,
            function=function.name,
        )

    async def measure(self) -> Measurement:
        try:
            async with asyncio.timeout(TIMEOUT):
                offsets = await self.offsets()
        except ScalerError:
            raise
        except Exception as exc:  # any client failure: reconnect on the next poll (KEDA refreshes the scaler)
            await self.aclose()
            detail = f"timed out after {TIMEOUT:.0f} s" if isinstance(exc, TimeoutError) else f"{exc!r}"
            raise ScalerError(
                f"Function '{self._function}': cannot read the lag of group '{self.group}' on topic '{self.topic}' "
                f"at {self._servers}: {detail}. Fix: start the broker or correct the brokerList setting"
            ) from exc
        result, self._previous = total_lag(offsets, self.rules, self._previous)
        return Measurement(
            value=float(result.lag),
            target=float(self.rules.lag_threshold),
            active=result.lag_with_persistent > self.activation,  # GetMetricsAndActivity
        )

    async def offsets(self) -> dict[int, PartitionOffsets]:
        """Latest and committed offset of every (limited) partition of the topic."""
        admin, consumer = await self._clients()
        # list_topics first: a Metadata request naming the topic would auto-create it on many brokers.
        if self.topic not in await admin.list_topics():
            raise ScalerError(
                f"Function '{self._function}': Kafka topic '{self.topic}' does not exist at {self._servers}. "
                "Fix: create it, or correct the trigger's topic"
            )
        described = await admin.describe_topics([self.topic])
        partitions = sorted(p["partition"] for t in described if t["topic"] == self.topic for p in t["partitions"])
        if self.partition_limitation is not None:
            partitions = [p for p in partitions if p in self.partition_limitation]
        if not partitions:  # kafka_scaler.go getTopicPartitions
            raise ScalerError(
                f"Function '{self._function}': no partition of topic '{self.topic}' is left after "
                f"partitionLimitation {list(self.partition_limitation or ())}. Fix: correct partitionLimitation"
            )
        tps = [TopicPartition(self.topic, p) for p in partitions]
        committed = await admin.list_consumer_group_offsets(self.group, partitions=tps)
        latest = await consumer.end_offsets(tps)
        result: dict[int, PartitionOffsets] = {}
        for tp in tps:
            if tp not in committed:
                raise ScalerError(f"Function '{self._function}': no offset block for {tp} in group '{self.group}'")
            offset = committed[tp].offset
            result[tp.partition] = PartitionOffsets(latest=latest.get(tp), committed=offset if offset >= 0 else None)
        return result

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            await self.aclose()
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._servers, client_id=CLIENT_ID, request_timeout_ms=10000, **self.security_options
            )
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._servers,
                client_id=CLIENT_ID,
                enable_auto_commit=False,
                request_timeout_ms=10000,
                **self.security_options,
            )
            self._admin, self._consumer = admin, consumer  # assigned first so aclose() closes a half-started pair
            await admin.start()
            await consumer.start()
        return self._admin, self._consumer

    async def aclose(self) -> None:
        admin, consumer, self._admin, self._consumer = self._admin, self._consumer, None, None
        with contextlib.suppress(Exception):  # closing a half-started client must not hide the original error
            if consumer is not None:
                await consumer.stop()
        with contextlib.suppress(Exception):
            if admin is not None:
                await admin.close()
