/*
 * OvS.p4 runtime: LPM on one field of any width, alone or with exact
 * fields (binary search on prefix lengths).
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Waldvogel et al., "Scalable High Speed IP Routing Lookups" (SIGCOMM
 * 1997).  Level m (0 <= m <= W, the LPM field's width) is a hash table of
 * nodes keyed by the key masked to the exact fields plus the first m bits
 * of the LPM field.  A lookup binary-searches the levels along a fixed
 * binary search tree over 0..W: a hit sends it to longer lengths, a miss
 * to shorter ones.  For that to find long prefixes, every prefix of length
 * L leaves a "marker" node at each level m < L where the search towards L
 * turns to longer lengths; and since following a marker may lead nowhere,
 * every node carries `bmp`, its best matching prefix: the longest real
 * prefix of length <= m containing it.  The answer is the `bmp` of the
 * last node hit.  A lookup costs at most ceil(log2(W + 2)) probes -- 8
 * for IPv6 -- and empty levels cost no hashing.
 *
 * Why this rather than a multibit trie for wide keys: memory stays
 * proportional to the number of prefixes (a prefix adds at most
 * log2(W) markers, shared between prefixes) whatever their lengths and
 * spread, where an 8-bit-stride trie needs up to a 1 KiB group per 8 bits
 * of every prefix, and exact fields in front of the prefix (VRF-style
 * tables) come for free: they are part of every level's mask.
 *
 * Updates.  Inserting P/L creates its missing markers (with `bmp` taken
 * from P's chain of covering prefixes), then P's own node, then lowers into P the `bmp` of
 * the nodes below P whose best prefix was shorter than L.  Deleting P
 * raises those back to P's covering prefix, then removes P's node and the
 * markers no prefix needs any more (reference counts).  The nodes below P
 * are found through the prefixes below P, enumerated in a control-side
 * treap ordered so that they are contiguous and follow P.  Every
 * intermediate state is one in which each node's `bmp` is a prefix that
 * contains it (a valid, possibly not yet longest, match), and markers are
 * created before the nodes that need them and removed after: a racing
 * lookup returns the old or the new answer, or transiently a shorter
 * valid prefix.  Removed nodes become tombstones; replaced level arrays
 * are freed after a grace period.
 */

#include <stdlib.h>

#include "rcu.h"
#include "table-private.h"

#define MAX_MARKERS 32

/* Level tables.  Nodes live inline in open-addressing arrays so that a
 * probe costs one cache miss, not two (slot, then node).  A slot is
 * written once, before its tag is published, and then never rewritten but
 * for `bmp` (an atomic pointer): removal turns the tag into a tombstone,
 * which stays until the array is rebuilt, so a reader comparing a key never
 * races with a writer storing one.  The control side keeps, per slot, the
 * real prefix at that node and the marker reference count in a parallel
 * array that readers never see. */

#define TAG_EMPTY 0u
#define TAG_TOMB 1u

struct bsl_slot {
    _Atomic uint32_t tag;               /* TAG_*, else hash_tag() */
    uint32_t reserved;
    _Atomic(struct ovsp4_entry *) bmp;  /* best matching prefix */
    uint64_t key[];                     /* masked key, kw words */
};

struct bsl_array {
    uint32_t mask;                      /* slots - 1 */
    uint32_t slot_size;                 /* bytes */
    _Alignas(16) unsigned char slots[];
};

struct bsl_ctl {
    struct ovsp4_entry *prefix;         /* the entry at exactly this node */
    uint32_t refs;                      /* longer prefixes using it */
};

struct bsl_level {
    _Atomic(struct bsl_array *) arr;    /* NULL while empty */
    struct bsl_ctl *ctl;                /* parallel to arr's slots */
    uint32_t n;                         /* live slots */
    uint32_t n_used;                    /* live + tombstones */
};

struct bsl {
    /* Packet path. */
    uint32_t width;                     /* W: levels are 0..W */
    uint32_t kw;                        /* key words */
    uint32_t slot_size;
    uint64_t *masks;                    /* level m: masks[m * kw ...] */
    uint16_t *widx;                     /* level m: non-zero mask words */
    uint16_t *n_widx;
    struct bsl_level *levels;           /* W + 1 */

    /* Control side. */
    struct ovsp4_entry *root;           /* treap of the prefixes */
    uint32_t n_seg;                     /* treap order: exact fields, then */
    uint32_t seg_off[OVSP4_TABLE_MAX_FIELDS];   /* the LPM field */
    uint32_t seg_len[OVSP4_TABLE_MAX_FIELDS];
};

/* A tag is never TAG_EMPTY or TAG_TOMB and keeps the hash's low bits, so
 * that rebuilds can place slots by tag. */
static inline uint32_t
hash_tag(uint32_t hash)
{
    return hash | 0x80000000u;
}

static inline struct bsl_slot *
slot_at(const struct bsl_array *a, uint32_t i)
{
    return (struct bsl_slot *) &a->slots[(size_t) i * a->slot_size];
}

static inline uint32_t
level_hash(const struct ovsp4_table *t, const struct bsl *b, uint32_t m,
           const uint8_t *key)
{
    return ovsp4_hash_masked(key, t->key_len, &b->masks[(size_t) m * b->kw],
                             &b->widx[(size_t) m * b->kw], b->n_widx[m],
                             t->seed);
}

/* The live slot of level m whose key equals `key` masked; its index in
 * *idx.  Packet path (and control side). */
static inline struct bsl_slot *
probe(const struct ovsp4_table *t, const struct bsl *b, uint32_t m,
      const uint8_t *key, uint32_t *idx)
{
    const struct bsl_array *a = atomic_load_explicit(
        &((struct bsl_level *) &b->levels[m])->arr, memory_order_acquire);
    const uint64_t *mask = &b->masks[(size_t) m * b->kw];
    const uint16_t *widx = &b->widx[(size_t) m * b->kw];
    uint32_t n = b->n_widx[m];
    uint32_t hash, tag;

    if (!a) {
        return NULL;            /* empty level: no hashing */
    }
    hash = ovsp4_hash_masked(key, t->key_len, mask, widx, n, t->seed);
    tag = hash_tag(hash);
    for (uint32_t i = hash & a->mask; ; i = (i + 1) & a->mask) {
        struct bsl_slot *s = slot_at(a, i);
        uint32_t st = atomic_load_explicit(&s->tag, memory_order_acquire);

        if (st == TAG_EMPTY) {
            return NULL;
        }
        if (st == tag
            && ovsp4_masked_equal(key, t->key_len, s->key, mask, widx, n)) {
            *idx = i;
            return s;
        }
    }
}

/* --- Packet path -------------------------------------------------------- */

static const struct ovsp4_entry *
bsl_lookup(const struct ovsp4_table *t, const uint8_t *key)
{
    const struct bsl *b = t->impl;
    const struct ovsp4_entry *best = NULL;
    int lo = 0, hi = b->width;
    uint32_t idx;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        struct bsl_slot *s = probe(t, b, mid, key, &idx);

        if (s) {
            const struct ovsp4_entry *bmp
                = atomic_load_explicit(&s->bmp, memory_order_acquire);
            if (bmp) {
                best = bmp;
            }
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best;
}

/* --- Control side: level tables ----------------------------------------- */

static size_t
array_bytes(const struct bsl *b, uint32_t n_slots)
{
    return sizeof(struct bsl_array) + (size_t) n_slots * b->slot_size;
}

static void
array_free(void *a_)
{
    struct bsl_array *a = a_;

    if (a) {
        size_t size = sizeof *a + (size_t) (a->mask + 1) * a->slot_size;

        if (size >= (2u << 20)) {
            ovsp4_big_free(a, size);
        } else {
            free(a);
        }
    }
}

static struct bsl_array *
array_alloc(const struct bsl *b, uint32_t n_slots)
{
    size_t size = array_bytes(b, n_slots);
    struct bsl_array *a;

    if (size >= (2u << 20)) {
        a = ovsp4_big_alloc(size);      /* zeroed, huge pages */
    } else {
        a = aligned_alloc(64, OVSP4_ROUND_UP(size, 64));
        if (a) {
            memset(a, 0, size);
        }
    }
    if (a) {
        a->mask = n_slots - 1;
        a->slot_size = b->slot_size;
    }
    return a;
}

static struct bsl_array *
level_array(const struct bsl_level *lv)
{
    return atomic_load_explicit(&((struct bsl_level *) lv)->arr,
                                memory_order_relaxed);
}

/* Rebuilds level `lv` into `n_slots` slots, dropping tombstones, and
 * publishes the result (NULL if the level is empty). */
static bool
level_rebuild(struct ovsp4_table *t, struct bsl_level *lv, uint32_t n_slots)
{
    struct bsl *b = t->impl;
    struct bsl_array *old = level_array(lv), *a = NULL;
    struct bsl_ctl *ctl = NULL;

    if (lv->n) {
        a = array_alloc(b, n_slots);
        ctl = calloc(n_slots, sizeof *ctl);
        if (!a || !ctl) {
            array_free(a);
            free(ctl);
            return false;
        }
        for (uint32_t i = 0; old && i <= old->mask; i++) {
            struct bsl_slot *s = slot_at(old, i);
            uint32_t tag = atomic_load_explicit(&s->tag,
                                                memory_order_relaxed);
            uint32_t j;

            if (tag < 2) {
                continue;
            }
            for (j = tag & a->mask;
                 atomic_load_explicit(&slot_at(a, j)->tag,
                                      memory_order_relaxed);
                 j = (j + 1) & a->mask) {
                continue;
            }
            struct bsl_slot *d = slot_at(a, j);
            memcpy(d->key, s->key, b->kw * sizeof(uint64_t));
            atomic_init(&d->bmp, atomic_load_explicit(&s->bmp,
                                                      memory_order_relaxed));
            atomic_init(&d->tag, tag);
            ctl[j] = lv->ctl[i];
        }
    }
    atomic_store_explicit(&lv->arr, a, memory_order_release);
    free(lv->ctl);
    lv->ctl = ctl;
    lv->n_used = lv->n;
    if (old) {
        ovsp4_rcu_defer(t->rcu, array_free, old);
    }
    return true;
}

static uint32_t
slots_for(uint32_t n)
{
    return OVSP4_MAX(8u, ovsp4_round_up_pow2(n * 2));
}

/* Adds a node at level m for `e`'s value; returns its slot index. */
static bool
node_create(struct ovsp4_table *t, uint32_t m, const struct ovsp4_entry *e,
            struct ovsp4_entry *bmp, struct ovsp4_entry *prefix,
            uint32_t refs)
{
    struct bsl *b = t->impl;
    struct bsl_level *lv = &b->levels[m];
    const uint64_t *mask = &b->masks[(size_t) m * b->kw];
    struct bsl_array *a = level_array(lv);
    uint32_t hash = level_hash(t, b, m, ovsp4_entry_value(e));
    uint32_t i;

    if (!a || (uint64_t) (lv->n_used + 1) * 4 > (uint64_t) (a->mask + 1) * 3) {
        lv->n++;
        if (!level_rebuild(t, lv, slots_for(lv->n))) {
            lv->n--;
            return false;
        }
        lv->n--;
        a = level_array(lv);
    }
    /* Only never-used slots: see the comment on level tables. */
    for (i = hash & a->mask;
         atomic_load_explicit(&slot_at(a, i)->tag, memory_order_relaxed);
         i = (i + 1) & a->mask) {
        continue;
    }
    struct bsl_slot *s = slot_at(a, i);
    for (uint32_t w = 0; w < b->kw; w++) {
        s->key[w] = e->match[w] & mask[w];
    }
    atomic_store_explicit(&s->bmp, bmp, memory_order_relaxed);
    atomic_store_explicit(&s->tag, hash_tag(hash), memory_order_release);
    lv->ctl[i] = (struct bsl_ctl) { prefix, refs };
    lv->n++;
    lv->n_used++;
    return true;
}

static void
node_delete(struct ovsp4_table *t, uint32_t m, uint32_t i)
{
    struct bsl *b = t->impl;
    struct bsl_level *lv = &b->levels[m];
    struct bsl_array *a = level_array(lv);

    atomic_store_explicit(&slot_at(a, i)->tag, TAG_TOMB, memory_order_release);
    lv->ctl[i] = (struct bsl_ctl) { NULL, 0 };
    lv->n--;
    if (!lv->n) {
        level_rebuild(t, lv, 0);        /* publishes NULL: cannot fail */
    } else if (a->mask + 1 > 8 && lv->n < (a->mask + 1) / 8) {
        level_rebuild(t, lv, slots_for(lv->n));  /* failure is harmless */
    }
}

/* Control-side view of a node: the slot and its control fields. */
struct node_ref {
    struct bsl_slot *s;
    struct bsl_ctl *ctl;
    uint32_t idx;
};

static bool
node_find(const struct ovsp4_table *t, uint32_t m,
          const struct ovsp4_entry *e, struct node_ref *ref)
{
    const struct bsl *b = t->impl;

    ref->s = probe(t, b, m, ovsp4_entry_value(e), &ref->idx);
    ref->ctl = ref->s ? &b->levels[m].ctl[ref->idx] : NULL;
    return ref->s != NULL;
}

/* --- Control side: prefixes --------------------------------------------- */

/* The levels where the search for length `len` turns to longer lengths. */
static uint32_t
path_markers(const struct bsl *b, uint32_t len, uint32_t *out)
{
    int lo = 0, hi = b->width;
    uint32_t n = 0;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;

        if ((uint32_t) mid == len) {
            break;
        } else if ((uint32_t) mid < len) {
            out[n++] = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return n;
}

/* Treap of the table's prefixes, ordered by exact fields, then LPM value,
 * then prefix length, so that the prefixes below P directly follow P. */

#define T_LEFT(E) ((struct ovsp4_entry *) CTL(E)->algo_ptr[0])
#define T_RIGHT(E) ((struct ovsp4_entry *) CTL(E)->algo_ptr[1])
#define T_PRIO(E) (CTL(E)->algo_u32)
/* The covering prefix: the longest shorter prefix containing E. */
#define PARENT(E) ((struct ovsp4_entry *) CTL(E)->algo_ptr[2])

/* memcmp() without the call: big-endian words compare as numbers. */
static inline int
bytes_cmp(const uint8_t *x, const uint8_t *y, uint32_t n)
{
    for (; n >= 8; n -= 8, x += 8, y += 8) {
        uint64_t a = __builtin_bswap64(ovsp4_load64(x));
        uint64_t b = __builtin_bswap64(ovsp4_load64(y));

        if (a != b) {
            return a < b ? -1 : 1;
        }
    }
    for (; n; n--, x++, y++) {
        if (*x != *y) {
            return *x < *y ? -1 : 1;
        }
    }
    return 0;
}

static int
treap_cmp(const struct bsl *b, const struct ovsp4_entry *x,
          const struct ovsp4_entry *y)
{
    const uint8_t *vx = ovsp4_entry_value(x), *vy = ovsp4_entry_value(y);

    for (uint32_t i = 0; i < b->n_seg; i++) {
        int c = bytes_cmp(vx + b->seg_off[i], vy + b->seg_off[i],
                          b->seg_len[i]);
        if (c) {
            return c;
        }
    }
    return (x->plen > y->plen) - (x->plen < y->plen);
}

static struct ovsp4_entry *
treap_insert(const struct bsl *b, struct ovsp4_entry *root,
             struct ovsp4_entry *e)
{
    struct ovsp4_entry *c;

    if (!root) {
        return e;
    }
    if (treap_cmp(b, e, root) < 0) {
        c = treap_insert(b, T_LEFT(root), e);
        CTL(root)->algo_ptr[0] = c;
        if (T_PRIO(c) > T_PRIO(root)) {        /* rotate right */
            CTL(root)->algo_ptr[0] = T_RIGHT(c);
            CTL(c)->algo_ptr[1] = root;
            return c;
        }
    } else {
        c = treap_insert(b, T_RIGHT(root), e);
        CTL(root)->algo_ptr[1] = c;
        if (T_PRIO(c) > T_PRIO(root)) {        /* rotate left */
            CTL(root)->algo_ptr[1] = T_LEFT(c);
            CTL(c)->algo_ptr[0] = root;
            return c;
        }
    }
    return root;
}

static struct ovsp4_entry *
treap_merge(struct ovsp4_entry *x, struct ovsp4_entry *y)
{
    if (!x) {
        return y;
    }
    if (!y) {
        return x;
    }
    if (T_PRIO(x) > T_PRIO(y)) {
        CTL(x)->algo_ptr[1] = treap_merge(T_RIGHT(x), y);
        return x;
    }
    CTL(y)->algo_ptr[0] = treap_merge(x, T_LEFT(y));
    return y;
}

static struct ovsp4_entry *
treap_erase(const struct bsl *b, struct ovsp4_entry *root,
            struct ovsp4_entry *e)
{
    if (root == e) {
        return treap_merge(T_LEFT(e), T_RIGHT(e));
    }
    if (treap_cmp(b, e, root) < 0) {
        CTL(root)->algo_ptr[0] = treap_erase(b, T_LEFT(root), e);
    } else {
        CTL(root)->algo_ptr[1] = treap_erase(b, T_RIGHT(root), e);
    }
    return root;
}

/* The greatest prefix ordered before `e`, or NULL. */
static struct ovsp4_entry *
treap_pred(const struct bsl *b, struct ovsp4_entry *n,
           const struct ovsp4_entry *e)
{
    struct ovsp4_entry *best = NULL;

    while (n) {
        if (treap_cmp(b, n, e) < 0) {
            best = n;
            n = T_RIGHT(n);
        } else {
            n = T_LEFT(n);
        }
    }
    return best;
}

/* Is `q` a longer prefix inside `p`? */
static bool
is_below(const struct ovsp4_table *t, const struct ovsp4_entry *p,
         const struct ovsp4_entry *q)
{
    const struct bsl *b = t->impl;

    return q->plen > p->plen
           && ovsp4_masked_equal(ovsp4_entry_value(q), t->key_len, p->match,
                                 &b->masks[(size_t) p->plen * b->kw],
                                 &b->widx[(size_t) p->plen * b->kw],
                                 b->n_widx[p->plen]);
}

/* Sets to `to` the bmp of prefix q's markers at levels above p's length whose bmp is `from` (any shorter than p's
 * length when `from` is NULL). */
static void
retarget(struct ovsp4_table *t, const struct ovsp4_entry *p,
         const struct ovsp4_entry *q, const struct ovsp4_entry *from,
         struct ovsp4_entry *to)
{
    uint32_t lv[MAX_MARKERS];
    uint32_t n = path_markers(t->impl, q->plen, lv);

    /* q's own node needs nothing: its bmp is q. */
    for (uint32_t i = 0; i < n; i++) {
        struct ovsp4_entry *bmp;
        struct node_ref node;

        if (lv[i] <= p->plen || !node_find(t, lv[i], q, &node)) {
            continue;
        }
        bmp = atomic_load_explicit(&node.s->bmp, memory_order_relaxed);
        if (from ? bmp == from : !bmp || bmp->plen < p->plen) {
            atomic_store_explicit(&node.s->bmp, to, memory_order_release);
        }
    }
}

/* For every prefix q below p (they follow p in treap order): when p is
 * being inserted, moves to p the nodes' bmp that p now beats and the
 * covering-prefix links that p now intercepts; when p is being removed,
 * moves them back to p's own covering prefix. */
static bool
visit_below(struct ovsp4_table *t, struct ovsp4_entry *n,
            struct ovsp4_entry *p, bool inserting)
{
    const struct bsl *b = t->impl;

    if (!n) {
        return true;
    }
    if (treap_cmp(b, n, p) > 0) {
        if (!visit_below(t, T_LEFT(n), p, inserting)) {
            return false;
        }
        if (!is_below(t, p, n)) {
            return false;
        }
        if (inserting) {
            retarget(t, p, n, NULL, p);
            if (PARENT(n) == PARENT(p)) {
                CTL(n)->algo_ptr[2] = p;
            }
        } else {
            retarget(t, p, n, p, PARENT(p));
            if (PARENT(n) == p) {
                CTL(n)->algo_ptr[2] = PARENT(p);
            }
        }
    }
    return visit_below(t, T_RIGHT(n), p, inserting);
}

/* The longest prefix strictly shorter than e's containing it (e is not in
 * the treap yet).  It is e's predecessor in treap order or one of its
 * covering prefixes: any prefix ordered between that prefix and e lies
 * below it and does not contain e. */
static struct ovsp4_entry *
find_parent(const struct ovsp4_table *t, const struct ovsp4_entry *e)
{
    const struct bsl *b = t->impl;
    struct ovsp4_entry *c = treap_pred(b, b->root, e);

    while (c && !is_below(t, c, e)) {
        c = PARENT(c);
    }
    return c;
}

static struct ovsp4_entry *
bsl_find(struct ovsp4_table *t, const struct ovsp4_entry *proto)
{
    struct node_ref node;

    return node_find(t, proto->plen, proto, &node) ? node.ctl->prefix : NULL;
}

static enum ovsp4_status
bsl_insert(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct bsl *b = t->impl;
    uint32_t lv[MAX_MARKERS];
    bool created[MAX_MARKERS];
    uint32_t n = path_markers(b, e->plen, lv);
    struct ovsp4_entry *parent = find_parent(t, e);
    struct node_ref node;
    uint32_t i;

    /* Markers.  A new one's bmp is the longest covering prefix not longer
     * than its level. */
    for (i = 0; i < n; i++) {
        created[i] = !node_find(t, lv[i], e, &node);
        if (!created[i]) {
            node.ctl->refs++;
        } else {
            struct ovsp4_entry *anc = parent;

            while (anc && anc->plen > lv[i]) {
                anc = PARENT(anc);
            }
            if (!node_create(t, lv[i], e, anc, NULL, 1)) {
                goto nomem;
            }
        }
    }

    if (node_find(t, e->plen, e, &node)) {
        node.ctl->prefix = e;
        atomic_store_explicit(&node.s->bmp, e, memory_order_release);
    } else if (!node_create(t, e->plen, e, e, e, 0)) {
        goto nomem;
    }

    CTL(e)->algo_ptr[2] = parent;
    visit_below(t, b->root, e, true);
    T_PRIO(e) = ovsp4_hash_finish(ovsp4_hash_add64(t->seed, CTL(e)->id), 8);
    CTL(e)->algo_ptr[0] = CTL(e)->algo_ptr[1] = NULL;
    b->root = treap_insert(b, b->root, e);
    return OVSP4_OK;

nomem:
    while (i-- > 0) {
        node_find(t, lv[i], e, &node);
        if (created[i]) {
            node_delete(t, lv[i], node.idx);
        } else {
            node.ctl->refs--;
        }
    }
    return OVSP4_E_NOMEM;
}

static void
bsl_remove(struct ovsp4_table *t, struct ovsp4_entry *e)
{
    struct bsl *b = t->impl;
    struct ovsp4_entry *cover = PARENT(e);
    uint32_t lv[MAX_MARKERS];
    uint32_t n = path_markers(b, e->plen, lv);
    struct node_ref node;

    visit_below(t, b->root, e, false);

    node_find(t, e->plen, e, &node);
    if (node.ctl->refs) {
        node.ctl->prefix = NULL;
        atomic_store_explicit(&node.s->bmp, cover, memory_order_release);
    } else {
        node_delete(t, e->plen, node.idx);
    }

    /* Longest markers first: a racing lookup may then still turn towards
     * longer lengths, and find nothing there but valid bmps. */
    for (uint32_t i = n; i-- > 0; ) {
        node_find(t, lv[i], e, &node);
        if (!--node.ctl->refs && !node.ctl->prefix) {
            node_delete(t, lv[i], node.idx);
        }
    }
    b->root = treap_erase(b, b->root, e);
}

static void
bsl_clear(struct ovsp4_table *t)
{
    struct bsl *b = t->impl;

    for (uint32_t m = 0; m <= b->width; m++) {
        b->levels[m].n = 0;
        level_rebuild(t, &b->levels[m], 0);
    }
    b->root = NULL;
}

static void
bsl_destroy(struct ovsp4_table *t)
{
    struct bsl *b = t->impl;

    for (uint32_t m = 0; b->levels && m <= b->width; m++) {
        array_free(level_array(&b->levels[m]));
        free(b->levels[m].ctl);
    }
    free(b->levels);
    free(b->masks);
    free(b->widx);
    free(b->n_widx);
    free(b);
}

static enum ovsp4_status
bsl_init(struct ovsp4_table *t)
{
    const struct ovsp4_field_desc *lpm = &t->fields[t->lpm_field];
    struct bsl *b = calloc(1, sizeof *b);
    uint32_t n_levels = lpm->width + 1;
    uint8_t *mask;

    if (!b) {
        return OVSP4_E_NOMEM;
    }
    t->impl = b;
    b->width = lpm->width;
    b->kw = t->kl / 8;
    b->slot_size = sizeof(struct bsl_slot) + b->kw * sizeof(uint64_t);
    b->masks = calloc((size_t) n_levels * b->kw, sizeof *b->masks);
    b->widx = calloc((size_t) n_levels * b->kw, sizeof *b->widx);
    b->n_widx = calloc(n_levels, sizeof *b->n_widx);
    b->levels = calloc(n_levels, sizeof *b->levels);
    if (!b->masks || !b->widx || !b->n_widx || !b->levels) {
        bsl_destroy(t);
        return OVSP4_E_NOMEM;
    }

    for (uint32_t m = 0; m < n_levels; m++) {
        mask = (uint8_t *) &b->masks[(size_t) m * b->kw];
        for (uint32_t i = 0; i < t->n_fields; i++) {
            const struct ovsp4_field_desc *f = &t->fields[i];
            ovsp4_prefix_mask(mask + f->offset, f,
                              f->kind == OVSP4_MATCH_LPM ? m : f->width);
        }
        for (uint32_t w = 0; w < b->kw; w++) {
            if (b->masks[(size_t) m * b->kw + w]) {
                b->widx[(size_t) m * b->kw + b->n_widx[m]++] = w;
            }
        }
        atomic_init(&b->levels[m].arr, NULL);
    }

    for (uint32_t i = 0; i < t->n_fields; i++) {
        if (t->fields[i].kind == OVSP4_MATCH_EXACT) {
            b->seg_off[b->n_seg] = t->fields[i].offset;
            b->seg_len[b->n_seg++] = ovsp4_field_bytes(&t->fields[i]);
        }
    }
    b->seg_off[b->n_seg] = lpm->offset;
    b->seg_len[b->n_seg++] = ovsp4_field_bytes(lpm);
    return OVSP4_OK;
}

static void
bsl_stats(struct ovsp4_table *t, struct ovsp4_table_stats *st)
{
    const struct bsl *b = t->impl;

    for (uint32_t m = 0; m <= b->width; m++) {
        st->n_subtables += b->levels[m].n > 0;
        st->n_nodes += b->levels[m].n;
    }
}

const struct ovsp4_table_class ovsp4_table_lpm_bsl_class = {
    .algo = OVSP4_ALGO_LPM_BSL,
    .name = "lpm-bsl",
    .init = bsl_init,
    .destroy = bsl_destroy,
    .lookup = bsl_lookup,
    .find = bsl_find,
    .insert = bsl_insert,
    .remove = bsl_remove,
    .clear = bsl_clear,
    .stats = bsl_stats,
};
