"""The one error hierarchy: every public error class in funchost and scale_controller derives from FunchostError
(found by walking the source, so a new class outside the tree fails here), and the docstring tree names it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import funchost.errors
from funchost.errors import FunchostError

ROOT = Path(__file__).resolve().parents[1]


def error_classes() -> list[tuple[str, type]]:
    """(module, class) of every public exception class named `...Error` in the two packages."""
    found = []
    for path in sorted([*(ROOT / "funchost").rglob("*.py"), *(ROOT / "scale_controller").rglob("*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error") and not node.name.startswith("_"):
                cls = getattr(importlib.import_module(module), node.name)
                if isinstance(cls, type) and issubclass(cls, BaseException):
                    found.append((module, cls))
    return found


def test_every_error_class_is_in_the_tree_and_its_docstring() -> None:
    classes = error_classes()
    assert len(classes) > 20  # the walk found the hierarchy
    outside = [f"{m}.{c.__name__}" for m, c in classes if not issubclass(c, FunchostError)]
    assert outside == []
    tree = funchost.errors.__doc__ or ""
    undocumented = [c.__name__ for _, c in classes if c.__name__ not in tree]
    assert undocumented == []
