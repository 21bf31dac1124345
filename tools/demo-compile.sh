#!/usr/bin/env bash
# The main job while the switch is being built: compile every P4 tutorial
# program with ovs-p4c and show what its control plane will see.
set -euo pipefail
cd "$(dirname "$0")/.."
tutorials="${CONFORMANCE:-../shared/conformance}/tutorials"
out=build/demo
if [ ! -d "$tutorials" ]; then
    echo "demo: the P4 tutorials are not at $tutorials (../shared beside the clone)" >&2
    exit 1
fi
mkdir -p "$out"
for p4 in "$tutorials"/*/*.p4; do
    name=$(basename "$p4" .p4)
    .venv/bin/ovs-p4c "$p4" --p4runtime-files "$out/$name.p4info.txtpb,$out/$name.p4info.json"
    .venv/bin/python - "$out/$name.p4info.txtpb" <<'PY'
import sys
from ovsp4.compiler.p4info import serialize
info = serialize.read(sys.argv[1])
tables = ", ".join(t.preamble.name for t in info.tables) or "-"
print(f"{sys.argv[1]}: {len(info.tables)} tables ({tables}), {len(info.actions)} actions")
PY
done
