"""Multicast, clones, resubmit, recirculate and packet-in, with BMv2
simple_switch's instance types, egress_rid and field-list semantics
(tests/programs/backend/replication.p4)."""

from __future__ import annotations

import pytest
from test_backend_support import Switch

from ovsp4.control import protocol as proto

PAYLOAD = b"PAYLOAD"
CPU_PORT = 64


def packet(mode: int) -> bytes:
    return bytes([mode, 0, 0, 0, 0, 0, 0]) + PAYLOAD


def ctl(
    mode: int,
    itype: int,
    rid: int = 0,
    keep: int = 0,
    lost: int = 0,
    length: int = 14,
    iitype: int = 0,
) -> bytes:
    """The ctl header as egress leaves it (iitype: ingress's instance_type)."""
    return bytes([mode, iitype, itype, rid, keep, lost, length]) + PAYLOAD


@pytest.fixture
def sw() -> Switch:
    with Switch("replication.p4", cpu_port=CPU_PORT) as s:
        s.client.set_mcast_group(5, [(2, 10), (3, 11)])
        s.client.set_clone_session(7, [(9, 0)])
        s.client.set_clone_session(8, [(8, 0)])
        yield s


def outputs(sw: Switch, mode: int) -> list[tuple[int, bytes]]:
    return sorted((o.port, o.data) for o in sw.send(1, packet(mode)))


def test_unicast(sw: Switch) -> None:
    assert outputs(sw, 0) == [(2, ctl(0, 0))]


def test_multicast_replicas_carry_egress_rid(sw: Switch) -> None:
    assert outputs(sw, 1) == [(2, ctl(1, 5, rid=10)), (3, ctl(1, 5, rid=11))]


def test_ingress_clone_reparses_and_preserves_the_field_list(sw: Switch) -> None:
    assert outputs(sw, 2) == [
        (2, ctl(2, 0, keep=0x11, lost=0x22)),
        (9, ctl(2, 1, keep=0x11)),  # metadata reset but for @field_list(1)
    ]


def test_resubmit_preserves_the_field_list(sw: Switch) -> None:
    # ingress sees RESUBMIT (6); a unicast packet leaves ingress NORMAL (0)
    assert outputs(sw, 3) == [(3, ctl(3, 0, keep=0x33, iitype=6))]


def test_recirculate_runs_the_deparsed_packet_again(sw: Switch) -> None:
    assert outputs(sw, 4) == [(4, ctl(4, 0, keep=0x55, iitype=4))]


def test_egress_clone_copies_the_egress_headers(sw: Switch) -> None:
    assert outputs(sw, 5) == [(2, ctl(5, 0)), (8, ctl(5, 2, keep=0x77))]


def test_egress_to_the_cpu_port_is_a_packet_in(sw: Switch) -> None:
    assert outputs(sw, 6) == []
    (event,) = [e for e in sw.events() if isinstance(e, proto.PacketIn)]
    assert event.payload == ctl(6, 0)
    assert [(i, proto.value_int(v)) for i, v in event.metadata] == [(1, 1), (2, 0)]


def test_unconfigured_group_and_session_drop(sw: Switch) -> None:
    sw.client.delete_mcast_group(5)
    sw.client.delete_clone_session(7)
    assert outputs(sw, 1) == []
    assert outputs(sw, 2) == [(2, ctl(2, 0, keep=0x11, lost=0x22))]
