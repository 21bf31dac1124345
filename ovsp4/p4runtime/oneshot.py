"""One-shot action selector programming (spec "One Shot Action Selector
Programming").

A table entry whose action is an ``ActionProfileActionSet`` becomes, in the
datapath, hidden members (one per action, even for equal actions: the spec
forbids coalescing them), a hidden group of them with the given weights,
and the entry pointing at the group. Hidden ids have the top bit set
(:data:`ovsp4.p4runtime.state.HIDDEN`): clients cannot use that range, reads
of members and groups leave it out, and a translator attached to a running
pipeline finds the hidden objects again (:meth:`OneShot.recover`).

The translator remembers each one-shot entry's group and its action set in
canonical form, which reads return as the entry's action (read-write
symmetry; watch ports included, which the datapath has no use for: it has no
port liveness, every member is always eligible). A modify installs new
hidden objects, points the entry at them, then deletes the old ones; a
delete removes the entry, then its hidden objects. An update that fails
midway has its hidden objects deleted again (:class:`ovsp4.p4runtime.plan.Multi`).

The spec forbids mixing styles on one selector: a selector with one-shot
entries refuses member and group writes and entries naming member or group
ids, and one with members or groups refuses one-shots (INVALID_ARGUMENT).
"""

from __future__ import annotations

from collections.abc import Sequence

from ovsp4.control import protocol as cp
from ovsp4.p4runtime import errors as E
from ovsp4.p4runtime.ctlenc import ACTION_REF, ENTRY_HEAD, ZERO_U64
from ovsp4.p4runtime.entry_wire import RawEntry
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.plan import Multi
from ovsp4.p4runtime.schema import ProfileInfo, Schema, TableInfo
from ovsp4.p4runtime.state import HIDDEN, KeySig, OneShotGroup, ProfileState, State, key_sig
from ovsp4.p4runtime.tables import Piece, TableWriter, entry_key, render
from ovsp4.p4runtime.validate import check_action
from ovsp4.p4runtime.values import canonical, fits
from ovsp4.proto import p4runtime_pb2

Op = p4runtime_pb2.Update.Type
_CTL_OP = {Op.INSERT: cp.Op.INSERT, Op.MODIFY: cp.Op.MODIFY}


def _member(op: cp.Op, profile: int, member: int, action: cp.Action | None = None) -> bytes:
    return cp.encode_update(cp.Update(op, cp.ApMember(profile, member, action or cp.Action())))


def _group(op: cp.Op, profile: int, group: int, members: list[tuple[int, int]] | None = None,
           max_size: int = 0) -> bytes:
    return cp.encode_update(cp.Update(op, cp.ApGroup(profile, group, members or [], max_size)))


def canonical_action(action: p4runtime_pb2.Action) -> p4runtime_pb2.Action:
    """An Action with canonical parameter values."""
    out = p4runtime_pb2.Action(action_id=action.action_id)
    for p in action.params:
        out.params.add(param_id=p.param_id, value=canonical(p.value))
    return out


class OneShot:
    def __init__(self, schema: Schema, state: State, writer: TableWriter) -> None:
        self.schema = schema
        self.state = state
        self.writer = writer

    # -- writes -----------------------------------------------------------------

    def _action_set(self, raw: bytes, tbl: TableInfo, prof: ProfileInfo, what: str
                    ) -> tuple[P4RuntimeError | None, list[tuple[cp.Action, int]], bytes]:
        """The members (action, weight) of an action set, and the set in
        canonical form, serialized."""
        aps = p4runtime_pb2.ActionProfileActionSet.FromString(raw)
        if aps.HasField("group_action") or aps.action_selection_mode or aps.size_semantics:
            return E.unimplemented(f"{what}: group actions, selection modes and size "
                                   "semantics of action sets are not supported"), [], b""
        members: list[tuple[cp.Action, int]] = []
        canon = p4runtime_pb2.ActionProfileActionSet()
        total = 0
        for apa in aps.action_profile_actions:
            w = apa.weight
            if w <= 0:
                return E.invalid(f"{what}: weight {w}: weights must be positive"), [], b""
            if prof.weights_disallowed and w != 1:
                return E.invalid(f"{what}: action selector {prof.name} takes no weights"), \
                    [], b""
            if prof.sum_of_members and prof.max_member_weight and w > prof.max_member_weight:
                return E.invalid(f"{what}: weight {w} above the selector's max member weight "
                                 f"{prof.max_member_weight}"), [], b""
            total += w
            if apa.WhichOneof("watch_kind") == "watch_port" and not fits(apa.watch_port, 32):
                return E.invalid(f"{what}: watch_port {apa.watch_port.hex() or 'empty'} is "
                                 "not a port"), [], b""
            a = apa.action
            params = [(p.param_id, p.value) for p in a.params]
            err, _info, _ = check_action(tbl.actions, tbl.scopes, a.action_id, params, what,
                                         default=False)
            if err is not None:
                return err, [], b""
            members.append((cp.Action.direct(a.action_id, params), w))
            c = canon.action_profile_actions.add(action=canonical_action(a), weight=w)
            if apa.WhichOneof("watch_kind") == "watch_port":
                c.watch_port = canonical(apa.watch_port)
            elif apa.WhichOneof("watch_kind") == "watch":
                c.watch = apa.watch
        size = len(members) if prof.sum_of_members else total
        if prof.max_group_size and size > prof.max_group_size:
            return E.invalid(f"{what}: {size} {'members' if prof.sum_of_members else 'weight'}"
                             f" above the selector's max group size "
                             f"{prof.max_group_size}"), [], b""
        return None, members, canon.SerializeToString(deterministic=True)

    def translate(self, e: RawEntry, tbl: TableInfo, key: list[Piece], rflags: int,
                  rbytes: bytes, what: str) -> P4RuntimeError | Multi:
        """A one-shot INSERT or MODIFY."""
        prof = tbl.profile
        assert prof is not None and e.action_set is not None
        pst = self.state.profile(prof.id)
        if pst.explicit:
            return E.invalid(f"{what}: action selector {prof.name} is programmed with members "
                             "and groups: one-shot action sets are not allowed")
        err, members, canon = self._action_set(e.action_set, tbl, prof, what)
        if err is not None:
            return err
        ids = pst.allocate(len(members) + 1)
        gid, mids = ids[0], ids[1:]
        chunks: list[bytes] = []
        undo: dict[int, bytes] = {}
        for mid, (action, _w) in zip(mids, members, strict=True):
            undo[len(chunks)] = _member(cp.Op.DELETE, prof.id, mid)
            chunks.append(_member(cp.Op.INSERT, prof.id, mid, action))
        undo[len(chunks)] = _group(cp.Op.DELETE, prof.id, gid)
        chunks.append(_group(cp.Op.INSERT, prof.id, gid,
                             [(mid, w) for mid, (_a, w) in zip(mids, members, strict=True)],
                             prof.max_group_size))
        pieces: list[Piece] = [ENTRY_HEAD.pack(_CTL_OP[e.op], cp.Entity.TABLE_ENTRY,
                                               e.table_id, rflags), *key,
                               ACTION_REF.pack(cp.ActionKind.GROUP, gid),
                               e.idle if e.idle >= 0 else ZERO_U64,
                               e.cookie if e.cookie >= 0 else ZERO_U64, rbytes]
        chunks.append(render(e, pieces))
        if e.op == Op.MODIFY and tbl.direct_meter is not None and e.meter_config is None:
            chunks.append(render(e, TableWriter.key_update(cp.Op.MODIFY, cp.Entity.DIRECT_METER,
                                                           e, key)))
        n_status = len(chunks)
        sig = entry_key(e)
        old_gid = pst.by_key.get((tbl.id, sig)) if e.op == Op.MODIFY else None
        old = pst.groups.get(old_gid) if old_gid is not None else None
        if old is not None:
            chunks += self._cleanup(prof.id, old)
        rec = OneShotGroup(gid, mids, canon, tbl.id, sig)
        meta_commit = self._meta_commit(e, tbl, sig)

        def commit() -> None:
            if old is not None:
                self._forget(pst, old)
            pst.groups[gid] = rec
            pst.by_key[(tbl.id, sig)] = gid
            meta_commit()

        def abort() -> None:
            pst.release(ids)

        return Multi(b"".join(chunks), len(chunks), n_status, undo, commit, abort, what)

    def delete(self, e: RawEntry, tbl: TableInfo, key: list[Piece], what: str) -> Multi:
        """A DELETE in a one-shot selector's table: the entry, then its
        hidden objects."""
        prof = tbl.profile
        assert prof is not None
        pst = self.state.profile(prof.id)
        sig = entry_key(e)
        chunks = [render(e, TableWriter.key_update(cp.Op.DELETE, cp.Entity.TABLE_ENTRY, e, key))]
        gid = pst.by_key.get((tbl.id, sig))
        old = pst.groups.get(gid) if gid is not None else None
        if old is not None:
            chunks += self._cleanup(prof.id, old)
        meta_commit = self._meta_commit(e, tbl, sig)

        def commit() -> None:
            if old is not None:
                self._forget(pst, old)
            meta_commit()

        return Multi(b"".join(chunks), len(chunks), 1, {}, commit, None, what)

    def _meta_commit(self, e: RawEntry, tbl: TableInfo, sig: KeySig):  # noqa: ANN202
        meta = self.state.table_meta.get(tbl.id)
        value = e.metadata
        delete = e.op == Op.DELETE

        def commit() -> None:
            if delete or not value:
                if meta:
                    meta.pop(sig, None)
            else:
                self.state.meta_of(tbl.id)[sig] = value

        return commit

    @staticmethod
    def _cleanup(profile_id: int, old: OneShotGroup) -> list[bytes]:
        return [_group(cp.Op.DELETE, profile_id, old.group_id),
                *(_member(cp.Op.DELETE, profile_id, m) for m in old.member_ids)]

    @staticmethod
    def _forget(pst: ProfileState, old: OneShotGroup) -> None:
        pst.groups.pop(old.group_id, None)
        if pst.by_key.get((old.table_id, old.key)) == old.group_id:
            del pst.by_key[(old.table_id, old.key)]
        pst.release([old.group_id, *old.member_ids])

    # -- reads ------------------------------------------------------------------

    def action_set(self, profile_id: int, group_id: int) -> bytes | None:
        """The canonical action set of a one-shot group, serialized."""
        pst = self.state.profiles.get(profile_id)
        if pst is None:
            return None
        rec = pst.groups.get(group_id)
        return rec.action_set if rec is not None else None

    # -- attaching to a running pipeline ----------------------------------------

    def recovery_requests(self) -> list[cp.ReadRequest]:
        """What :meth:`recover` needs read: each selector's members and
        groups, and the entries of the tables using it."""
        reqs = []
        for prof in self.schema.profiles.values():
            if not prof.selector:
                continue
            reqs.append(cp.ReadRequest(cp.Entity.AP_MEMBER, prof.id))
            reqs.append(cp.ReadRequest(cp.Entity.AP_GROUP, prof.id))
            for tid in prof.table_ids:
                reqs.append(cp.ReadRequest(cp.Entity.TABLE_ENTRY, tid))
        return reqs

    def recover(self, results: Sequence[Sequence[cp.EntityBody]]) -> list[bytes]:
        """Rebuilds the one-shot state from the datapath (the items read for
        each of :meth:`recovery_requests`, in order). Watch ports are not
        in the datapath: they are lost. Returns updates deleting hidden
        objects no entry uses (left by an interrupted server)."""
        members: dict[tuple[int, int], cp.ApMember] = {}
        groups: dict[tuple[int, int], cp.ApGroup] = {}
        entries: list[cp.TableEntry] = []
        for items in results:
            for item in items:
                if isinstance(item, cp.ApMember):
                    members[(item.profile_id, item.member_id)] = item
                elif isinstance(item, cp.ApGroup):
                    groups[(item.profile_id, item.group_id)] = item
                elif isinstance(item, cp.TableEntry):
                    entries.append(item)
        for prof in self.schema.profiles.values():
            pst = self.state.profile(prof.id)
            pst.explicit = sum(1 for (p, i) in [*members, *groups] if p == prof.id and i < HIDDEN)
            pst.groups.clear()
            pst.by_key.clear()
            pst.reserved = {i for (p, i) in [*members, *groups] if p == prof.id and i >= HIDDEN}
            pst.next_id = max(pst.reserved, default=HIDDEN) + 1
        used: set[tuple[int, int]] = set()
        for entry in entries:
            tbl = self.schema.tables.get(entry.table_id)
            if tbl is None or tbl.profile is None or entry.action.kind != cp.ActionKind.GROUP \
                    or entry.action.ref_id < HIDDEN:
                continue
            pid, gid = tbl.profile.id, entry.action.ref_id
            group = groups.get((pid, gid))
            if group is None:
                continue
            canon = p4runtime_pb2.ActionProfileActionSet()
            for mid, weight in group.members:
                m = members.get((pid, mid))
                if m is None:
                    break
                action = p4runtime_pb2.Action(action_id=m.action.action_id)
                for param_id, value in m.action.params:
                    action.params.add(param_id=param_id, value=canonical(value))
                canon.action_profile_actions.add(action=action, weight=weight)
            sig = key_sig(entry.priority, ((fm.field_id, int.from_bytes(fm.value, "big"),
                                            int.from_bytes(fm.mask, "big")
                                            if fm.kind in (cp.MatchKind.TERNARY,
                                                           cp.MatchKind.RANGE) else 0,
                                            fm.prefix_len)
                                           for fm in entry.matches))
            pst = self.state.profile(pid)
            mids = [mid for mid, _w in group.members]
            pst.groups[gid] = OneShotGroup(gid, mids, canon.SerializeToString(deterministic=True),
                                           tbl.id, sig)
            pst.by_key[(tbl.id, sig)] = gid
            used.add((pid, gid))
            used.update((pid, mid) for mid in mids)
        cleanup = [_group(cp.Op.DELETE, p, g) for (p, g) in groups
                   if g >= HIDDEN and (p, g) not in used]
        cleanup += [_member(cp.Op.DELETE, p, m) for (p, m) in members
                    if m >= HIDDEN and (p, m) not in used]
        for p, i in [*groups, *members]:
            if i >= HIDDEN and (p, i) not in used:
                self.state.profile(p).reserved.discard(i)
        return cleanup


__all__ = ["OneShot", "canonical_action"]
