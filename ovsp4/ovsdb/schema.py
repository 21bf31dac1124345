"""The Open_vSwitch schema extended with OvS.p4's records.

The extension is an overlay (``ovsdb-schema/p4.overlay.json``) merged into
the Open_vSwitch schema of the OVS tree at hand, so the repository never
carries a copy of OVS's own schema:

- new tables ``P4_Bridge`` and ``P4_Program`` (both non-root: a P4_Bridge
  lives as long as its Bridge refers to it, a P4_Program as long as a
  P4_Bridge does);
- a new column ``Bridge.p4``, the bridge's P4_Bridge (strong reference), so
  ``ovs-vsctl del-br`` garbage-collects the P4 records with the bridge.

The extended schema's version is the base version with the overlay's
revision folded into the patch number: ``8.3.1`` + revision 1 =
``8.3.1001`` (``base_version()`` undoes it), so it sorts after the OVS
release it extends and before the next one.

Standard library only: the build runs it as a script
(``python3 -m ovsp4.ovsdb.schema BASE -o OUT``, see ``ovsdb-schema/``).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

OVERLAY_PATH = Path(__file__).resolve().parents[2] / "ovsdb-schema" / "p4.overlay.json"
DB_NAME = "Open_vSwitch"
REVISION_FACTOR = 1000


class SchemaError(ValueError):
    """A schema or database file that cannot be extended."""


def load_overlay(path: Path | None = None) -> dict[str, Any]:
    path = path or OVERLAY_PATH
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise SchemaError(f"cannot read the P4 schema overlay: {exc}") from None


def revision(overlay: dict[str, Any] | None = None) -> int:
    return int((overlay or load_overlay())["revision"])


def p4_tables(overlay: dict[str, Any] | None = None) -> list[str]:
    return sorted((overlay or load_overlay())["tables"])


def _split_version(version: str) -> tuple[int, int, int]:
    try:
        major, minor, patch = (int(x) for x in version.split("."))
    except ValueError:
        raise SchemaError(f"'{version}' is not a schema version (x.y.z)") from None
    return major, minor, patch


def extended_version(base: str, rev: int) -> str:
    major, minor, patch = _split_version(base)
    return f"{major}.{minor}.{patch * REVISION_FACTOR + rev}"


def base_version(version: str) -> str:
    major, minor, patch = _split_version(version)
    return f"{major}.{minor}.{patch // REVISION_FACTOR}"


def has_p4(schema: Schema, overlay: dict[str, Any] | None = None) -> bool:
    """True when the schema has every P4 table."""
    return all(t in schema.get("tables", {}) for t in p4_tables(overlay))


def p4_revision(schema: Schema, overlay: dict[str, Any] | None = None) -> int | None:
    """The overlay revision a schema was extended with, None for a plain
    Open_vSwitch schema."""
    if not has_p4(schema, overlay):
        return None
    return _split_version(schema["version"])[2] % REVISION_FACTOR


def strip(schema: Schema, overlay: dict[str, Any] | None = None) -> Schema:
    """The schema without any P4 addition (the base it was made from)."""
    overlay = overlay or load_overlay()
    if not any(t in schema.get("tables", {}) for t in overlay["tables"]):
        return copy.deepcopy(schema)
    out = copy.deepcopy(schema)
    for table in overlay["tables"]:
        out["tables"].pop(table, None)
    for table, columns in overlay["columns"].items():
        for column in columns:
            out["tables"].get(table, {}).get("columns", {}).pop(column, None)
    out["version"] = base_version(schema["version"])
    out.pop("cksum", None)
    return out


def extend(base: Schema, overlay: dict[str, Any] | None = None) -> Schema:
    """The base Open_vSwitch schema with the P4 records (a schema already
    extended, by any revision, is extended again from its base)."""
    overlay = overlay or load_overlay()
    if base.get("name") != DB_NAME:
        raise SchemaError(f"not an {DB_NAME} schema (name: {base.get('name')!r})")
    out = strip(base, overlay)
    # The checksum is OVS's check of its own file; this is another schema.
    out.pop("cksum", None)
    tables = out["tables"]
    for table, columns in overlay["columns"].items():
        if table not in tables:
            raise SchemaError(f"the base schema has no table {table}")
        for column, spec in columns.items():
            if column in tables[table]["columns"]:
                raise SchemaError(f"the base schema already has a column {table}.{column}")
            tables[table]["columns"][column] = copy.deepcopy(spec)
    for table, spec in overlay["tables"].items():
        tables[table] = copy.deepcopy(spec)
    out["version"] = extended_version(out["version"], revision(overlay))
    return out


def read_schema_file(path: str | Path) -> Schema:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: cannot read the schema: {exc}") from None


def read_db_schema(path: str | Path) -> Schema:
    """The schema of a standalone OVSDB database file (its first record:
    ``OVSDB JSON <length> <sha1>`` and the schema)."""
    try:
        with open(path, "rb") as f:
            header = f.readline().decode("ascii", "replace").split()
            if header[:2] == ["OVSDB", "CLUSTER"]:
                raise SchemaError(
                    f"{path} is a clustered database: convert it online "
                    "(ovs-p4ctl upgrade-db --db SERVER)")
            if len(header) != 4 or header[:2] != ["OVSDB", "JSON"]:
                raise SchemaError(f"{path}: not an OVSDB database file")
            return json.loads(f.read(int(header[2])))
    except OSError as exc:
        raise SchemaError(f"{path}: {exc.strerror or exc}") from None
    except (ValueError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{path}: bad database file: {exc}") from None


def write_schema(schema: Schema, path: str | Path) -> None:
    Path(path).write_text(json.dumps(schema, indent=1, sort_keys=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="extend-schema",
        description="Writes the Open_vSwitch schema extended with the OvS.p4 records.")
    ap.add_argument("base", help="the Open_vSwitch schema to extend (vswitch.ovsschema)")
    ap.add_argument("-o", "--output", help="where to write it (default: stdout)")
    args = ap.parse_args(argv)
    try:
        schema = extend(read_schema_file(args.base))
    except SchemaError as exc:
        print(f"extend-schema: {exc}", file=sys.stderr)
        return 1
    if args.output:
        write_schema(schema, args.output)
    else:
        sys.stdout.write(json.dumps(schema, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
