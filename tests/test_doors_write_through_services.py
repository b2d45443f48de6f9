"""No door writes a table itself: the editor's views, the API handlers, the public views
and the commands and importers change stored state only through the domain services
(which check the actor and log the action). The one table a door owns is the importer's
own record of what it imported (cms.ops.imports.ImportedItem)."""

import ast
import importlib
from pathlib import Path

import peewee
import pytest

ROOT = Path(__file__).resolve().parents[1]
WRITES = {"create", "update", "insert", "insert_many", "replace", "delete", "delete_instance"}
OWN_TABLES = {("cms.ops.imports", "ImportedItem")}
DOORS = sorted(
    path
    for folder in ("admin", "api", "public", "ops")
    for path in (ROOT / "cms" / folder).rglob("*.py")
)


def model_writes(module_name: str, source: str) -> list[str]:
    """`Model.create(...)`-style calls on a Peewee model, and `x.save(...)` calls."""
    module = importlib.import_module(module_name)
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr == "save":
            found.append(f"line {node.lineno}: .save()")
        target = node.func.value
        if node.func.attr in WRITES and isinstance(target, ast.Name):
            model = getattr(module, target.id, None)
            is_model = isinstance(model, type) and issubclass(model, peewee.Model)
            if is_model and (module_name, target.id) not in OWN_TABLES:
                found.append(f"line {node.lineno}: {target.id}.{node.func.attr}()")
    return sorted(found)


@pytest.mark.parametrize("path", DOORS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_door_writes_only_through_services(app, path):
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    assert model_writes(name, path.read_text()) == []


def test_the_check_sees_a_door_that_writes(app):
    source = "from cms.site.models import Notice\nNotice.update(body='x').execute()\nn.save()\n"
    assert model_writes("cms.ops.portable_import", source) == [
        "line 2: Notice.update()",
        "line 3: .save()",
    ]
