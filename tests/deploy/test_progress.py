"""Build and push output: lines streamed as they come, the failing step named, push errors with the fix."""

from __future__ import annotations

import io

import pytest

from funchost.deploy.errors import ImageBuildError, ImagePushError
from funchost.deploy.progress import BuildLog, PushLog

# The shape of podman's (Docker-compatible) build stream, as seen on podman 4.3.
PODMAN_BUILD = [
    {"stream": "[1/2] STEP 1/4: FROM funchost/host:0.1.0 AS app\n"},
    {"stream": "[2/2] STEP 5/9: RUN pip install --no-index -r requirements.txt\n"},
    {"stream": "Looking in links: /tmp/funchost-build\n"},
    {"stream": "Successfully tagged localhost/app:latest\n"},
    {"stream": "0f" * 32 + "\n"},
]


def test_build_output_is_streamed_and_the_image_id_kept() -> None:
    out = io.StringIO()
    log = BuildLog(out, "app")

    assert log.follow(PODMAN_BUILD) == "0f" * 32
    assert out.getvalue() == "".join(event["stream"] for event in PODMAN_BUILD)
    assert log.step == "[2/2] STEP 5/9: RUN pip install --no-index -r requirements.txt"


def test_docker_build_output_gives_the_short_id() -> None:
    log = BuildLog(io.StringIO(), "app")
    log.follow([{"stream": "Step 1/2 : FROM x\n"}, {"stream": "Successfully built 1234567890ab\n"}])
    assert log.image_id == "1234567890ab"


def test_a_build_error_names_the_failing_step_and_the_fix() -> None:
    log = BuildLog(io.StringIO(), "localhost/app:1")
    events = [*PODMAN_BUILD[:3], {"error": "exit status 1", "errorDetail": {"message": "exit status 1"}}]

    with pytest.raises(ImageBuildError) as caught:
        log.follow(events)

    message = str(caught.value)
    step = "[2/2] STEP 5/9: RUN pip install --no-index -r requirements.txt"
    assert message.startswith(f"building localhost/app:1 failed at {step}: exit status 1")
    assert "    Looking in links: /tmp/funchost-build" in message  # the last output lines
    assert "Fix: the requirements could not be installed from the wheelhouse" in message


def test_a_missing_base_image_points_at_base_image_option() -> None:
    log = BuildLog(io.StringIO(), "app")
    with pytest.raises(ImageBuildError, match=r"(?s)at STEP 1/2: FROM nope:1: .*Fix: .*--base-image"):
        log.follow([{"stream": "STEP 1/2: FROM nope:1\n"}, {"error": "nope:1: image not known"}])


def test_partial_lines_are_joined_before_matching_steps() -> None:
    log = BuildLog(io.StringIO(), "app")
    log.follow([{"stream": "STEP 3/"}, {"stream": "4: RUN true\n"}])
    assert log.step == "STEP 3/4: RUN true"


def test_push_progress_prints_each_layer_state_once() -> None:
    out = io.StringIO()
    events = [
        {"status": "The push refers to repository [r/app]"},
        {"status": "Pushing", "id": "aa", "progressDetail": {"current": 1, "total": 10}},
        {"status": "Pushing", "id": "aa", "progressDetail": {"current": 10, "total": 10}},
        {"status": "Pushed", "id": "aa"},
        {"status": "latest: digest: sha256:12 size: 7", "aux": {"Tag": "latest", "Digest": "sha256:12", "Size": 7}},
    ]

    assert PushLog(out, "r/app:latest").follow(events) == "sha256:12"
    assert out.getvalue().splitlines() == [
        "The push refers to repository [r/app]",
        "aa: Pushing",
        "aa: Pushed",
        "latest: digest: sha256:12 size: 7",
    ]


def test_a_push_error_says_to_log_in() -> None:
    with pytest.raises(ImagePushError, match=r"pushing r/app:1 failed: denied\. Fix: .*docker login"):
        PushLog(io.StringIO(), "r/app:1").follow([{"error": "denied", "errorDetail": {"message": "denied"}}])
