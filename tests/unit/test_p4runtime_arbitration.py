"""Arbitration bookkeeping (ovsp4/p4runtime/arbitration.py), rule by rule
of the P4Runtime spec's "Client Arbitration and Controller Replication".
The same rules are checked end to end over gRPC in
tests/integration/test_p4runtime_spec.py."""

from __future__ import annotations

import grpc
import pytest

from ovsp4.p4runtime.arbitration import Arbiter, election_id
from ovsp4.p4runtime.errors import P4RuntimeError

OK = grpc.StatusCode.OK
BACKUP = grpc.StatusCode.ALREADY_EXISTS
NONE = grpc.StatusCode.NOT_FOUND


def statuses(notices):
    return {n.client.stream: (n.status, n.election_id) for n in notices}


def test_first_client_is_primary_and_hears_it():
    a = Arbiter()
    assert statuses(a.update("s1", 1, "", 10)) == {"s1": (OK, 10)}
    assert a.primary(1).stream == "s1"


def test_higher_election_id_takes_over_and_everyone_is_told():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    got = statuses(a.update("s2", 1, "", 20))
    assert got == {"s1": (BACKUP, 20), "s2": (OK, 20)}


def test_lower_election_id_is_a_backup_and_only_it_hears():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    assert statuses(a.update("s2", 1, "", 5)) == {"s2": (BACKUP, 10)}
    assert a.primary(1).stream == "s1"


def test_duplicate_election_id_is_refused():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    with pytest.raises(P4RuntimeError) as e:
        a.update("s2", 1, "", 10)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_same_election_id_in_other_role_or_device_is_fine():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    assert statuses(a.update("s2", 1, "monitor", 10)) == {"s2": (OK, 10)}
    assert statuses(a.update("s3", 2, "", 10)) == {"s3": (OK, 10)}
    assert {c.stream for c in a.primaries(1)} == {"s1", "s2"}


def test_primary_leaving_leaves_no_primary_and_backups_are_told():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    a.update("s2", 1, "", 5)
    assert statuses(a.remove("s1")) == {"s2": (NONE, 10)}
    assert a.primary(1) is None


def test_after_the_primary_left_only_an_id_at_least_the_highest_wins():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    a.update("s2", 1, "", 5)
    a.remove("s1")
    # The backup re-sends its old id: still no primary (the ids never go down).
    assert statuses(a.update("s2", 1, "", 5)) == {"s2": (NONE, 10)}
    assert statuses(a.update("s2", 1, "", 11)) == {"s2": (OK, 11)}
    # The old primary comes back with its old id: a backup now.
    assert statuses(a.update("s1", 1, "", 10)) == {"s1": (BACKUP, 11)}


def test_the_old_primary_reconnecting_with_its_id_is_primary_again():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    a.remove("s1")
    assert statuses(a.update("s1b", 1, "", 10)) == {"s1b": (OK, 10)}


def test_backup_leaving_tells_nobody():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    a.update("s2", 1, "", 5)
    assert a.remove("s2") == []


def test_client_without_election_id_is_always_a_backup():
    a = Arbiter()
    assert statuses(a.update("s1", 1, "", None)) == {"s1": (NONE, None)}
    a.update("s2", 1, "", 3)
    assert a.primary(1).stream == "s2"


def test_a_stream_cannot_change_device_or_role():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    for dev, role in ((2, ""), (1, "other")):
        with pytest.raises(P4RuntimeError) as e:
            a.update("s1", dev, role, 10)
        assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION


def test_writes_only_from_the_primary_election_id():
    a = Arbiter()
    with pytest.raises(P4RuntimeError) as e:
        a.check_primary(1, "", 10, "Write")
    assert e.value.code == grpc.StatusCode.PERMISSION_DENIED
    a.update("s1", 1, "", 10)
    a.update("s2", 1, "", 5)
    a.check_primary(1, "", 10, "Write")
    for eid in (5, 11, election_id(1, 10)):
        with pytest.raises(P4RuntimeError) as e:
            a.check_primary(1, "", eid, "Write")
        assert e.value.code == grpc.StatusCode.PERMISSION_DENIED


def test_removing_a_device_returns_its_clients():
    a = Arbiter()
    a.update("s1", 1, "", 10)
    a.update("s2", 2, "", 10)
    assert [c.stream for c in a.remove_device(1)] == ["s1"]
    assert a.client("s1") is None and a.client("s2") is not None
