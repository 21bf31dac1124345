#!/usr/bin/env python3
"""Writes the Open_vSwitch schema extended with the OvS.p4 records.

    ovsdb-schema/extend-schema.py BASE.ovsschema [-o OUT.ovsschema]

BASE is the Open_vSwitch schema of the OVS tree in use (vswitch.ovsschema);
the additions are p4.overlay.json beside this script.  Needs only Python's
standard library (no virtual environment).  See Documentation/management.md.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ovsp4.ovsdb.schema import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
