/*
 * OvS.p4 runtime: events for the control plane -- packet-in, digests, log
 * messages, idle-timeout notifications -- and poll_events().
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Packet threads write events into their slot's ring (single producer,
 * single consumer, no locks): packet-ins and log messages as complete
 * control-protocol messages, which poll_events() hands to the host's
 * callback straight from the ring; digests as raw records, which
 * poll_events() gathers into digest lists per the control plane's
 * DIGEST_CONFIG (list size, timeout, duplicate suppression until the list
 * is acknowledged or its ack timeout expires).  Idle-timeout notifications
 * come from a periodic scan of the tables that support timeouts, done by
 * poll_events() too: an entry is reported once when it has not been hit
 * for its timeout, and again only after a later hit and a new timeout.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <time.h>

#include "runtime-private.h"
#include "wire.h"

#define RT_DIGEST_MAX_LIST 4096         /* digests in one list, at most */
#define RT_IDLE_MSG_MAX (60u * 1024)    /* bytes of one notification */
#define RT_DEFAULT_IDLE_SWEEP_NS 100000000ull

void
rt_write_header(uint8_t *p, uint32_t len, uint16_t type, uint32_t xid,
                uint32_t status)
{
    struct wire_writer w;

    wire_writer_init(&w, p, OVSP4_MSG_HEADER_LEN);
    wire_put_u32(&w, len);
    wire_put_u16(&w, OVSP4_PROTO_VERSION);
    wire_put_u16(&w, type);
    wire_put_u32(&w, xid);
    wire_put_u32(&w, status);
}

/* --- Rings --------------------------------------------------------------- */

#define REC_HDR 8

static uint32_t
rec_size(uint32_t len)
{
    return OVSP4_ROUND_UP(REC_HDR + len, 8);
}

static void
rec_header(uint8_t *p, uint32_t len, uint32_t kind)
{
    memcpy(p, &len, 4);
    memcpy(p + 4, &kind, 4);
}

uint8_t *
rt_ring_reserve(struct rt_ring *r, uint32_t kind, uint32_t len)
{
    uint8_t *buf = atomic_load_explicit(&r->buf, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    uint32_t off, contig, rec;
    uint64_t need;

    if (!buf || len > r->size / 4) {
        return NULL;
    }
    rec = rec_size(len);
    off = head & (r->size - 1);
    contig = r->size - off;
    need = rec <= contig ? rec : contig + rec;
    if (head + need - tail > r->size) {
        return NULL;
    }
    if (rec > contig) {
        rec_header(buf + off, contig - REC_HDR, RT_REC_PAD);
        off = 0;
    }
    rec_header(buf + off, len, kind);
    r->pending = head + need;
    return buf + off + REC_HDR;
}

void
rt_ring_commit(struct rt_ring *r)
{
    atomic_store_explicit(&r->head, r->pending, memory_order_release);
}

/* --- Bit fields of controller headers ------------------------------------ */

void
rt_bits_get(const uint8_t *src, uint32_t off, uint32_t bits, uint8_t *dst)
{
    uint32_t nbytes = OVSP4_DIV_ROUND_UP(bits, 8);
    uint32_t pad = nbytes * 8 - bits;

    if (!(off % 8) && !pad) {
        memcpy(dst, src + off / 8, nbytes);
        return;
    }
    memset(dst, 0, nbytes);
    for (uint32_t i = 0; i < bits; i++) {
        uint32_t s = off + i, d = pad + i;

        if ((src[s / 8] >> (7 - s % 8)) & 1) {
            dst[d / 8] |= (uint8_t) (0x80 >> (d % 8));
        }
    }
}

void
rt_bits_put(uint8_t *dst, uint32_t off, uint32_t bits, const uint8_t *src)
{
    uint32_t nbytes = OVSP4_DIV_ROUND_UP(bits, 8);
    uint32_t pad = nbytes * 8 - bits;

    if (!(off % 8) && !pad) {
        memcpy(dst + off / 8, src, nbytes);
        return;
    }
    for (uint32_t i = 0; i < bits; i++) {
        uint32_t d = off + i, s = pad + i;
        uint8_t bit = 0x80 >> (d % 8);

        if ((src[s / 8] >> (7 - s % 8)) & 1) {
            dst[d / 8] |= bit;
        } else {
            dst[d / 8] &= (uint8_t) ~bit;
        }
    }
}

/* --- Producers (packet path) --------------------------------------------- */

void
ovsp4_rt_packet_in(struct ovsp4_rt_thread *t, const uint8_t *header,
                   uint32_t header_len, const uint8_t *payload,
                   uint32_t payload_len)
{
    const struct ovsp4_prog_controller_header *ph = t->inst->prog->packet_in;
    uint32_t hbits = t->inst->packet_in_bits;
    uint32_t n_meta = 0, meta_len = 0, len, in_port = 0;
    struct wire_writer w;
    uint8_t *p;

    if (!header) {
        header_len = 0;
    }
    if (ph && hbits && header_len * 8 >= hbits) {
        n_meta = ph->n_fields;
        for (uint32_t i = 0; i < n_meta; i++) {
            meta_len += 8 + OVSP4_DIV_ROUND_UP(ph->field_bits[i], 8);
        }
    }
    len = OVSP4_MSG_HEADER_LEN + 4 + 2 + meta_len + 4 + payload_len
          + (n_meta ? 0 : header_len);
    p = rt_ring_reserve(&t->slot->ring, RT_REC_MSG, len);
    if (!p) {
        rt_stat_inc(t->slot, RT_STAT_PACKET_IN_DROPS);
        return;
    }
    if (t->hot.pkts && t->hot.cur_input < t->hot.n_pkts) {
        in_port = t->hot.pkts[t->hot.cur_input].in_port;
    }
    rt_write_header(p, len, OVSP4_MSG_PACKET_IN, 0, 0);
    wire_writer_init(&w, p + OVSP4_MSG_HEADER_LEN,
                     len - OVSP4_MSG_HEADER_LEN);
    wire_put_u32(&w, in_port);
    wire_put_u16(&w, (uint16_t) n_meta);
    for (uint32_t i = 0, off = 0; i < n_meta; i++) {
        uint32_t bits = ph->field_bits[i];
        uint32_t nbytes = OVSP4_DIV_ROUND_UP(bits, 8);
        uint8_t *v;

        wire_put_u32(&w, ph->field_ids[i]);
        wire_put_u32(&w, nbytes);
        v = wire_put(&w, nbytes);
        if (v) {
            rt_bits_get(header, off, bits, v);
        }
        off += bits;
    }
    if (n_meta) {
        wire_put_bytes(&w, payload, payload_len);
    } else {
        /* No packet_in header in the program: it all is payload. */
        uint8_t *q;

        wire_put_u32(&w, header_len + payload_len);
        q = wire_put(&w, header_len + payload_len);
        if (q) {
            if (header_len) {
                memcpy(q, header, header_len);
            }
            if (payload_len) {
                memcpy(q + header_len, payload, payload_len);
            }
        }
    }
    rt_ring_commit(&t->slot->ring);
    rt_stat_inc(t->slot, RT_STAT_PACKET_INS);
}

void
ovsp4_rt_digest(struct ovsp4_rt_thread *t, uint32_t digest_index,
                const uint8_t *data)
{
    struct ovsp4_rt_instance *inst = t->inst;
    struct rt_digest *d;
    uint8_t *p;

    if (digest_index >= inst->prog->n_digests) {
        return;
    }
    d = &inst->digests[digest_index];
    if (!atomic_load_explicit(&d->enabled, memory_order_relaxed)) {
        return;
    }
    p = rt_ring_reserve(&t->slot->ring, RT_REC_DIGEST,
                        4 + d->desc->data_size);
    if (!p) {
        rt_stat_inc(t->slot, RT_STAT_DIGEST_DROPS);
        return;
    }
    memcpy(p, &digest_index, 4);
    memcpy(p + 4, data, d->desc->data_size);
    rt_ring_commit(&t->slot->ring);
    rt_stat_inc(t->slot, RT_STAT_DIGESTS);
}

void
ovsp4_rt_log_level(struct ovsp4_rt_thread *t, int level, const char *msg)
{
    size_t n = strnlen(msg, 4096);
    uint32_t len = OVSP4_MSG_HEADER_LEN + 1 + 4 + (uint32_t) n;
    struct wire_writer w;
    uint8_t *p = rt_ring_reserve(&t->slot->ring, RT_REC_MSG, len);

    if (!p) {
        rt_stat_inc(t->slot, RT_STAT_LOG_DROPS);
        return;
    }
    rt_write_header(p, len, OVSP4_MSG_LOG, 0, 0);
    wire_writer_init(&w, p + OVSP4_MSG_HEADER_LEN,
                     len - OVSP4_MSG_HEADER_LEN);
    wire_put_u8(&w, (uint8_t) level);
    wire_put_bytes(&w, msg, (uint32_t) n);
    rt_ring_commit(&t->slot->ring);
    rt_stat_inc(t->slot, RT_STAT_LOGS);
}

void
ovsp4_rt_log(struct ovsp4_rt_thread *t, const char *msg)
{
    ovsp4_rt_log_level(t, OVSP4_LOG_INFO, msg);
}

/* --- Digests (control side, under digest_mutex) -------------------------- */

static uint64_t
data_hash(const uint8_t *data, uint32_t len)
{
    return ((uint64_t) ovsp4_hash_bytes(data, len, 0x0d16e57) << 32)
           | ovsp4_hash_bytes(data, len, 0x5a17ed);
}

static void
digest_forget_list(struct rt_digest *d, const uint8_t *data, uint32_t n,
                   uint64_t list_id)
{
    uint32_t size = d->desc->data_size;

    for (uint32_t i = 0; i < n; i++) {
        uint64_t h = data_hash(data + (size_t) i * size, size), v;

        if (objmap_get(&d->seen, h, &v) && v == list_id) {
            objmap_remove(&d->seen, h);
        }
    }
}

static void
digest_reset(struct rt_digest *d)
{
    for (uint32_t i = 0; i < d->n_sent; i++) {
        free(d->sent[i].data);
    }
    d->n_sent = 0;
    d->n_pending = 0;
    objmap_clear(&d->seen);
}

static void
digest_add(struct rt_digest *d, const uint8_t *data, uint64_t now)
{
    uint32_t size = d->desc->data_size;
    uint64_t h;

    if (!atomic_load_explicit(&d->enabled, memory_order_relaxed)) {
        return;
    }
    h = data_hash(data, size);
    if (objmap_get(&d->seen, h, NULL)) {
        return;                 /* pending, or sent and not acknowledged */
    }
    if (d->n_pending >= RT_DIGEST_MAX_LIST * 4) {
        return;                 /* the control plane does not keep up */
    }
    if (d->n_pending == d->cap_pending) {
        uint32_t cap = d->cap_pending ? d->cap_pending * 2 : 16;
        uint8_t *p = realloc(d->pending, (size_t) cap * (size ? size : 1));

        if (!p) {
            return;
        }
        d->pending = p;
        d->cap_pending = cap;
    }
    if (!objmap_put(&d->seen, h, RT_LIST_PENDING)) {
        return;
    }
    if (!d->n_pending) {
        d->first_ns = now;
    }
    memcpy(d->pending + (size_t) d->n_pending * size, data, size);
    d->n_pending++;
}

static bool
digest_due(const struct rt_digest *d, uint64_t now)
{
    return d->n_pending
           && ((d->max_list_size && d->n_pending >= d->max_list_size)
               || d->n_pending >= RT_DIGEST_MAX_LIST
               || now - d->first_ns >= d->max_timeout_ns);
}

/* Builds the DIGEST_LIST message of the due list (malloc'ed, *len). */
static uint8_t *
digest_emit(struct ovsp4_rt_instance *inst, struct rt_digest *d, uint64_t now,
            size_t *lenp)
{
    uint32_t size = d->desc->data_size;
    uint32_t n = d->n_pending;
    uint64_t list_id;
    struct wire_writer w;
    size_t len;
    uint8_t *msg;

    if (d->max_list_size && n > d->max_list_size) {
        n = d->max_list_size;
    }
    if (n > RT_DIGEST_MAX_LIST) {
        n = RT_DIGEST_MAX_LIST;
    }
    len = OVSP4_MSG_HEADER_LEN + 4 + 8 + 8 + 4 + (size_t) n * (4 + size);
    msg = malloc(len);
    if (!msg) {
        return NULL;
    }
    if (d->n_sent == d->cap_sent) {
        uint32_t cap = d->cap_sent ? d->cap_sent * 2 : 8;
        struct rt_sent_list *s = realloc(d->sent, cap * sizeof *s);

        if (!s) {
            free(msg);
            return NULL;
        }
        d->sent = s;
        d->cap_sent = cap;
    }
    list_id = ++inst->next_list_id;
    rt_write_header(msg, (uint32_t) len, OVSP4_MSG_DIGEST_LIST, 0, 0);
    wire_writer_init(&w, msg + OVSP4_MSG_HEADER_LEN,
                     len - OVSP4_MSG_HEADER_LEN);
    wire_put_u32(&w, d->desc->id);
    wire_put_u64(&w, list_id);
    wire_put_u64(&w, now);
    wire_put_u32(&w, n);
    for (uint32_t i = 0; i < n; i++) {
        wire_put_bytes(&w, d->pending + (size_t) i * size, size);
    }

    /* Remember the list until it is acknowledged or times out. */
    if (d->ack_timeout_ns) {
        struct rt_sent_list *s = &d->sent[d->n_sent];

        s->data = malloc((size_t) n * size + 1);
        if (s->data) {
            s->list_id = list_id;
            s->expires = now + d->ack_timeout_ns;
            s->n = n;
            memcpy(s->data, d->pending, (size_t) n * size);
            for (uint32_t i = 0; i < n; i++) {
                objmap_put(&d->seen, data_hash(s->data + (size_t) i * size,
                                               size), list_id);
            }
            d->n_sent++;
        } else {
            digest_forget_list(d, d->pending, n, RT_LIST_PENDING);
        }
    } else {
        digest_forget_list(d, d->pending, n, RT_LIST_PENDING);
    }
    memmove(d->pending, d->pending + (size_t) n * size,
            (size_t) (d->n_pending - n) * size);
    d->n_pending -= n;
    d->first_ns = now;
    *lenp = len;
    return msg;
}

static void
digest_expire(struct rt_digest *d, uint64_t now)
{
    for (uint32_t i = 0; i < d->n_sent;) {
        struct rt_sent_list *s = &d->sent[i];

        if ((int64_t) (now - s->expires) >= 0) {
            digest_forget_list(d, s->data, s->n, s->list_id);
            free(s->data);
            *s = d->sent[--d->n_sent];
        } else {
            i++;
        }
    }
}

enum ovsp4_status
rt_digest_config(struct ovsp4_rt_instance *inst, uint32_t idx, bool enable,
                 uint64_t max_timeout_ns, uint32_t max_list_size,
                 uint64_t ack_timeout_ns)
{
    struct rt_digest *d = &inst->digests[idx];

    pthread_mutex_lock(&inst->digest_mutex);
    d->max_timeout_ns = max_timeout_ns;
    d->max_list_size = max_list_size;
    d->ack_timeout_ns = ack_timeout_ns;
    if (!enable) {
        digest_reset(d);
    }
    atomic_store_explicit(&d->enabled, enable, memory_order_relaxed);
    pthread_mutex_unlock(&inst->digest_mutex);
    return OVSP4_OK;
}

enum ovsp4_status
rt_digest_ack(struct ovsp4_rt_instance *inst, uint32_t idx, uint64_t list_id)
{
    struct rt_digest *d = &inst->digests[idx];
    enum ovsp4_status error = OVSP4_E_NOT_FOUND;

    pthread_mutex_lock(&inst->digest_mutex);
    for (uint32_t i = 0; i < d->n_sent; i++) {
        struct rt_sent_list *s = &d->sent[i];

        if (s->list_id == list_id) {
            digest_forget_list(d, s->data, s->n, s->list_id);
            free(s->data);
            *s = d->sent[--d->n_sent];
            error = OVSP4_OK;
            break;
        }
    }
    pthread_mutex_unlock(&inst->digest_mutex);
    return error;
}

/* --- Idle timeouts (under poll_busy) ------------------------------------- */

struct idle_msg {
    uint8_t *buf;
    size_t len;
};

struct idle_sweep {
    struct ovsp4_rt_instance *inst;
    struct rt_table *t;
    uint64_t now;
    struct objmap next;                 /* the table's new `notified` */
    struct wire_writer w;               /* the message being built */
    size_t count_at;                    /* where its entry count is */
    uint32_t count;
    struct idle_msg *msgs;
    uint32_t n_msgs, cap_msgs;
};

static void
idle_finish_msg(struct idle_sweep *s)
{
    if (!s->w.buf) {
        return;
    }
    if (s->count && !s->w.overflow) {
        if (s->n_msgs == s->cap_msgs) {
            uint32_t cap = s->cap_msgs ? s->cap_msgs * 2 : 4;
            struct idle_msg *m = realloc(s->msgs, cap * sizeof *m);

            if (!m) {
                free(s->w.buf);
                s->w.buf = NULL;
                return;
            }
            s->msgs = m;
            s->cap_msgs = cap;
        }
        wire_patch_u32(&s->w, s->count_at, s->count);
        rt_write_header(s->w.buf, (uint32_t) s->w.len,
                        OVSP4_MSG_IDLE_TIMEOUT, 0, 0);
        s->msgs[s->n_msgs].buf = s->w.buf;
        s->msgs[s->n_msgs].len = s->w.len;
        s->n_msgs++;
    } else {
        free(s->w.buf);
    }
    s->w.buf = NULL;
}

static bool
idle_start_msg(struct idle_sweep *s)
{
    uint8_t *buf = malloc(RT_IDLE_MSG_MAX);

    if (!buf) {
        return false;
    }
    wire_writer_init(&s->w, buf, RT_IDLE_MSG_MAX);
    wire_put(&s->w, OVSP4_MSG_HEADER_LEN);
    wire_put_u64(&s->w, s->now);
    s->count_at = s->w.len;
    wire_put_u32(&s->w, 0);
    s->count = 0;
    return true;
}

static bool
idle_entry_cb(const struct ovsp4_entry_info *info, void *s_)
{
    struct idle_sweep *s = s_;
    uint64_t prev;
    size_t mark;

    if (!info->idle_timeout_ns || s->now < info->last_hit
        || s->now - info->last_hit < info->idle_timeout_ns) {
        return true;
    }
    objmap_put(&s->next, info->id, info->last_hit);
    if (objmap_get(&s->t->notified, info->id, &prev)
        && prev == info->last_hit) {
        return true;            /* already reported, not hit since */
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!s->w.buf && !idle_start_msg(s)) {
            return true;
        }
        mark = wire_mark(&s->w);
        rt_encode_entry(&s->w, s->t, info, OVSP4_ENTRY_TIME, NULL, s->now);
        if (!s->w.overflow) {
            s->count++;
            return true;
        }
        wire_rollback(&s->w, mark);
        if (!s->count) {
            break;              /* an entry larger than a message */
        }
        idle_finish_msg(s);
    }
    return true;
}

static void
idle_sweep(struct ovsp4_rt_instance *inst, uint64_t now,
           struct idle_sweep *s)
{
    memset(s, 0, sizeof *s);
    s->inst = inst;
    s->now = now;
    for (uint32_t i = 0; i < inst->prog->n_tables; i++) {
        struct rt_table *t = &inst->tables[i];
        uint64_t cursor = 0;

        if (!t->desc->idle_timeout) {
            continue;
        }
        s->t = t;
        objmap_init(&s->next);
        ovsp4_table_iterate(t->table, &cursor, idle_entry_cb, s);
        idle_finish_msg(s);
        objmap_destroy(&t->notified);
        t->notified = s->next;
    }
}

/* --- poll_events() ------------------------------------------------------- */

uint32_t
rt_poll_events(struct ovsp4_rt_instance *inst, ovsp4_event_cb cb, void *aux,
               uint32_t max)
{
    uint64_t now = rt_control_now(inst);
    uint64_t sweep_ns;
    uint32_t n = 0;

    if (atomic_flag_test_and_set_explicit(&inst->poll_busy,
                                          memory_order_acquire)) {
        return 0;
    }

    /* Idle timeouts. */
    sweep_ns = atomic_load_explicit(&inst->idle_sweep_ns,
                                    memory_order_relaxed);
    if (now - inst->last_sweep >= sweep_ns || now < inst->last_sweep) {
        struct idle_sweep s;

        inst->last_sweep = now;
        idle_sweep(inst, now, &s);
        for (uint32_t i = 0; i < s.n_msgs; i++) {
            /* Notifications are not held back by `max`: they are few, and
             * a later sweep would not repeat them. */
            cb(aux, s.msgs[i].buf, s.msgs[i].len);
            free(s.msgs[i].buf);
            n++;
        }
        free(s.msgs);
    }

    /* Rings. */
    for (uint32_t i = 0; i < inst->n_slots && n < max; i++) {
        struct rt_ring *r = &inst->slots[i].ring;
        uint8_t *buf = atomic_load_explicit(&r->buf, memory_order_acquire);
        uint64_t tail, head;

        if (!buf) {
            continue;
        }
        tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        head = atomic_load_explicit(&r->head, memory_order_acquire);
        while (tail != head && n < max) {
            uint8_t *rec = buf + (tail & (r->size - 1));
            uint32_t len, kind;

            memcpy(&len, rec, 4);
            memcpy(&kind, rec + 4, 4);
            if (kind == RT_REC_MSG) {
                cb(aux, rec + REC_HDR, len);
                n++;
            } else if (kind == RT_REC_DIGEST) {
                uint32_t idx;

                memcpy(&idx, rec + REC_HDR, 4);
                if (idx < inst->prog->n_digests) {
                    pthread_mutex_lock(&inst->digest_mutex);
                    digest_add(&inst->digests[idx], rec + REC_HDR + 4, now);
                    pthread_mutex_unlock(&inst->digest_mutex);
                }
            }
            tail += rec_size(len);
            atomic_store_explicit(&r->tail, tail, memory_order_release);
        }
    }

    /* Digest lists. */
    for (uint32_t i = 0; i < inst->prog->n_digests; i++) {
        struct rt_digest *d = &inst->digests[i];

        for (;;) {
            uint8_t *msg = NULL;
            size_t len = 0;

            pthread_mutex_lock(&inst->digest_mutex);
            digest_expire(d, now);
            if (n < max && digest_due(d, now)) {
                msg = digest_emit(inst, d, now, &len);
            }
            pthread_mutex_unlock(&inst->digest_mutex);
            if (!msg) {
                break;
            }
            cb(aux, msg, len);
            free(msg);
            n++;
        }
    }

    atomic_flag_clear_explicit(&inst->poll_busy, memory_order_release);
    return n;
}

/* --- Set-up -------------------------------------------------------------- */

bool
rt_events_init(struct ovsp4_rt_instance *inst)
{
    uint32_t n = inst->prog->n_digests;

    atomic_init(&inst->idle_sweep_ns, RT_DEFAULT_IDLE_SWEEP_NS);
    inst->digests = calloc(n ? n : 1, sizeof *inst->digests);
    if (!inst->digests) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct rt_digest *d = &inst->digests[i];

        d->desc = &inst->prog->digests[i];
        atomic_init(&d->enabled, false);
        objmap_init(&d->seen);
    }
    return true;
}

void
rt_events_destroy(struct ovsp4_rt_instance *inst)
{
    if (!inst->digests) {
        return;
    }
    for (uint32_t i = 0; i < inst->prog->n_digests; i++) {
        struct rt_digest *d = &inst->digests[i];

        digest_reset(d);
        free(d->sent);
        free(d->pending);
        objmap_destroy(&d->seen);
    }
    free(inst->digests);
    inst->digests = NULL;
}
