"""A P4Runtime base class for PTF tests, in the style of p4lang's PTF
tests (PI's and the P4 tutorials' ``P4RuntimeTest``): the test is the
controller.  It talks gRPC to the switch with the ``p4.v1`` stubs (no
client library), becomes the primary client, pushes the pipeline with
SetForwardingPipelineConfig(VERIFY_AND_COMMIT) and writes table entries
by name, encoding values padded to their full byte width as the
tutorials' p4runtime_lib does.

Test parameters (ptf --test-params "k='v';..."):

    grpcaddr   ovs-p4rtd's address (HOST:PORT)
    device_id  the P4 bridge's device id
    p4info     the P4Info (text) of the program
    config     the device config file: for OvS.p4 the P4 source
"""

from __future__ import annotations

import ipaddress
import queue
import threading

import grpc
import ptf
from google.protobuf import text_format
from p4.config.v1 import p4info_pb2
from p4.v1 import p4runtime_pb2, p4runtime_pb2_grpc
from ptf.base_tests import BaseTest
from ptf.testutils import test_param_get

ELECTION_ID = (0, 1)


def encode(value, bitwidth: int) -> bytes:
    """A MAC, an IPv4 address or an integer (or its string) as a
    big-endian byte string of the field's full width."""
    if isinstance(value, str):
        if value.count(":") == 5:
            value = int(value.replace(":", ""), 16)
        elif value.count(".") == 3:
            value = int(ipaddress.IPv4Address(value))
        else:
            value = int(value, 0)
    return value.to_bytes((bitwidth + 7) // 8, "big")


class P4RuntimeTest(BaseTest):
    """Connects, arbitrates and pushes the pipeline before each test, so
    that each test starts with empty forwarding state."""

    def setUp(self):
        BaseTest.setUp(self)
        self.dataplane = ptf.dataplane_instance
        self.dataplane.flush()
        self.device_id = int(test_param_get("device_id"))
        self.channel = grpc.insecure_channel(test_param_get("grpcaddr"))
        self.stub = p4runtime_pb2_grpc.P4RuntimeStub(self.channel)
        with open(test_param_get("p4info")) as f:
            self.p4info = text_format.Parse(f.read(), p4info_pb2.P4Info())
        self._requests: queue.Queue = queue.Queue()
        self.stream_in: queue.Queue = queue.Queue()
        self.stream = self.stub.StreamChannel(iter(self._requests.get, None))
        self._reader = threading.Thread(target=self._read_stream, daemon=True)
        self._reader.start()
        self.become_primary()
        self.set_pipeline()

    def tearDown(self):
        self._requests.put(None)
        self.stream.cancel()
        self.channel.close()
        BaseTest.tearDown(self)

    # --- Session ------------------------------------------------------------

    def _read_stream(self):
        try:
            for msg in self.stream:
                self.stream_in.put(msg)
        except grpc.RpcError:
            pass

    def become_primary(self):
        req = p4runtime_pb2.StreamMessageRequest()
        req.arbitration.device_id = self.device_id
        req.arbitration.election_id.high, req.arbitration.election_id.low = ELECTION_ID
        self._requests.put(req)
        reply = self.stream_in.get(timeout=10)
        self.assertTrue(reply.HasField("arbitration"), reply)
        self.assertEqual(reply.arbitration.status.code, 0,
                         f"not the primary client: {reply.arbitration.status.message}")

    def _election(self, req):
        req.device_id = self.device_id
        req.election_id.high, req.election_id.low = ELECTION_ID
        return req

    def set_pipeline(self):
        req = self._election(p4runtime_pb2.SetForwardingPipelineConfigRequest())
        req.action = p4runtime_pb2.SetForwardingPipelineConfigRequest.VERIFY_AND_COMMIT
        req.config.p4info.CopyFrom(self.p4info)
        with open(test_param_get("config"), "rb") as f:
            req.config.p4_device_config = f.read()
        self.stub.SetForwardingPipelineConfig(req, timeout=120)

    # --- P4Info -------------------------------------------------------------

    def _find(self, kind: str, name: str):
        for obj in getattr(self.p4info, kind):
            if name in (obj.preamble.name, obj.preamble.alias):
                return obj
        raise KeyError(f"no {kind} named {name} in the P4Info")

    # --- Writes and reads ---------------------------------------------------

    def _table_entry(self, table_name, match=None, action_name=None, params=None,
                     priority=0, default=False):
        table = self._find("tables", table_name)
        entry = p4runtime_pb2.TableEntry(table_id=table.preamble.id, priority=priority,
                                         is_default_action=default)
        fields = {mf.name: mf for mf in table.match_fields}
        for name, value in (match or {}).items():
            mf = fields[name]
            fm = entry.match.add(field_id=mf.id)
            if mf.match_type == p4info_pb2.MatchField.EXACT:
                fm.exact.value = encode(value, mf.bitwidth)
            elif mf.match_type == p4info_pb2.MatchField.LPM:
                fm.lpm.value = encode(value[0], mf.bitwidth)
                fm.lpm.prefix_len = value[1]
            elif mf.match_type == p4info_pb2.MatchField.TERNARY:
                fm.ternary.value = encode(value[0], mf.bitwidth)
                fm.ternary.mask = encode(value[1], mf.bitwidth)
            else:
                raise NotImplementedError(mf.match_type)
        if action_name is not None:
            action = self._find("actions", action_name)
            a = entry.action.action
            a.action_id = action.preamble.id
            by_name = {p.name: p for p in action.params}
            for name, value in (params or {}).items():
                a.params.add(param_id=by_name[name].id,
                             value=encode(value, by_name[name].bitwidth))
        return entry

    def write(self, update_type, entry):
        req = self._election(p4runtime_pb2.WriteRequest())
        update = req.updates.add(type=update_type)
        update.entity.table_entry.CopyFrom(entry)
        self.stub.Write(req, timeout=30)

    def table_add(self, table, match, action, params, priority=0):
        self.write(p4runtime_pb2.Update.INSERT,
                   self._table_entry(table, match, action, params, priority))

    def table_modify(self, table, match, action, params, priority=0):
        self.write(p4runtime_pb2.Update.MODIFY,
                   self._table_entry(table, match, action, params, priority))

    def table_delete(self, table, match, priority=0):
        self.write(p4runtime_pb2.Update.DELETE,
                   self._table_entry(table, match, priority=priority))

    def set_default(self, table, action, params=None):
        self.write(p4runtime_pb2.Update.MODIFY,
                   self._table_entry(table, None, action, params, default=True))

    def read_table(self, table):
        req = p4runtime_pb2.ReadRequest(device_id=self.device_id)
        req.entities.add().table_entry.table_id = self._find("tables", table).preamble.id
        return [e.table_entry for reply in self.stub.Read(req, timeout=30)
                for e in reply.entities]
