"""The trigger-parameter annotation rule shared by the queue and blob triggers: no annotation or the binding's
`azure.functions` type (or a subclass) gives that type, exactly `str` / `bytes` the generic binding, anything else
is a load error naming the function, the parameter, the binding and the fix."""

from __future__ import annotations

import azure.functions as func
import pytest

from funchost.bindings.queue import trigger_kind
from funchost.errors import FunctionDefinitionError
from funchost.triggers.blob.convert import blob_kind


class MyStream(func.InputStream):
    pass


def test_the_queue_and_blob_rules_give_the_same_kinds() -> None:
    assert [trigger_kind("f", "m", a) for a in (None, func.QueueMessage, str, bytes)] == [
        "message",
        "message",
        "str",
        "bytes",
    ]
    assert [blob_kind("f", "b", a) for a in (None, func.InputStream, MyStream, str, bytes)] == [
        "stream",
        "stream",
        "stream",
        "str",
        "bytes",
    ]


def test_another_annotation_names_the_parameter_the_binding_and_the_fix() -> None:
    with pytest.raises(FunctionDefinitionError) as queue:
        trigger_kind("work", "msg", dict)
    assert "queue trigger parameter 'msg' is annotated 'dict', which the queueTrigger binding cannot" in str(
        queue.value
    )
    assert "'msg: func.QueueMessage'" in str(queue.value)
    with pytest.raises(FunctionDefinitionError) as blob:
        blob_kind("work", "upload", bytearray)  # exactly bytes, as the worker's generic binding
    assert "blob trigger parameter 'upload' is annotated 'bytearray', which the blobTrigger binding" in str(blob.value)
    assert "Function 'work'" in str(blob.value) and "'upload: func.InputStream'" in str(blob.value)
