"""`funchost init`, `funchost new` and `funchost templates`: project and function scaffolding."""

from __future__ import annotations

import argparse
from pathlib import Path

from funchost.errors import ConfigurationError
from funchost.scaffold.catalog import TemplateInfo
from funchost.scaffold.functions import list_templates, new_function
from funchost.scaffold.project import init_project, next_steps
from funchost.triggers.base import LISTENERS

HTTP_TRIGGER = "httpTrigger"


def add_parsers(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = subparsers.add_parser("init", help="create a function app project")
    init.add_argument("directory", nargs="?", default=".", help="project folder (default: current folder)")
    init.add_argument("--docker", action="store_true", help="also write a Dockerfile and .dockerignore")
    init.set_defaults(handler=run_init)

    new = subparsers.add_parser("new", help="add a function to function_app.py from a template")
    new.add_argument("--template", "-t", required=True, help="template name (see 'funchost templates')")
    new.add_argument("--name", "-n", required=True, help="the new function's name")
    new.add_argument("--script-root", default=".", help="the app folder (default: current folder)")
    new.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter, e.g. -p queue_name=orders (repeatable)",
    )
    new.set_defaults(handler=run_new)

    templates = subparsers.add_parser("templates", help="list the function templates")
    templates.set_defaults(handler=run_templates)


def run_init(args: argparse.Namespace) -> int:
    result = init_project(Path(args.directory), docker=args.docker)
    for path in result.written:
        print(f"Writing {path}")
    for path in result.skipped:
        print(f"{path} already exists. Skipped!")
    print(f"\nNext: {next_steps(result, docker=args.docker)}")
    return 0


def run_new(args: argparse.Namespace) -> int:
    params: dict[str, str] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"--param '{item}' is not KEY=VALUE. Fix: e.g. --param queue_name=orders")
        params[key] = value
    result = new_function(Path(args.script_root), args.template, args.name, params)
    print(f'The function "{result.function_name}" was created from "{result.template.name}" in {result.app_file}')
    for name, value in result.settings_added.items():
        print(f"Added app setting {name}={value!r} to {result.settings_file}")
    for note in result.notes:
        print(note)
    level = result.params.get("auth_level", "ANONYMOUS")
    if result.template.trigger == HTTP_TRIGGER and level != "ANONYMOUS":
        route, key = result.params.get("route", result.function_name), "function" if level == "FUNCTION" else "master"
        print(
            f"It needs a {key} key, also locally. After `funchost start`: curl "
            f'"http://127.0.0.1:7071/api/{route}?code=$(funchost keys list --function {result.function_name} --value)"'
        )
    if not runnable(result.template):
        print(
            f"Note: this version of funchost has no {result.template.trigger} listener, so `funchost start` refuses "
            f"an app with this function. Run the other functions with --functions until it lands; Azure runs it."
        )
    return 0


def run_templates(args: argparse.Namespace) -> int:
    for info in list_templates():
        params = ", ".join(f"{p.name}={p.default if p.default is not None else '<function name>'}" for p in info.params)
        mark = "" if runnable(info) else f"  [cannot run yet: funchost has no {info.trigger} listener]"
        print(f"{info.name}{mark}\n    {info.description}")
        print(f"    trigger: {info.trigger}; aliases: {', '.join(info.aliases)}")
        if params:
            print(f"    parameters: {params}")
    return 0


def runnable(info: TemplateInfo) -> bool:
    """Whether this funchost can run a function made from ``info``: HTTP, or a trigger with a registered listener."""
    return info.trigger.casefold() in {HTTP_TRIGGER.casefold(), *(name.casefold() for name in LISTENERS)}
