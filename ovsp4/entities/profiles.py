"""Action profile members and groups as P4Runtime messages, from what
people write and back.

A member is an action call, `NAME(PARAM=VALUE, ...)` as in table entries
(an action of the profile's tables); a group lists members as
`MEMBER[:WEIGHT]` (weight 1 if left out).  Printed one per line, members
then groups, profile by profile (P4Info order):

    profile=I.t_sel, member=1 action=I.set_out(port=2,v=1)
    profile=I.t_sel, group=10 max_size=8 members=1:1,2:3
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ovsp4.entities.entries import action_from_text, action_json, format_action, parse_int
from ovsp4.entities.index import P4InfoIndex
from ovsp4.entities.values import EntityError
from ovsp4.proto import p4info_pb2, p4runtime_pb2

MAX_ID = (1 << 32) - 1
MAX_WEIGHT = (1 << 31) - 1


def _profile_table(index: P4InfoIndex, prof: p4info_pb2.ActionProfile) -> p4info_pb2.Table:
    """The table whose actions the profile's members may call (the tables
    sharing a profile have the same actions)."""
    for tid in prof.table_ids:
        if tid in index.tables_by_id:
            return index.tables_by_id[tid]
    raise EntityError(f"action profile {prof.preamble.name} has no table")


def profile_member(index: P4InfoIndex, profile: str, member_id: int,
                   action_text: str | None) -> p4runtime_pb2.Entity:
    """A member; without `action_text`, its key only (for a DELETE)."""
    prof = index.action_profile(profile)
    e = p4runtime_pb2.Entity()
    m = e.action_profile_member
    m.action_profile_id = prof.preamble.id
    m.member_id = member_id
    if action_text is not None:
        text = action_text.strip().removeprefix("action=")
        m.action.CopyFrom(action_from_text(index, _profile_table(index, prof), text))
    return e


def parse_group_member(text: str) -> tuple[int, int]:
    """`MEMBER[:WEIGHT]`: (member id, weight)."""
    member, sep, weight = text.partition(":")
    return (parse_int(member.strip(), "member", 0, MAX_ID),
            parse_int(weight.strip(), f"member {member.strip()}: weight", 1, MAX_WEIGHT)
            if sep else 1)


def profile_group(index: P4InfoIndex, profile: str, group_id: int,
                  members: Sequence[tuple[int, int]] = (), *, max_size: int | None = None,
                  key_only: bool = False) -> p4runtime_pb2.Entity:
    """A group; `max_size` left out: the selector's max group size (which
    P4Runtime requires max_size not to exceed when there is one)."""
    prof = index.action_profile(profile)
    if not prof.with_selector:
        raise EntityError(f"action profile {prof.preamble.name} has no selector: no groups")
    e = p4runtime_pb2.Entity()
    g = e.action_profile_group
    g.action_profile_id = prof.preamble.id
    g.group_id = group_id
    if key_only:
        return e
    seen: set[int] = set()
    for member_id, weight in members:
        if member_id in seen:
            raise EntityError(f"group {group_id}: member {member_id} given twice")
        seen.add(member_id)
        g.members.add(member_id=member_id, weight=weight)
    g.max_size = prof.max_group_size if max_size is None else max_size
    return e


def profiles_read(index: P4InfoIndex, profile: str | None = None) -> list[p4runtime_pb2.Entity]:
    """What to read for `dump-profiles`: the members and groups of one
    profile (groups only if it has a selector: others have none), or of
    every profile."""
    members, groups = p4runtime_pb2.Entity(), p4runtime_pb2.Entity()
    members.action_profile_member.SetInParent()
    groups.action_profile_group.SetInParent()
    if profile is None:
        return [members, groups]
    prof = index.action_profile(profile)
    members.action_profile_member.action_profile_id = prof.preamble.id
    if not prof.with_selector:
        return [members]
    groups.action_profile_group.action_profile_id = prof.preamble.id
    return [members, groups]


def sort_profile_entities(index: P4InfoIndex, found: Iterable[p4runtime_pb2.Entity]
                          ) -> list[p4runtime_pb2.Entity]:
    """By profile (P4Info order), members before groups, then by id."""
    order = {p.preamble.id: n for n, p in enumerate(index.p4info.action_profiles)}

    def key(e: p4runtime_pb2.Entity) -> tuple[int, int, int]:
        if e.WhichOneof("entity") == "action_profile_member":
            m = e.action_profile_member
            return order.get(m.action_profile_id, 1 << 30), 0, m.member_id
        g = e.action_profile_group
        return order.get(g.action_profile_id, 1 << 30), 1, g.group_id

    return sorted(found, key=key)


def format_profile_entity(index: P4InfoIndex, e: p4runtime_pb2.Entity) -> str:
    if e.WhichOneof("entity") == "action_profile_member":
        m = e.action_profile_member
        return (f"profile={index.name_of(m.action_profile_id)}, member={m.member_id} "
                f"action={format_action(index, m.action)}")
    g = e.action_profile_group
    members = ",".join(f"{m.member_id}:{m.weight}" for m in g.members) or "none"
    return (f"profile={index.name_of(g.action_profile_id)}, group={g.group_id} "
            f"max_size={g.max_size} members={members}")


def profile_entity_json(index: P4InfoIndex, e: p4runtime_pb2.Entity) -> dict[str, Any]:
    if e.WhichOneof("entity") == "action_profile_member":
        m = e.action_profile_member
        name, params = action_json(index, m.action)
        return {"profile": index.name_of(m.action_profile_id), "member_id": m.member_id,
                "action_name": name, "action_params": params}
    g = e.action_profile_group
    return {"profile": index.name_of(g.action_profile_id), "group_id": g.group_id,
            "max_size": g.max_size,
            "members": [{"member_id": m.member_id, "weight": m.weight} for m in g.members]}
