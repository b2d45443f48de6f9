"""The models and the schema the migrations build agree, except where it is said why.

playhouse.schema_diff compares tables, columns and indexes; column types, nullability,
primary keys and foreign keys (with their ON DELETE) are compared against the schema
peewee would create from the models, both read through peewee's database metadata.
"""

import importlib
import pkgutil

import pytest
from peewee import CharField, Model, SqliteDatabase, TextField
from playhouse.schema_diff import diff_models

import cms
from cms.core.db import BaseModel, db

# What differs on purpose: playhouse.schema_diff's line -> why.
ALLOWED = {
    "create table entry": "Entry holds the fields Post and Page share; it is never a table",
    # Declared by the models (a foreign key is indexed), never made by the migrations:
    "add index edit_presence (user_id)": "presence is looked up by (kind, object_id) and "
    "pruned by seen_at; the rows are few and minutes old, so a cascade needs no index",
    "add index media_variant (media_id)": "the unique (media_id, width) index leads with "
    "media_id and serves every lookup of an image's variants",
    # Made by the migrations only, for queries the models do not declare:
    "drop index post.post_listing (status, published_at, id)": "the public listings' "
    "keyset order: published posts by date, then id",
    "drop index rate_hit.rate_hit_at (at)": "old rate-limit hits are pruned by time",
    "drop index rate_hit.rate_hit_bucket_key_at (bucket, key, at)": "the sliding window "
    "counts one bucket and key's recent hits",
}
# Tables the migrations make that no model maps: table -> why.
WITHOUT_MODEL = {
    "schema_migration": "playhouse.migrations' record of the migrations applied",
    "search_entry": "the FTS5 full-text index, written in SQL by the search module",
}


def all_models() -> list[type[BaseModel]]:
    """Every model of the application (each module imported, so none is missed)."""
    for module in pkgutil.walk_packages(cms.__path__, "cms."):
        if ".migrations." not in module.name:
            importlib.import_module(module.name)
    found, queue = set(), [BaseModel]
    while queue:
        for model in queue.pop().__subclasses__():
            found.add(model)
            queue.append(model)
    return sorted(found, key=lambda model: model._meta.table_name)


def drift(database, models) -> list[str]:
    """playhouse.schema_diff's differences, one line each, as it writes them."""
    return str(diff_models(database, models)).splitlines()


def _columns(database, table: str) -> set[tuple]:
    return {
        (c.name, c.data_type.upper(), c.null, c.primary_key) for c in database.get_columns(table)
    }


def _foreign_keys(database, table: str) -> set[tuple]:
    rows = database.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall()
    return {(row[3], row[2], row[4], row[6]) for row in rows}  # from, table, to, on delete


def column_drift(database, models) -> dict[str, dict]:
    """Tables whose columns (type, null, primary key) or foreign keys differ from those
    peewee would create from the models: table -> what only each side has."""
    tables = [m for m in models if m._meta.table_name in database.get_tables()]
    declared = SqliteDatabase(":memory:")
    found = {}
    with declared.bind_ctx(tables, bind_refs=False, bind_backrefs=False):
        declared.create_tables(tables)
        for model in tables:
            table = model._meta.table_name
            for read in (_columns, _foreign_keys):
                migrated, wanted = read(database, table), read(declared, table)
                if migrated != wanted:
                    found[f"{table} {read.__name__.strip('_')}"] = {
                        "migrations only": sorted(migrated - wanted),
                        "models only": sorted(wanted - migrated),
                    }
    declared.close()
    return found


@pytest.fixture
def migrated(empty_app):
    """The database as the migrations leave it (no demo content)."""
    with empty_app.app_context():
        db.connect(reuse_if_open=True)
        yield db


def test_tables_columns_and_indexes_match_the_models(migrated):
    lines = drift(migrated, all_models())
    assert [line for line in lines if line not in ALLOWED] == []
    # An allowance that no longer matches anything is stale: take it out.
    assert sorted(set(ALLOWED) - set(lines)) == []


def test_column_types_nullability_and_foreign_keys_match_the_models(migrated):
    assert column_drift(migrated, all_models()) == {}


def test_every_table_has_a_model(migrated):
    mapped = {model._meta.table_name for model in all_models()}
    listed = migrated.execute_sql("PRAGMA table_list").fetchall()
    tables = {
        name
        for schema, name, kind, *_ in listed
        if schema == "main" and kind in ("table", "virtual") and not name.startswith("sqlite_")
    }  # FTS5's own tables are kind "shadow"
    assert sorted(tables - mapped - set(WITHOUT_MODEL)) == []
    assert sorted(set(WITHOUT_MODEL) - tables) == []


def test_the_checks_see_a_model_that_drifted(migrated):
    """Negative control: a changed model is reported by each check."""

    class Setting(Model):  # not a BaseModel: all_models() must never find it
        key = CharField(primary_key=True)
        value = TextField(null=True)  # the migrations made it NOT NULL
        note = TextField()  # no migration adds it

        class Meta:
            table_name = "setting"

    assert drift(migrated, [Setting]) == ["add column setting.note"]
    assert column_drift(migrated, [Setting])["setting columns"] == {
        "migrations only": [("value", "TEXT", False, False)],
        "models only": [("note", "TEXT", False, False), ("value", "TEXT", True, False)],
    }


def test_the_old_sign_in_failure_table_is_dropped(empty_app):
    """Migration 0012: the table of the earlier throttle goes with it."""
    with empty_app.app_context():
        assert "login_failure" not in db.get_tables()
