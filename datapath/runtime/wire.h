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

/* Little-endian integers of 1, 2, 4 or 8 bytes, as one load (gcc does not
 * turn a loop over the bytes into one). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WIRE_LE16(X) __builtin_bswap16(X)
#define WIRE_LE32(X) __builtin_bswap32(X)
#define WIRE_LE64(X) __builtin_bswap64(X)
#else
#define WIRE_LE16(X) (X)
#define WIRE_LE32(X) (X)
#define WIRE_LE64(X) (X)
#endif

static inline uint8_t wire_u8(struct wire_reader *r)
{
    const uint8_t *p = wire_take(r, 1);
    return p ? p[0] : 0;
}

static inline uint16_t wire_u16(struct wire_reader *r)
{
    const uint8_t *p = wire_take(r, 2);
    uint16_t v = 0;

    if (p) {
        memcpy(&v, p, 2);
    }
    return WIRE_LE16(v);
}

static inline uint32_t wire_u32(struct wire_reader *r)
{
    const uint8_t *p = wire_take(r, 4);
    uint32_t v = 0;

    if (p) {
        memcpy(&v, p, 4);
    }
    return WIRE_LE32(v);
}

static inline uint64_t wire_u64(struct wire_reader *r)
{
    const uint8_t *p = wire_take(r, 8);
    uint64_t v = 0;

    if (p) {
        memcpy(&v, p, 8);
    }
    return WIRE_LE64(v);
}
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

static inline void wire_put_u8(struct wire_writer *w, uint8_t v)
{
    uint8_t *p = wire_put(w, 1);

    if (p) {
        p[0] = v;
    }
}

static inline void wire_put_u16(struct wire_writer *w, uint16_t v)
{
    uint8_t *p = wire_put(w, 2);

    if (p) {
        v = WIRE_LE16(v);
        memcpy(p, &v, 2);
    }
}

static inline void wire_put_u32(struct wire_writer *w, uint32_t v)
{
    uint8_t *p = wire_put(w, 4);

    if (p) {
        v = WIRE_LE32(v);
        memcpy(p, &v, 4);
    }
}

static inline void wire_put_u64(struct wire_writer *w, uint64_t v)
{
    uint8_t *p = wire_put(w, 8);

    if (p) {
        v = WIRE_LE64(v);
        memcpy(p, &v, 8);
    }
}

static inline void wire_put_i32(struct wire_writer *w, int32_t v)
{ wire_put_u32(w, (uint32_t) v); }

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
        v = WIRE_LE32(v);
        memcpy(w->buf + at, &v, 4);
    }
}

#endif /* OVSP4_RT_WIRE_H */
