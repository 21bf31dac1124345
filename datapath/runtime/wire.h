/*
 * OvS.p4 runtime: little-endian readers and writers for the control
 * protocol (Documentation/control-protocol.md).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A reader never reads past its end: once a read fails, `err` is set and
 * every later read returns zeros, so decoders check once at the end of a
 * structure.  A writer never writes past its capacity: once a write does
 * not fit, `overflow` is set (and later writes are dropped); a caller that
 * pages rolls back to a mark with wire_rollback().
 */

#ifndef OVSP4_RT_WIRE_H
#define OVSP4_RT_WIRE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire_reader {
    const uint8_t *p;
    const uint8_t *end;
    bool err;
};

static inline void
wire_reader_init(struct wire_reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->end = p + len;
    r->err = false;
}

static inline size_t
wire_left(const struct wire_reader *r)
{
    return r->err ? 0 : (size_t) (r->end - r->p);
}

static inline const uint8_t *
wire_take(struct wire_reader *r, size_t n)
{
    const uint8_t *p;

    if (r->err || (size_t) (r->end - r->p) < n) {
        r->err = true;
        return NULL;
    }
    p = r->p;
    r->p += n;
    return p;
}

static inline uint64_t
wire_get_le(struct wire_reader *r, unsigned int n)
{
    const uint8_t *p = wire_take(r, n);
    uint64_t v = 0;

    if (p) {
        for (unsigned int i = n; i-- > 0;) {
            v = (v << 8) | p[i];
        }
    }
    return v;
}

static inline uint8_t wire_u8(struct wire_reader *r)
{ return (uint8_t) wire_get_le(r, 1); }
static inline uint16_t wire_u16(struct wire_reader *r)
{ return (uint16_t) wire_get_le(r, 2); }
static inline uint32_t wire_u32(struct wire_reader *r)
{ return (uint32_t) wire_get_le(r, 4); }
static inline uint64_t wire_u64(struct wire_reader *r)
{ return wire_get_le(r, 8); }
static inline int32_t wire_i32(struct wire_reader *r)
{ return (int32_t) wire_u32(r); }

/* A `bytes` item: u32 length, then the bytes.  Returns a pointer into the
 * message (non-NULL even for an empty string, unless the read failed). */
static inline const uint8_t *
wire_bytes(struct wire_reader *r, uint32_t *len)
{
    uint32_t n = wire_u32(r);
    const uint8_t *p = wire_take(r, n);

    *len = p ? n : 0;
    return p;
}

struct wire_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

static inline void
wire_writer_init(struct wire_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

static inline uint8_t *
wire_put(struct wire_writer *w, size_t n)
{
    uint8_t *p;

    if (w->overflow || w->cap - w->len < n) {
        w->overflow = true;
        return NULL;
    }
    p = w->buf + w->len;
    w->len += n;
    return p;
}

static inline void
wire_put_le(struct wire_writer *w, uint64_t v, unsigned int n)
{
    uint8_t *p = wire_put(w, n);

    if (p) {
        for (unsigned int i = 0; i < n; i++) {
            p[i] = (uint8_t) (v >> (8 * i));
        }
    }
}

static inline void wire_put_u8(struct wire_writer *w, uint8_t v)
{ wire_put_le(w, v, 1); }
static inline void wire_put_u16(struct wire_writer *w, uint16_t v)
{ wire_put_le(w, v, 2); }
static inline void wire_put_u32(struct wire_writer *w, uint32_t v)
{ wire_put_le(w, v, 4); }
static inline void wire_put_u64(struct wire_writer *w, uint64_t v)
{ wire_put_le(w, v, 8); }
static inline void wire_put_i32(struct wire_writer *w, int32_t v)
{ wire_put_le(w, (uint32_t) v, 4); }

static inline void
wire_put_bytes(struct wire_writer *w, const void *data, uint32_t len)
{
    uint8_t *p;

    wire_put_u32(w, len);
    p = wire_put(w, len);
    if (p && len) {
        memcpy(p, data, len);
    }
}

/* Paging: remember a position, and go back to it when an item did not
 * fit. */
static inline size_t
wire_mark(const struct wire_writer *w)
{
    return w->len;
}

static inline void
wire_rollback(struct wire_writer *w, size_t mark)
{
    w->len = mark;
    w->overflow = false;
}

static inline void
wire_patch_u32(struct wire_writer *w, size_t at, uint32_t v)
{
    if (at + 4 <= w->len) {
        for (unsigned int i = 0; i < 4; i++) {
            w->buf[at + i] = (uint8_t) (v >> (8 * i));
        }
    }
}

#endif /* OVSP4_RT_WIRE_H */
