/*
 * hammer: packet threads and a control thread on one pipeline at once.
 *
 *   hammer PIPELINE.so REQUESTS SECONDS THREADS
 *
 * For the P4 tutorials' basic.p4 with routes 10.0.R.0/24 that the requests
 * in REQUESTS (control-protocol messages, u32 LE length first) insert,
 * modify and delete over and over.  A route's action data encodes R: MAC
 * 02:00:00:00:00:R with port R % 8 + 1, or after a modify MAC
 * 04:00:00:00:00:R with port R % 8 + 2.  Each packet thread sends packets
 * to 10.0.R.1 and checks every forwarded packet: its MAC and port must be
 * one of those two consistent pairs for its R -- never a mix, never
 * another route's.  Prints counts; exits 1 on any inconsistency.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ovsp4/pipeline.h"

#define BATCH 32
#define HEADROOM 128

static const struct ovsp4_pipeline_def *def;
static struct ovsp4_instance *inst;
static atomic_bool stop;
static atomic_ullong forwarded, dropped, bad;

static void
ignore_event(void *aux, const uint8_t *msg, size_t len)
{
    (void) aux;
    (void) msg;
    (void) len;
}

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void
make_packet(uint8_t *p, unsigned r)
{
    static const uint8_t tmpl[34] = {
        0x08, 0, 0, 0, 0, 0x01, 0x08, 0, 0, 0, 0, 0x02, 0x08, 0x00,
        0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
    };
    memcpy(p, tmpl, sizeof tmpl);
    p[32] = r;
    uint32_t sum = 0;
    for (int i = 14; i < 34; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = ~((sum & 0xffff) + (sum >> 16)) & 0xffff;
    p[24] = sum >> 8;
    p[25] = sum;
}

static void *
packet_thread(void *arg)
{
    unsigned seed = (unsigned) (uintptr_t) arg;
    struct ovsp4_thread *t = def->thread_create(inst);
    static __thread uint8_t bufs[BATCH][HEADROOM + 64];
    struct ovsp4_packet pkts[BATCH];
    struct ovsp4_output out[BATCH * 4];
    unsigned rs[BATCH];

    if (!t) {
        fprintf(stderr, "thread_create failed\n");
        exit(2);
    }
    while (!atomic_load(&stop)) {
        for (int i = 0; i < BATCH; i++) {
            rs[i] = rand_r(&seed) % 64;
            make_packet(bufs[i] + HEADROOM, rs[i]);
            pkts[i] = (struct ovsp4_packet) { .data = bufs[i] + HEADROOM,
                                              .len = 34, .headroom = HEADROOM,
                                              .in_port = 1 };
        }
        uint32_t n = def->process_batch(t, pkts, BATCH, out,
                                        BATCH * 4, now_ns());
        atomic_fetch_add(&dropped, BATCH - n);
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *d = out[i].in_place ? pkts[out[i].input].data
                                               : out[i].data;
            unsigned r = rs[out[i].input];
            int ok = d[1] == 0 && d[2] == 0 && d[3] == 0 && d[4] == 0
                     && d[5] == r
                     && ((d[0] == 0x02 && out[i].port == r % 8 + 1)
                         || (d[0] == 0x04 && out[i].port == r % 8 + 2));
            if (!ok) {
                if (atomic_fetch_add(&bad, 1) < 5) {
                    fprintf(stderr, "inconsistent output for route %u: mac "
                            "%02x:..:%02x port %u\n", r, d[0], d[5],
                            out[i].port);
                }
            } else {
                atomic_fetch_add(&forwarded, 1);
            }
        }
    }
    def->thread_destroy(t);
    return NULL;
}

int
main(int argc, char *argv[])
{
    if (argc != 5) {
        fprintf(stderr, "usage: hammer PIPELINE.so REQUESTS SECONDS THREADS\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    ovsp4_pipeline_get_fn get = h ? (ovsp4_pipeline_get_fn)
        dlsym(h, OVSP4_PIPELINE_SYMBOL) : NULL;
    if (!get || !(def = get()) || def->abi_version != OVSP4_ABI_VERSION) {
        fprintf(stderr, "%s: not a pipeline\n", argv[1]);
        return 2;
    }
    struct ovsp4_instance_config cfg = { .max_threads = 4, .seed = 1 };
    inst = def->instance_create(&cfg);

    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *reqs = malloc(len);
    if (fread(reqs, 1, len, f) != (size_t) len) {
        return 2;
    }
    fclose(f);

    int n_threads = atoi(argv[4]);
    pthread_t th[8];
    for (int i = 0; i < n_threads && i < 8; i++) {
        pthread_create(&th[i], NULL, packet_thread, (void *) (uintptr_t) (i + 1));
    }

    uint8_t reply[65536];
    uint64_t deadline = now_ns() + (uint64_t) (atof(argv[3]) * 1e9);
    unsigned long long ops = 0, failed = 0;
    while (now_ns() < deadline) {
        for (long off = 0; off + 16 <= len;) {
            uint32_t mlen = reqs[off] | reqs[off + 1] << 8 | reqs[off + 2] << 16
                            | (uint32_t) reqs[off + 3] << 24;
            size_t r = def->control(inst, reqs + off, mlen, reply, sizeof reply);
            uint32_t status = r >= 16 ? reply[12] | reply[13] << 8 : 1;
            if (status) {
                failed++;
            }
            ops++;
            off += mlen;
        }
        def->poll_events(inst, ignore_event, NULL, 1024);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < n_threads && i < 8; i++) {
        pthread_join(th[i], NULL);
    }
    def->instance_destroy(inst);
    printf("control_ops=%llu control_failed=%llu forwarded=%llu dropped=%llu "
           "inconsistent=%llu\n", ops, failed,
           (unsigned long long) forwarded, (unsigned long long) dropped,
           (unsigned long long) bad);
    return bad ? 1 : 0;
}
