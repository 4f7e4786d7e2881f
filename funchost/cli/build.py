"""`funchost build`: build the function project's container image through the Docker Engine API, and push it.

The engine is DOCKER_HOST (or --docker-host, or the default socket): dockerd, or podman's `podman system service`.
funchost.deploy (and with it the docker SDK) is imported only when `build` runs, keeping `funchost start` lean.
"""

from __future__ import annotations

import argparse
import sys

from funchost import __version__
from funchost.errors import ConfigurationError
from funchost.metadata.app_loader import resolve_script_root


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("build", help="build the app's container image (docker / podman engine)")
    parser.add_argument("--script-root", help="the app folder (default: AzureWebJobsScriptRoot or the current folder)")
    parser.add_argument("--tag", "-t", help="image NAME[:TAG] as for docker build -t (default: <folder name>:latest)")
    parser.add_argument("--registry", help="registry (and path) to put the image under: REGISTRY/NAME:TAG")
    parser.add_argument("--push", action="store_true", help="push the image after building it (needs --registry)")
    parser.add_argument(
        "--base-image",
        help=f"the funchost host image to build on (default funchost/host:{__version__}, built from Dockerfile.host "
        "when missing); NAME@sha256:DIGEST pins it",
    )
    parser.add_argument(
        "--base-image-digest",
        metavar="sha256:DIGEST",
        help="pin the base image (--base-image or the default) to this digest: built FROM NAME@sha256:DIGEST",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not use the engine's layer cache")
    parser.add_argument(
        "--offline", action="store_true", help="take the requirements from the project's wheels/ folder only (no index)"
    )
    parser.add_argument(
        "--docker-host", help="engine address, e.g. unix:///run/podman/podman.sock (default DOCKER_HOST)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from funchost.deploy.base_image import DEFAULT_BASE_IMAGE
    from funchost.deploy.docker_sdk import Engine
    from funchost.deploy.image import build_app_image, check_project, push_image
    from funchost.deploy.naming import image_reference, pin_digest

    if args.push and not args.registry and "/" not in (args.tag or ""):
        raise ConfigurationError(
            "--push needs a registry to push to. Fix: add --registry REGISTRY (e.g. --registry localhost:5000/team) "
            "or name it in --tag REGISTRY/NAME:TAG"
        )
    root = check_project(resolve_script_root(args.script_root))
    reference = image_reference(root, args.tag, args.registry)  # bad input fails before any slow step
    base_image = args.base_image or DEFAULT_BASE_IMAGE
    if args.base_image_digest is not None:
        base_image = pin_digest(base_image, args.base_image_digest.strip())
    with Engine.connect(args.docker_host) as engine:
        built = build_app_image(
            root,
            engine,
            tag=reference,
            base_image=base_image,
            nocache=args.no_cache,
            offline=args.offline,
            out=sys.stdout,
        )
        if args.push:
            push_image(engine, built.reference, out=sys.stdout)
    return 0
