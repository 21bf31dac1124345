/*
 * pipeline_bench: packets per second through a pipeline .so, and the two
 * baselines it is compared with, measured by the same loop.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 *   pipeline_bench pipeline PIPELINE.so CONTROL PACKETS SECONDS
 *       load the pipeline, apply the control-protocol requests in CONTROL,
 *       then run the packets of PACKETS through it in batches of 32
 *   pipeline_bench touch PACKETS SECONDS
 *       the memory ceiling: copy each packet into its buffer, touch it, and
 *       "forward" it, nothing else
 *   pipeline_bench basic ROUTES PACKETS SECONDS
 *       hand-written C doing exactly what the P4 tutorials' basic.p4 does
 *       (parse Ethernet/IPv4, LPM on the destination in the runtime's own
 *       LPM table, rewrite MACs, decrement TTL, update the checksum, set
 *       the port)
 *   pipeline_bench insert PIPELINE.so CONTROL
 *       time applying the control requests (table insert rate)
 *
 * Every packet mode copies each packet template into a buffer with
 * headroom before processing, as a NIC would have written it, so the copy
 * is in all three figures alike.  Output: one line "key=value ...".
 *
 * File formats (written by benchmarks/simulator_bench.py):
 *   CONTROL   concatenated control-protocol messages (u32 LE length first)
 *   PACKETS   records: u16 LE length, u16 LE ingress port, bytes
 *   ROUTES    records: u32 BE prefix, u8 prefix length, u8[6] dmac, u16 LE port
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ovsp4/pipeline.h"
#include "rcu.h"
#include "table.h"

#define BATCH 32
#define HEADROOM 128
#define BUF_SIZE 2048

struct templ {
    uint16_t len, port;
    const uint8_t *data;
};

static uint8_t *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf || fread(buf, 1, n, f) != (size_t) n) {
        fprintf(stderr, "%s: read failed\n", path);
        exit(2);
    }
    fclose(f);
    *len = n;
    return buf;
}

static struct templ *
load_packets(const char *path, size_t *n)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    size_t cap = 1024, count = 0;
    struct templ *t = malloc(cap * sizeof *t);
    for (size_t off = 0; off + 4 <= len;) {
        uint16_t plen = buf[off] | buf[off + 1] << 8;
        uint16_t port = buf[off + 2] | buf[off + 3] << 8;
        if (off + 4 + plen > len || plen > BUF_SIZE - HEADROOM) {
            fprintf(stderr, "%s: bad packet record\n", path);
            exit(2);
        }
        if (count == cap) {
            cap *= 2;
            t = realloc(t, cap * sizeof *t);
        }
        t[count++] = (struct templ) { plen, port, buf + off + 4 };
        off += 4 + plen;
    }
    *n = count;
    return t;
}

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* The common loop: fill a batch from the templates, hand it to `fn`. */
typedef uint32_t batch_fn(void *aux, struct ovsp4_packet *, uint32_t n,
                          uint64_t now);

static void
run_loop(const char *mode, struct templ *t, size_t n_templ, double seconds,
         batch_fn *fn, void *aux)
{
    static uint8_t bufs[BATCH][BUF_SIZE] __attribute__((aligned(64)));
    struct ovsp4_packet pkts[BATCH];
    uint64_t packets = 0, outputs = 0, bytes = 0;
    size_t next = 0;
    uint64_t start = now_ns(), deadline = start + (uint64_t) (seconds * 1e9);
    uint64_t now = start;

    do {
        for (int rep = 0; rep < 64; rep++) {
            for (int i = 0; i < BATCH; i++) {
                const struct templ *tp = &t[next];
                next = next + 1 == n_templ ? 0 : next + 1;
                memcpy(bufs[i] + HEADROOM, tp->data, tp->len);
                pkts[i] = (struct ovsp4_packet) {
                    .data = bufs[i] + HEADROOM, .len = tp->len,
                    .headroom = HEADROOM, .in_port = tp->port,
                };
                bytes += tp->len;
            }
            outputs += fn(aux, pkts, BATCH, now);
            packets += BATCH;
        }
        now = now_ns();
    } while (now < deadline);

    double elapsed = (now - start) / 1e9;
    printf("mode=%s packets=%llu outputs=%llu seconds=%.3f mpps=%.3f "
           "ns_per_packet=%.2f gbps=%.2f\n", mode,
           (unsigned long long) packets, (unsigned long long) outputs,
           elapsed, packets / elapsed / 1e6, elapsed * 1e9 / packets,
           bytes * 8 / elapsed / 1e9);
}

/* --- touch: the memory ceiling ------------------------------------------- */

static uint32_t
touch_batch(void *aux, struct ovsp4_packet *pkts, uint32_t n, uint64_t now)
{
    volatile uint64_t *sink = aux;
    (void) now;
    for (uint32_t i = 0; i < n; i++) {
        /* Read the headers and write one byte, as any forwarder must. */
        uint8_t *p = pkts[i].data;
        *sink += p[0] ^ p[pkts[i].len - 1];
        p[14 + 8] ^= 0;
    }
    return n;
}

/* --- basic.p4, by hand --------------------------------------------------- */

struct nexthop {
    uint8_t dmac[6];
    uint16_t port;
};

struct basic {
    struct ovsp4_table *lpm;
    uint64_t dropped;
};

static uint32_t
basic_batch(void *aux, struct ovsp4_packet *pkts, uint32_t n, uint64_t now)
{
    struct basic *b = aux;
    uint32_t out = 0;

    (void) now;                 /* basic.p4 has no direct counters, no timeouts */
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *p = pkts[i].data;
        if (pkts[i].len < 34 || p[12] != 0x08 || p[13] != 0x00
            || (p[14] >> 4) != 4) {
            b->dropped++;
            continue;
        }
        const struct ovsp4_entry *e = ovsp4_table_lookup(b->lpm, p + 30);
        if (!e) {
            b->dropped++;       /* default action drop() */
            continue;
        }
        const struct ovsp4_action *a = ovsp4_entry_action(e);
        struct nexthop nh;
        memcpy(&nh, a->data, sizeof nh);
        /* ipv4_forward: srcAddr = old dstAddr; dstAddr = param; ttl - 1. */
        memcpy(p + 6, p, 6);
        memcpy(p, nh.dmac, 6);
        p[22]--;
        /* Incremental checksum update (RFC 1624) for the TTL change. */
        uint32_t sum = (uint32_t) ((p[24] << 8) | p[25]) + 0x0100;
        sum = (sum & 0xffff) + (sum >> 16);
        p[24] = sum >> 8;
        p[25] = sum;
        out++;
    }
    return out;
}

static struct ovsp4_table *
load_routes(const char *path, struct ovsp4_rcu *rcu)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    size_t n = len / 13;
    struct ovsp4_field_desc field = { .offset = 0, .width = 32,
                                      .kind = OVSP4_MATCH_LPM };
    struct ovsp4_table_desc desc = {
        .name = "basic.ipv4_lpm", .key_len = 4, .n_fields = 1,
        .fields = &field, .max_size = n + 16,
        .action_data_size = sizeof(struct nexthop), .default_action_id = 0,
        .seed = 1,
    };
    enum ovsp4_status error;
    struct ovsp4_table *t = ovsp4_table_create(&desc, rcu, &error);
    if (!t) {
        fprintf(stderr, "table create failed: %d\n", error);
        exit(2);
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *r = buf + i * 13;
        struct nexthop nh;
        memcpy(nh.dmac, r + 5, 6);
        nh.port = r[11] | r[12] << 8;
        struct ovsp4_field_match fm = { .value = r, .prefix_len = r[4] };
        struct ovsp4_match m = { .fields = &fm, .priority = 0 };
        struct ovsp4_entry_spec spec = {
            .action_id = 1, .action_data = (const uint8_t *) &nh,
            .action_data_len = sizeof nh,
        };
        enum ovsp4_status s = ovsp4_table_insert(t, &m, &spec);
        if (s != OVSP4_OK && s != OVSP4_E_EXISTS) {
            fprintf(stderr, "route %zu: insert failed: %d\n", i, s);
            exit(2);
        }
    }
    free(buf);
    return t;
}

/* --- pipeline ------------------------------------------------------------ */

struct pipe {
    const struct ovsp4_pipeline_def *def;
    struct ovsp4_instance *inst;
    struct ovsp4_thread *thread;
    struct ovsp4_output out[BATCH * 8];
};

static uint32_t
pipe_batch(void *aux, struct ovsp4_packet *pkts, uint32_t n, uint64_t now)
{
    struct pipe *p = aux;
    return p->def->process_batch(p->thread, pkts, n, p->out,
                                 sizeof p->out / sizeof p->out[0], now);
}

static void
pipe_open(struct pipe *p, const char *so)
{
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        exit(2);
    }
    ovsp4_pipeline_get_fn get = (ovsp4_pipeline_get_fn)
        dlsym(h, OVSP4_PIPELINE_SYMBOL);
    if (!get || !(p->def = get())
        || p->def->abi_version != OVSP4_ABI_VERSION) {
        fprintf(stderr, "%s: not a pipeline of ABI %d\n", so,
                OVSP4_ABI_VERSION);
        exit(2);
    }
    struct ovsp4_instance_config cfg = { .cpu_port = 0, .max_threads = 1,
                                         .seed = 1 };
    p->inst = p->def->instance_create(&cfg);
    p->thread = p->def->thread_create(p->inst);
    if (!p->inst || !p->thread) {
        fprintf(stderr, "%s: instance or thread creation failed\n", so);
        exit(2);
    }
}

/* Applies every request of a CONTROL file; returns the number of requests. */
static size_t
pipe_control(struct pipe *p, const char *path, double *seconds)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    size_t cap = 1 << 20, n = 0;
    uint8_t *reply = malloc(cap);
    uint64_t start = now_ns();
    for (size_t off = 0; off + 16 <= len;) {
        uint32_t mlen = buf[off] | buf[off + 1] << 8 | buf[off + 2] << 16
                        | (uint32_t) buf[off + 3] << 24;
        if (mlen < 16 || off + mlen > len) {
            fprintf(stderr, "%s: bad message at %zu\n", path, off);
            exit(2);
        }
        size_t rlen = p->def->control(p->inst, buf + off, mlen, reply, cap);
        uint32_t status = rlen >= 16 ? (reply[12] | reply[13] << 8
                                        | reply[14] << 16
                                        | (uint32_t) reply[15] << 24) : 1;
        if (status) {
            fprintf(stderr, "%s: request %zu failed: status %u\n", path, n,
                    status);
            exit(2);
        }
        off += mlen;
        n++;
    }
    *seconds = (now_ns() - start) / 1e9;
    free(reply);
    free(buf);
    return n;
}

int
main(int argc, char *argv[])
{
    if (argc >= 6 && !strcmp(argv[1], "pipeline")) {
        struct pipe *p = calloc(1, sizeof *p);
        size_t n_templ;
        double t;
        pipe_open(p, argv[2]);
        pipe_control(p, argv[3], &t);
        struct templ *tp = load_packets(argv[4], &n_templ);
        run_loop("pipeline", tp, n_templ, atof(argv[5]), pipe_batch, p);
    } else if (argc >= 4 && !strcmp(argv[1], "touch")) {
        size_t n_templ;
        static volatile uint64_t sink;
        struct templ *tp = load_packets(argv[2], &n_templ);
        run_loop("touch", tp, n_templ, atof(argv[3]), touch_batch,
                 (void *) &sink);
    } else if (argc >= 5 && !strcmp(argv[1], "basic")) {
        struct basic b = { 0 };
        struct ovsp4_rcu *rcu = ovsp4_rcu_create();
        size_t n_templ;
        b.lpm = load_routes(argv[2], rcu);
        struct templ *tp = load_packets(argv[3], &n_templ);
        run_loop("basic-by-hand", tp, n_templ, atof(argv[4]), basic_batch,
                 &b);
    } else if (argc >= 4 && !strcmp(argv[1], "insert")) {
        struct pipe *p = calloc(1, sizeof *p);
        double t;
        pipe_open(p, argv[2]);
        size_t n = pipe_control(p, argv[3], &t);
        printf("mode=insert requests=%zu seconds=%.3f\n", n, t);
    } else {
        fprintf(stderr, "usage: see the comment at the top of %s\n",
                __FILE__);
        return 2;
    }
    return 0;
}
