"""Errors of image builds and pushes.

They take their places in funchost's one hierarchy (:mod:`funchost.errors`)::

    FunchostError
    ├── ConfigurationError
    │   └── WheelhouseError   a requirement has no wheel for the image's platform, or cannot be resolved (exit 2)
    ├── EngineError           no container engine answers, or it refused a call (exit 1)
    ├── ImageBuildError       the image build failed; names the failing step (exit 1)
    └── ImagePushError        pushing to the registry failed (exit 1)
"""

from __future__ import annotations

from funchost.errors import ConfigurationError, FunchostError


class WheelhouseError(ConfigurationError):
    """requirements.txt cannot be turned into wheels for the image's platform."""


class EngineError(FunchostError):
    """The container engine (Docker or podman's Docker-compatible API) is unreachable or refused a call."""


class ImageBuildError(FunchostError):
    """The engine could not build the image."""


class ImagePushError(FunchostError):
    """The engine could not push the image."""
