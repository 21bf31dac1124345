/*
 * OvS.p4 standard include file, declares the P4_16 core library API.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Every P4_16 program gets these declarations with `#include <core.p4>`.
 * The names, parameter names and directions, type parameters, annotations
 * and the order of the error and match_kind members are those of the P4_16
 * language specification and of the reference compiler's include file, so
 * that programs written for p4c compile unchanged and produce the same
 * P4Info.  The comments are ours.  See Documentation/architectures.md.
 */

#ifndef _CORE_P4_
#define _CORE_P4_

/*
 * Error codes the language itself may raise.  Programs may add their own
 * with further `error { ... }` declarations; those come after these.  The
 * order is part of the API (error values are numbered in declaration order).
 */
error {
    NoError,                /* no error */
    PacketTooShort,         /* extract/lookahead past the end of the packet */
    NoMatch,                /* no case of a select expression matched */
    StackOutOfBounds,       /* header stack index out of range (next/last) */
    HeaderTooShort,         /* varbit extract longer than the field allows */
    ParserTimeout,          /* parser ran out of its time budget */
    ParserInvalidArgument   /* bad argument to a parser operation,
                               e.g. advance by a non-byte-multiple */
}

/* The packet as seen by a parser: a cursor over the received bytes. */
extern packet_in {
    /* Fill the fixed-size header `hdr` from the cursor, mark it valid and
     * move the cursor past it. */
    void extract<T>(out T hdr);
    /* The same for a header with exactly one varbit field, whose size for
     * this packet is given in bits. */
    void extract<T>(out T variableSizeHeader,
                    in bit<32> variableFieldSizeInBits);
    /* Read a value of the fixed-size type T at the cursor without moving
     * the cursor. */
    T lookahead<T>();
    /* Move the cursor forward by the given number of bits. */
    void advance(in bit<32> sizeInBits);
    /* Length of the whole packet in bytes (not every target has it). */
    bit<32> length();
}

/* The packet as built by a deparser. */
extern packet_out {
    /* Append `hdr` if it is valid.  T may also be a header stack, a
     * header union, or a struct of such, emitted member by member. */
    void emit<T>(in T hdr);
}

/* In a parser: when `check` is false, set the parser error to `toSignal`
 * and go to the reject state. */
extern void verify(in bool check, in error toSignal);

/* The action that does nothing; the usual default action of a table. */
@noWarn("unused")
action NoAction() {}

/* Match kinds every architecture knows.  Architectures add their own. */
match_kind {
    exact,      /* all bits equal */
    ternary,    /* equal under a mask */
    lpm         /* longest prefix */
}

/* Compile-time assertion: compilation fails with `message` when `check`
 * evaluates to false.  Returns `check`, so that it can initialise a
 * constant, e.g.
 *     const bool ok = static_assert(V1MODEL_VERSION >= 20180101, "old");
 */
extern bool static_assert(bool check, string message);

/* The same, with a default message. */
extern bool static_assert(bool check);

#endif  /* _CORE_P4_ */
