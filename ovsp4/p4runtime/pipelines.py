"""SetForwardingPipelineConfig and GetForwardingPipelineConfig.

A committed config becomes the bridge's program in OVSDB (``P4_Program``,
with the config's cookie in ``external_ids:p4runtime-cookie``), its
pipeline .so goes to the artifact store, and the server waits until
ovs-vswitchd runs it, as ``ovs-p4ctl set-pipe`` does.  Actions:

- VERIFY: compile and check that the P4Info is the program's.
- VERIFY_AND_SAVE: that, and keep it (built) for a later COMMIT.
- VERIFY_AND_COMMIT: that, and run it with empty forwarding state (a fresh
  pipeline instance, even for the program already running).
- COMMIT: run the saved config (the request's config, if any, must be
  empty or carry only a cookie).
- RECONCILE_AND_COMMIT: run it keeping the forwarding state: nothing to do
  for the same pipeline; otherwise the state is read from the running
  pipeline, checked against the new P4Info (every table, action, profile,
  counter, meter, register, value set and digest it uses must exist with
  the same shape) and written into the new one.  State the new program
  cannot hold is refused (INVALID_ARGUMENT) before anything changes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import grpc
from google.protobuf import text_format

from ovsp4.control import protocol as p
from ovsp4.ovsdb import artifacts
from ovsp4.ovsdb import bridges as brs
from ovsp4.p4runtime.device import Device, no_pipeline
from ovsp4.p4runtime.errors import P4RuntimeError
from ovsp4.p4runtime.ovsdb_follower import OvsdbFollower
from ovsp4.p4runtime.pipeline_config import (
    DeviceConfig,
    compile_config,
    encode_device_config,
    parse_device_config,
)
from ovsp4.proto import p4info_pb2, p4runtime_pb2

log = logging.getLogger("ovs-p4rtd.pipeline")
Code = grpc.StatusCode
_Req = p4runtime_pb2.SetForwardingPipelineConfigRequest
_Get = p4runtime_pb2.GetForwardingPipelineConfigRequest
COOKIE_KEY = "p4runtime-cookie"


@dataclass
class SavedConfig:
    config: DeviceConfig
    built: object            # ovsp4.programs.BuiltProgram
    p4info: p4info_pb2.P4Info
    cookie: int | None



def _cookie(config: p4runtime_pb2.ForwardingPipelineConfig) -> int | None:
    return config.cookie.cookie if config.HasField("cookie") else None


async def set_config(dev: Device, request: _Req, follower: OvsdbFollower, dbdir: Path) -> None:
    action = request.action
    if action == _Req.UNSPECIFIED:
        raise P4RuntimeError(Code.INVALID_ARGUMENT, "SetForwardingPipelineConfig: action "
                             "is UNSPECIFIED")
    async with dev.config_lock:
        if action == _Req.COMMIT:
            saved = dev.saved_config
            if saved is None:
                raise P4RuntimeError(Code.FAILED_PRECONDITION,
                                     "COMMIT: no config was saved (VERIFY_AND_SAVE first)")
            cfg = request.config
            if cfg.HasField("p4info") or cfg.p4_device_config:
                raise P4RuntimeError(Code.INVALID_ARGUMENT,
                                     "COMMIT commits the saved config: send no P4Info or "
                                     "device config with it")
            cookie = _cookie(cfg) if cfg.HasField("cookie") else saved.cookie
            await _commit(dev, saved.built, cookie, follower, dbdir, fresh=True)
            dev.saved_config = None
            return
        cfg = request.config
        if not cfg.HasField("p4info"):
            raise P4RuntimeError(Code.INVALID_ARGUMENT,
                                 "SetForwardingPipelineConfig: the config has no P4Info")
        # A program whose P4Info names its package (pkg_info.name) is named
        # so; else after the device's current program (pushing its source
        # again gives the same pipeline).
        current = dev.record.program
        keep = current.name if current is not None and not cfg.p4info.pkg_info.name else None
        config = parse_device_config(cfg.p4_device_config, cfg.p4info, keep)
        build = action != _Req.VERIFY
        loop = asyncio.get_running_loop()
        built = await loop.run_in_executor(None, lambda: compile_config(
            config, cfg.p4info, build=build))
        if action == _Req.VERIFY:
            return
        if action == _Req.VERIFY_AND_SAVE:
            dev.saved_config = SavedConfig(config, built, cfg.p4info, _cookie(cfg))
            return
        if action == _Req.VERIFY_AND_COMMIT:
            await _commit(dev, built, _cookie(cfg), follower, dbdir, fresh=True)
        elif action == _Req.RECONCILE_AND_COMMIT:
            await _reconcile(dev, built, cfg.p4info, _cookie(cfg), follower, dbdir)
        else:
            raise P4RuntimeError(Code.INVALID_ARGUMENT, f"unknown action {action}")


async def _commit(dev: Device, built: object, cookie: int | None, follower: OvsdbFollower,
                  dbdir: Path, *, fresh: bool) -> None:
    """Makes ``built`` the bridge's program and waits until the datapath
    runs it.  ``fresh``: a new pipeline instance even if the artifact is
    the one running (VERIFY_AND_COMMIT resets the forwarding state)."""
    so = built.so  # type: ignore[attr-defined]
    record = built.record  # type: ignore[attr-defined]
    ext = dict(record.external_ids)
    ext["source"] = "p4runtime"
    if cookie is not None:
        ext[COOKIE_KEY] = str(cookie)
    record = replace(record, external_ids=ext)
    _, path = artifacts.store(so, artifacts.artifact_dir(dbdir))
    bridge = dev.bridge

    def job(db: object) -> None:
        brs.set_program(db, bridge, record, str(path), reload=fresh,  # type: ignore[arg-type]
                        comment=f"ovs-p4rtd: pipeline {record.name} for device "
                                f"{dev.device_id}")

    try:
        await asyncio.wrap_future(follower.call(job))
    except Exception as exc:
        raise P4RuntimeError(Code.INTERNAL, f"storing the pipeline in OVSDB failed: {exc}"
                             ) from None
    dev.invalidate()
    want = built.p4info  # type: ignore[attr-defined]
    tr = await dev.translator(fresh=fresh)
    if tr.p4info != want:
        raise P4RuntimeError(Code.INTERNAL, f"ovs-vswitchd did not load the new pipeline of "
                             f"bridge {bridge} (see its log: ovs-appctl p4/show {bridge})")
    log.info("device %d (%s): pipeline %s committed", dev.device_id, bridge, record.name)


# --- RECONCILE_AND_COMMIT -----------------------------------------------------

_STATE_ENTITIES = (p.Entity.AP_MEMBER, p.Entity.AP_GROUP, p.Entity.MCAST_GROUP,
                   p.Entity.CLONE_SESSION, p.Entity.VALUE_SET, p.Entity.DIGEST_CONFIG,
                   p.Entity.TABLE_ENTRY, p.Entity.METER, p.Entity.COUNTER, p.Entity.REGISTER)


async def _read_all(dev: Device, entity: p.Entity, obj_id: int = 0,
                    key: p.TableEntry | None = None) -> list[p.EntityBody]:
    out: list[p.EntityBody] = []
    cursor = (0, 0)
    while True:
        header, reply = await dev.request(p.ReadRequest(entity, obj_id, p.INDEX_ALL, key, cursor))
        if header.status:
            if header.status == p.Status.NOT_FOUND:
                return out
            raise P4RuntimeError(Code.INTERNAL, f"reading the forwarding state failed "
                                 f"({p.Status(header.status).name})")
        assert isinstance(reply, p.ReadReply)
        out += reply.items
        if not reply.more:
            return out
        cursor = reply.cursor


async def _reconcile(dev: Device, built: object, p4info: p4info_pb2.P4Info,
                     cookie: int | None, follower: OvsdbFollower, dbdir: Path) -> None:
    program = dev.record.program
    if program is not None and program.artifact_sha256 == built.record.artifact_sha256:  # type: ignore[attr-defined]
        # The same pipeline: only the cookie changes.
        await _commit(dev, built, cookie, follower, dbdir, fresh=False)
        return
    updates: list[p.Update] = []
    try:
        old = await dev.translator()
    except P4RuntimeError:
        old = None  # no pipeline: nothing to keep
    if old is not None:
        for entity in _STATE_ENTITIES:
            for body in await _read_all(dev, entity):
                updates.append(p.Update(_restore_op(entity), body, entity))
        for table in old.p4info.tables:
            key = p.TableEntry(table.preamble.id, is_default=True)
            items = await _read_all(dev, p.Entity.TABLE_ENTRY, table.preamble.id, key)
            for body in items:
                if isinstance(body, p.TableEntry) and body.action.kind != p.ActionKind.NONE \
                        and not table.const_default_action_id:
                    body.last_hit_ns = body.elapsed_ns = None
                    updates.append(p.Update(p.Op.MODIFY, body, p.Entity.TABLE_ENTRY))
        problems = incompatible(old.p4info, p4info, updates)
        if problems:
            raise P4RuntimeError(Code.INVALID_ARGUMENT, "RECONCILE_AND_COMMIT: the new "
                                 f"program cannot keep the forwarding state: {problems[0]}"
                                 + (f" (and {len(problems) - 1} more)" if len(problems) > 1
                                    else ""))
    await _commit(dev, built, cookie, follower, dbdir, fresh=True)
    for start in range(0, len(updates), 4096):
        chunk = updates[start:start + 4096]
        header, reply = await dev.request(p.WriteRequest(chunk))
        statuses = reply.statuses if isinstance(reply, p.WriteReply) else [header.status]
        bad = [s for s in statuses if s]
        if bad:
            raise P4RuntimeError(Code.INTERNAL, f"RECONCILE_AND_COMMIT: {len(bad)} items of "
                                 "the forwarding state could not be restored "
                                 f"({p.Status(bad[0]).name})")


def _restore_op(entity: p.Entity) -> p.Op:
    return p.Op.MODIFY if entity in (p.Entity.METER, p.Entity.COUNTER, p.Entity.REGISTER,
                                     p.Entity.VALUE_SET) else p.Op.INSERT


def _shape(p4info: p4info_pb2.P4Info) -> dict[int, object]:
    """What must stay the same for state to carry over, by object id."""
    out: dict[int, object] = {}
    for t in p4info.tables:
        out[t.preamble.id] = (tuple((f.id, f.bitwidth, f.match_type) for f in t.match_fields),
                              frozenset(r.id for r in t.action_refs),
                              t.implementation_id, tuple(sorted(t.direct_resource_ids)))
    for a in p4info.actions:
        out[a.preamble.id] = tuple((q.id, q.bitwidth) for q in a.params)
    for kind in ("action_profiles", "counters", "meters", "registers", "digests",
                 "value_sets", "direct_counters", "direct_meters"):
        for o in getattr(p4info, kind):
            shape = type(o)()
            shape.CopyFrom(o)
            shape.ClearField("preamble")
            out[o.preamble.id] = shape.SerializeToString(deterministic=True)
    return out


def incompatible(old: p4info_pb2.P4Info, new: p4info_pb2.P4Info,
                 updates: list[p.Update]) -> list[str]:
    """Why ``updates`` (state of the ``old`` pipeline) cannot go into
    ``new``: the objects they use that ``new`` lacks or shaped otherwise."""
    a, b = _shape(old), _shape(new)
    used: set[int] = set()
    for u in updates:
        body = u.body
        if isinstance(body, p.TableEntry):
            used.add(body.table_id)
            if body.action.kind == p.ActionKind.DIRECT:
                used.add(body.action.action_id)
        elif isinstance(body, p.ApMember):
            used.update((body.profile_id, body.action.action_id))
        elif isinstance(body, p.ApGroup):
            used.add(body.profile_id)
        elif isinstance(body, p.CounterEntry):
            used.add(body.counter_id)
        elif isinstance(body, p.MeterEntry):
            used.add(body.meter_id)
        elif isinstance(body, p.RegisterEntry):
            used.add(body.register_id)
        elif isinstance(body, p.ValueSetEntry):
            used.add(body.value_set_id)
        elif isinstance(body, p.DigestConfig):
            used.add(body.digest_id)
    names = {o.preamble.id: o.preamble.name for kind in (
        "tables", "actions", "action_profiles", "counters", "meters", "registers", "digests",
        "value_sets") for o in getattr(old, kind)}
    out = []
    for oid in sorted(used):
        if oid not in b:
            out.append(f"{names.get(oid, hex(oid))} is not in the new program")
        elif a.get(oid) != b[oid]:
            out.append(f"{names.get(oid, hex(oid))} changed shape")
    return out


# --- GetForwardingPipelineConfig ----------------------------------------------

_p4info_cache: dict[object, p4info_pb2.P4Info] = {}


def get_config(dev: Device, response_type: int
               ) -> p4runtime_pb2.GetForwardingPipelineConfigResponse:
    program = dev.record.program
    if program is None or not dev.record.pipeline:
        raise no_pipeline(dev.device_id)
    resp = p4runtime_pb2.GetForwardingPipelineConfigResponse()
    cfg = resp.config
    cookie = program.external_ids.get(COOKIE_KEY)
    if cookie is not None:
        cfg.cookie.cookie = int(cookie)
    if response_type in (_Get.ALL, _Get.P4INFO_AND_COOKIE):
        p4info = _p4info_cache.get(program.uuid)
        if p4info is None:
            p4info = text_format.Parse(program.p4info, p4info_pb2.P4Info())
            _p4info_cache.clear()
            _p4info_cache[program.uuid] = p4info
        cfg.p4info.CopyFrom(p4info)
    if response_type in (_Get.ALL, _Get.DEVICE_CONFIG_AND_COOKIE):
        cfg.p4_device_config = encode_device_config(program.name, program.source,
                                                    program.defines, program.arch)
    return resp
