"""The v1model architecture: BMv2 simple_switch's packet flow around the
program's six blocks (templates/v1model.c.j2 holds the C).

    parser -> verifyChecksum -> ingress -> [I2E clones] [digest]
        -> resubmit (back to the parser, original bytes)
         | multicast (a copy per replica) | unicast | drop (egress_spec 511)
    egress -> [E2E clones] -> drop? -> computeChecksum -> deparser
        -> recirculate (back to the parser, deparsed bytes) | output

Everything BMv2 keeps in packet registers (clone session and field list,
resubmit/recirculate flags, digest, truncation, the packet-length
register that setValid/setInvalid adjust) lives in `struct ovsp4_ctx`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ovsp4.compiler.backend.env import Env
from ovsp4.compiler.backend.exprs import ExprGen
from ovsp4.compiler.backend.hint import LookupHint, lookup_hint
from ovsp4.compiler.backend.program import ProgramGen
from ovsp4.compiler.diagnostics import UnsupportedError
from ovsp4.compiler.ir import nodes
from ovsp4.compiler.ir.blocks import ControlBlock, ParserBlock

BLOCKS = ("p", "vr", "ig", "eg", "ck", "dep")

# ProgramGen.uses: the context flags a program may set.
USES = ("clone", "resubmit", "recirculate", "truncate", "digest", "exit", "abort")

INSTANCE_TYPES = {
    "NORMAL": 0,
    "INGRESS_CLONE": 1,
    "EGRESS_CLONE": 2,
    "COALESCED": 3,
    "RECIRC": 4,
    "REPLICATION": 5,
    "RESUBMIT": 6,
}


@dataclass
class V1Model:
    hdr_type: str
    meta_type: str
    sm_type: str
    parser: str
    verify: str
    ingress: str
    egress: str
    compute: str
    deparser: str
    field_lists: dict[int, list[str]]
    digest_size: int
    packet_in_bytes: int  # 0: no @controller_header("packet_in")
    has_packet_in: bool
    instance_types: dict[str, int]
    hint: LookupHint | None  # the batch's lookup hint (hint.py), if any
    uses: dict[str, bool]  # what the program asks of the architecture (ProgramGen.uses)


def lower_v1model(prog: ProgramGen) -> V1Model:
    main = prog.toplevel.main
    if main.decl.name != "V1Switch":
        raise UnsupportedError(f"the package '{main.decl.name}' (only V1Switch)", main.decl.loc)
    blocks = {}
    for key in BLOCKS:
        b = main.children.get(key)
        if b is None:
            raise UnsupportedError(f"V1Switch without its '{key}' block", main.decl.loc)
        blocks[key] = b
    p = blocks["p"]
    if not isinstance(p, ParserBlock):
        raise UnsupportedError("this V1Switch parser", main.decl.loc)
    controls = {k: blocks[k] for k in BLOCKS[1:]}
    for k, b in controls.items():
        if not isinstance(b, ControlBlock):
            raise UnsupportedError(f"this V1Switch block '{k}'", main.decl.loc)
    pdecl = p.decl
    assert isinstance(pdecl, nodes.ParserDecl)
    env = Env(prog, p)
    env.subst = prog.block_subst(p)  # type: ignore[attr-defined]
    gen = ExprGen(env)
    data_params = [x for x in pdecl.params if not prog.is_packet_param(x)]
    if len(data_params) != 3:
        raise UnsupportedError(
            "a V1Switch parser without (hdr, meta, standard_metadata)", pdecl.loc
        )
    hdr_t, meta_t, sm_t = (gen.t(x.resolved_type) for x in data_params)
    hdr_c, meta_c, sm_c = (gen.stype(t, pdecl.loc) for t in (hdr_t, meta_t, sm_t))

    names = {
        "parser": prog.parser_fn(p),
        "verify": prog.control_fn(controls["vr"]),  # type: ignore[arg-type]
        "ingress": prog.control_fn(controls["ig"]),  # type: ignore[arg-type]
        "egress": prog.control_fn(controls["eg"]),  # type: ignore[arg-type]
        "compute": prog.control_fn(controls["ck"]),  # type: ignore[arg-type]
        "deparser": prog.control_fn(controls["dep"]),  # type: ignore[arg-type]
    }
    # computeChecksum and the deparser run once per packet copy, from one
    # place in v1_egress(): inlined there, they share its registers
    for fn in prog.controls:
        if fn.name in (names["compute"], names["deparser"]):
            fn.always_inline = True
    # field lists: the pipeline controls' parameters are the state's members
    state_params: dict[int, str] = {}
    for k in ("ig", "eg"):
        decl = controls[k].decl
        assert isinstance(decl, nodes.ControlDecl)
        for param, member in zip(decl.params, ("hdr", "meta", "sm"), strict=False):
            state_params[id(param)] = member
    copies = prog.field_lists.copies(meta_t, state_params)
    hint = lookup_hint(prog, p, controls["ig"], ("hdr", "meta", "sm"))  # type: ignore[arg-type]
    digest_size = max((d.data_size for d in prog.digests), default=0)
    return V1Model(
        hdr_c,
        meta_c,
        sm_c,
        **names,
        field_lists=copies,
        digest_size=max(digest_size, 1),
        packet_in_bytes=prog.packet_in.wire_bytes if prog.packet_in else 0,
        has_packet_in=prog.packet_in is not None,
        instance_types=INSTANCE_TYPES,
        hint=hint,
        uses={k: k in prog.uses for k in USES},
    )
