"""Entry point of the `funchost` command: argument parsing and the mapping of errors to exit codes.

Exit codes: 0 success; 1 runtime failure (`StartupError`); 2 bad input (`ConfigurationError`, usage).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from funchost import __version__
from funchost.cli import build, functions, keys, kubernetes, scaffolding, scale, start, up
from funchost.errors import ConfigurationError, FunchostError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="funchost", description="Run Azure Functions Python apps anywhere.")
    parser.add_argument("--version", action="version", version=f"funchost {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    scaffolding.add_parsers(subparsers)
    start.add_parser(subparsers)
    functions.add_parser(subparsers)
    keys.add_parser(subparsers)
    build.add_parser(subparsers)
    scale.add_parser(subparsers)
    kubernetes.add_parser(subparsers)
    up.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FunchostError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
