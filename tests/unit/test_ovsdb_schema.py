"""The Open_vSwitch schema extended with the P4 records (ovsp4/ovsdb/schema.py
and ovsdb-schema/): merge, version, idempotence, the database file reader
and the stand-alone script."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ovsp4.ovsdb import schema as s

ROOT = Path(__file__).resolve().parents[2]
OVS_SCHEMA = ROOT / "build" / "ovs" / "share" / "vswitch.ovsschema"

BASE = {
    "name": "Open_vSwitch",
    "version": "8.3.1",
    "cksum": "3012963480 26720",
    "tables": {
        "Open_vSwitch": {"columns": {"bridges": {"type": {
            "key": {"type": "uuid", "refTable": "Bridge"}, "min": 0, "max": "unlimited"}}},
            "isRoot": True, "maxRows": 1},
        "Bridge": {"columns": {"name": {"type": "string"},
                               "datapath_type": {"type": "string"}},
                   "indexes": [["name"]]},
    },
}


def test_extend_adds_the_p4_records():
    ext = s.extend(BASE)
    assert ext["version"] == "8.3.1001"
    assert "cksum" not in ext
    assert set(ext["tables"]) == {"Open_vSwitch", "Bridge", "P4_Bridge", "P4_Program"}
    assert ext["tables"]["Bridge"]["columns"]["p4"]["type"]["key"]["refTable"] == "P4_Bridge"
    p4br = ext["tables"]["P4_Bridge"]
    assert p4br["isRoot"] is False and ext["tables"]["P4_Program"]["isRoot"] is False
    assert p4br["indexes"] == [["device_id"]]
    assert p4br["columns"]["device_id"]["type"]["key"]["minInteger"] == 1
    assert p4br["columns"]["bridge"]["type"]["key"]["refType"] == "weak"
    # The base is untouched, every table and column of it is kept.
    assert BASE["version"] == "8.3.1" and "P4_Bridge" not in BASE["tables"]
    for table, spec in BASE["tables"].items():
        for column, col in spec["columns"].items():
            assert ext["tables"][table]["columns"][column] == col


def test_extend_is_idempotent_and_strip_undoes_it():
    ext = s.extend(BASE)
    assert s.extend(ext) == ext
    base = copy.deepcopy(BASE)
    del base["cksum"]
    assert s.strip(ext) == base
    assert s.strip(BASE) == BASE
    assert s.has_p4(ext) and not s.has_p4(BASE)
    assert s.p4_revision(ext) == s.revision() and s.p4_revision(BASE) is None


def test_versions():
    assert s.extended_version("8.3.1", 1) == "8.3.1001"
    assert s.extended_version("8.4.0", 12) == "8.4.12"
    assert s.base_version("8.3.1001") == "8.3.1"
    with pytest.raises(s.SchemaError, match="not a schema version"):
        s.extended_version("8.3", 1)


def test_extend_refuses_what_it_cannot_merge():
    with pytest.raises(s.SchemaError, match="not an Open_vSwitch schema"):
        s.extend({**BASE, "name": "OVN_Northbound"})
    no_bridge = copy.deepcopy(BASE)
    del no_bridge["tables"]["Bridge"]
    with pytest.raises(s.SchemaError, match="no table Bridge"):
        s.extend(no_bridge)
    clash = copy.deepcopy(BASE)
    clash["tables"]["Bridge"]["columns"]["p4"] = {"type": "string"}
    with pytest.raises(s.SchemaError, match="already has a column Bridge.p4"):
        s.extend(clash)


def test_read_db_schema(tmp_path: Path):
    text = json.dumps(BASE).encode()
    db = tmp_path / "conf.db"
    db.write_bytes(b"OVSDB JSON %d 0123456789abcdef0123456789abcdef01234567\n" % len(text)
                   + text + b"\nOVSDB JSON 2 0\n{}\n")
    assert s.read_db_schema(db) == BASE
    clustered = tmp_path / "c.db"
    clustered.write_bytes(b"OVSDB CLUSTER 10 abc\n{}\n")
    with pytest.raises(s.SchemaError, match="clustered database"):
        s.read_db_schema(clustered)
    junk = tmp_path / "junk.db"
    junk.write_text("hello\n")
    with pytest.raises(s.SchemaError, match="not an OVSDB database file"):
        s.read_db_schema(junk)
    with pytest.raises(s.SchemaError, match="No such file"):
        s.read_db_schema(tmp_path / "missing.db")


def test_script_runs_without_the_venv(tmp_path: Path):
    """ovsdb-schema/extend-schema.py needs only the standard library."""
    base = tmp_path / "vswitch.ovsschema"
    base.write_text(json.dumps(BASE))
    out = tmp_path / "vswitch-p4.ovsschema"
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    r = subprocess.run([python, "-S", str(ROOT / "ovsdb-schema" / "extend-schema.py"),
                        str(base), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text()) == s.extend(BASE)
    r = subprocess.run([python, str(ROOT / "ovsdb-schema" / "extend-schema.py"),
                        str(tmp_path / "nope")], capture_output=True, text=True)
    assert r.returncode == 1
    assert r.stderr.startswith("extend-schema: ") and r.stderr.count("\n") == 1


@pytest.mark.skipif(not OVS_SCHEMA.is_file(), reason="no build/ovs (make ovs)")
def test_extends_the_ovs_schema():
    base = json.loads(OVS_SCHEMA.read_text())
    ext = s.extend(base)
    assert s.strip(ext)["tables"] == base["tables"]
    assert s.base_version(ext["version"]) == base["version"]
