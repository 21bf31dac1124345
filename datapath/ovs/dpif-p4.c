/*
 * OvS.p4: the "p4" datapath type.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * Contents:
 *
 *   - Registry: the P4 bridges, as configured by bridge.c (name, interface
 *     name -> ofport, pipeline path), under 'p4_mutex'.
 *
 *   - Pipelines: a pipeline .so (pipeline.h) loaded with dlopen(), one
 *     instance per bridge, refcounted.  Per packet thread state ("slots",
 *     indexed by the thread's static Tx queue id) is created lazily by the
 *     thread itself on its first batch.
 *
 *   - Maps: per datapath, an RCU-protected immutable snapshot that the
 *     packet path reads: odp port -> (bridge, P4 port) and, per bridge,
 *     P4 port -> odp port plus the bridge's pipeline.  Any change (bridge
 *     configuration, pipeline swap, datapath port added or deleted)
 *     publishes a new snapshot; the old one, and with it the last
 *     reference to a replaced pipeline, goes after an RCU grace period, so
 *     that packet threads finish their batch on the old pipeline and a swap
 *     drops no packet.
 *
 *   - Packet path: dp_p4_input(), called by dpif-netdev for each received
 *     batch, and the periodic hooks of the packet threads.
 *
 *   - Control sockets: one thread serves <rundir>/<bridge>.p4ctl for every
 *     P4 bridge: length-prefixed messages (u32 little-endian, the whole
 *     message) passed to the pipeline's control(), replies written back,
 *     events from poll_events() sent to every client.  The outputs listed
 *     in a PACKET_OUT reply are transmitted on the bridge's ports, as the
 *     datapath's non-PMD thread, before the reply is sent.
 *
 *   - The dpif class ("p4": dpif_netdev_class with port_add, port_del and
 *     run wrapped) and the "p4/show" unixctl command.
 */

#include <config.h>

#include "dpif-p4.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage.h"
#include "dirs.h"
#include "dp-packet.h"
#include "dpif-netdev.h"
#include "dpif-netdev-perf.h"
#include "dpif-netdev-private-thread.h"
#include "dpif-provider.h"
#include "hash.h"
#include "netdev.h"
#include "odp-util.h"
#include "openflow/openflow.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/list.h"
#include "openvswitch/ofpbuf.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "ovsp4/pipeline.h"
#include "random.h"
#include "seq.h"
#include "simap.h"
#include "smap.h"
#include "socket-util.h"
#include "sset.h"
#include "stream.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(dpif_p4);

COVERAGE_DEFINE(p4_drop_not_p4_port);   /* received on no P4 bridge's port */
COVERAGE_DEFINE(p4_drop_no_pipeline);   /* the bridge has no pipeline */
COVERAGE_DEFINE(p4_drop_no_thread);     /* thread_create() failed */
COVERAGE_DEFINE(p4_drop_bad_port);      /* egress to no port of the bridge */
COVERAGE_DEFINE(p4_drop_controller);    /* OVSP4_OUT_CONTROLLER output */
COVERAGE_DEFINE(p4_pktout_tx);          /* packet-out output transmitted */
COVERAGE_DEFINE(p4_drop_pktout_bad_port); /* ... to no port of the bridge */

/* Outputs one batch may produce (multicast replicas included). */
#define P4_MAX_OUTPUTS 1024

/* Control protocol limits. */
#define P4CTL_MAX_REQUEST (64u << 20)
#define P4CTL_MIN_REPLY (1u << 20)      /* > 64 KiB: control() never fails */
#define P4CTL_MAX_REPLY (256u << 20)
#define P4CTL_MAX_BACKLOG (64u << 20)   /* unsent bytes before events drop */
#define P4CTL_EVENTS_PER_POLL 1024

/* --- Data structures ---------------------------------------------------- */

/* A packet thread's state for one pipeline. */
struct p4_slot {
    struct ovsp4_thread *thread;
    /* Statistics, written by the owning thread only. */
    uint64_t n_rx;
    uint64_t n_tx;
    uint64_t n_drop;
    struct ovsp4_packet pkts[NETDEV_MAX_BURST];
    struct ovsp4_output outs[P4_MAX_OUTPUTS];
};

/* A loaded pipeline .so and its instance (one per bridge). */
struct p4_pipeline {
    struct ovs_refcount ref_cnt;
    char *path;                         /* as configured */
    void *dl;
    int fd;                             /* memory file with the .so, or -1 */
    const struct ovsp4_pipeline_def *def;
    struct ovsp4_instance *inst;
    uint32_t cpu_port;
    long long int loaded_msec;          /* wall clock */

    uint32_t n_slots;
    ATOMIC(struct p4_slot *) *slots;    /* [n_slots] */
    atomic_uint64_t dead_rx, dead_tx, dead_drop;    /* of released slots */
};

/* A P4 bridge, as configured by bridge.c. */
struct p4_bridge {
    struct hmap_node node;              /* In 'p4_bridges', by name. */
    struct ovs_refcount ref_cnt;
    char *name;
    char *ctl_path;                     /* control socket */
    struct simap ports;                 /* interface name -> ofport */
    bool removed;                       /* Not in 'p4_bridges' any more. */

    /* Pipeline configuration, as last attempted. */
    char *so_path;                      /* other_config:p4-pipeline */
    struct stat so_stat;                /* of 'so_path' when loaded */
    uint32_t cpu_port;                  /* other_config:p4-cpu-port */
    uint64_t generation;                /* other_config:p4-generation */
    char *error;                        /* last load error, or NULL */

    struct p4_pipeline *pipe;           /* current, or NULL */
    atomic_count n_clients;             /* control socket clients */

    /* Packet-outs, written by the control thread only. */
    atomic_uint64_t n_pktout;           /* PACKET_OUT requests that ran */
    atomic_uint64_t n_pktout_tx;        /* outputs transmitted */
    atomic_uint64_t n_pktout_drop;      /* outputs to no port */
};

/* A bridge in a snapshot. */
struct p4_brmap {
    struct p4_bridge *br;               /* reference */
    struct p4_pipeline *pipe;           /* reference, or NULL */
    uint32_t n_p4;                      /* P4 port numbers < n_p4 */
    odp_port_t *p4_to_odp;              /* ODPP_NONE: no such port */
};

struct p4_bind {
    struct p4_brmap *brm;               /* NULL: not a port of a P4 bridge */
    uint32_t p4_port;
};

/* What the packet path reads: immutable once published. */
struct p4_map {
    size_t n_brs;
    struct p4_brmap *brs;
    uint32_t n_odp;
    struct p4_bind *by_odp;             /* [odp port] */
};

/* The P4 state of a dp_netdev of type "p4". */
struct dp_p4 {
    struct ovs_list node;               /* In 'p4_dps'. */
    char *name;
    uint32_t n_slots;
    struct simap ports;                 /* netdev name -> odp port */
    OVSRCU_TYPE(struct p4_map *) map;
};

static struct ovs_mutex p4_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap p4_bridges OVS_GUARDED_BY(p4_mutex)
    = HMAP_INITIALIZER(&p4_bridges);
static struct ovs_list p4_dps OVS_GUARDED_BY(p4_mutex)
    = OVS_LIST_INITIALIZER(&p4_dps);
static uint32_t p4_n_slots OVS_GUARDED_BY(p4_mutex) = 1;
static unsigned int p4_load_serial OVS_GUARDED_BY(p4_mutex);
static struct seq *p4_seq;              /* Registry changed (control). */

static struct dpif_class dpif_p4_class;

static void p4ctl_start(void);

/* --- Pipelines ----------------------------------------------------------- */

static struct p4_pipeline *
p4_pipeline_ref(struct p4_pipeline *pipe)
{
    if (pipe) {
        ovs_refcount_ref(&pipe->ref_cnt);
    }
    return pipe;
}

static void
p4_slot_destroy(struct p4_pipeline *pipe, struct p4_slot *slot)
{
    pipe->def->thread_destroy(slot->thread);
    free_cacheline(slot);
}

static void
p4_pipeline_destroy(struct p4_pipeline *pipe)
{
    for (uint32_t i = 0; i < pipe->n_slots; i++) {
        struct p4_slot *slot;

        atomic_read_explicit(&pipe->slots[i], &slot, memory_order_acquire);
        if (slot) {
            p4_slot_destroy(pipe, slot);
        }
    }
    pipe->def->instance_destroy(pipe->inst);
    dlclose(pipe->dl);
    if (pipe->fd >= 0) {
        close(pipe->fd);
    }
    free(pipe->slots);
    free(pipe->path);
    free(pipe);
}

static void
p4_pipeline_unref(struct p4_pipeline *pipe)
{
    if (pipe && ovs_refcount_unref(&pipe->ref_cnt) == 1) {
        p4_pipeline_destroy(pipe);
    }
}

/* Copies the file 'src' into 'out' (an open file). */
static int
p4_copy_into(const char *src, int out)
{
    char buf[65536];
    int in, error = 0;
    ssize_t n;

    in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return errno;
    }
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = errno;
            break;
        }
        for (ssize_t done = 0; done < n; ) {
            ssize_t w = write(out, buf + done, n - done);

            if (w < 0) {
                if (errno == EINTR) {
                    continue;
                }
                error = errno;
                goto exit;
            }
            done += w;
        }
    }
exit:
    close(in);
    return error;
}

/* dlopen()s a private copy of the .so at 'path'.
 *
 * dlopen() returns the already loaded object for a path (or a file) it has
 * seen, even if the file was replaced since (a recompiled program), so the
 * .so is copied into an anonymous memory file, which is opened through a
 * symlink of a name never used before (<rundir>/.<bridge>.p4pipeline.<pid>.
 * <n>.so, unlinked at once).  The memory file also works where the run
 * directory is mounted noexec.  Without memfd_create(), the copy is a
 * plain file in the run directory.  '*fdp' is the memory file, to close
 * after dlclose(), or -1. */
static void *
p4_dlopen_copy(const char *br_name, const char *path, int *fdp,
               char **errorp)
    OVS_REQUIRES(p4_mutex)
{
    char *link = xasprintf("%s/.%s.p4pipeline.%ld.%u.so", ovs_rundir(),
                           br_name, (long) getpid(), ++p4_load_serial);
    char *target = NULL;
    const char *name = link;
    void *dl = NULL;
    int fd = -1;
    int error;

#ifdef MFD_EXEC
    fd = memfd_create("ovsp4-pipeline", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) {
        fd = memfd_create("ovsp4-pipeline", MFD_CLOEXEC);
    }
#else
    fd = memfd_create("ovsp4-pipeline", MFD_CLOEXEC);
#endif
    if (fd >= 0) {
        target = xasprintf("/proc/%ld/fd/%d", (long) getpid(), fd);
        error = p4_copy_into(path, fd);
        if (!error && symlink(target, link)) {
            /* Unique while 'fd' is open, which it is as long as the
             * pipeline is loaded. */
            name = target;
        }
    } else {
        /* No memfd_create(): a plain copy. */
        int out = open(link, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);

        if (out < 0) {
            error = errno;
        } else {
            error = p4_copy_into(path, out);
            if (close(out) && !error) {
                error = errno;
            }
        }
    }
    if (error) {
        *errorp = xasprintf("cannot copy %s%s%s: %s", path,
                            fd >= 0 ? "" : " to ", fd >= 0 ? "" : link,
                            ovs_strerror(error));
    } else {
        dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (!dl) {
            *errorp = xasprintf("dlopen %s: %s", path, dlerror());
        }
    }
    if (name == link) {
        unlink(link);
    }
    free(link);
    free(target);
    if (!dl && fd >= 0) {
        close(fd);
        fd = -1;
    }
    *fdp = fd;
    return dl;
}

/* Loads the pipeline .so at 'path' and creates an instance. */
static struct p4_pipeline *
p4_pipeline_load(const char *br_name, const char *path, uint32_t cpu_port,
                 uint64_t seed, uint32_t n_slots, char **errorp)
    OVS_REQUIRES(p4_mutex)
{
    const struct ovsp4_pipeline_def *def;
    struct ovsp4_instance_config cfg;
    struct ovsp4_instance *inst;
    ovsp4_pipeline_get_fn get;
    struct p4_pipeline *pipe;
    void *dl;
    int fd;

    *errorp = NULL;
    dl = p4_dlopen_copy(br_name, path, &fd, errorp);
    if (!dl) {
        return NULL;
    }

    get = (ovsp4_pipeline_get_fn) dlsym(dl, OVSP4_PIPELINE_SYMBOL);
    def = get ? get() : NULL;
    if (!def) {
        *errorp = xasprintf("%s: no %s() or it returned NULL", path,
                            OVSP4_PIPELINE_SYMBOL);
        goto error;
    }
    if (def->abi_version != OVSP4_ABI_VERSION) {
        *errorp = xasprintf("%s: pipeline ABI version %"PRIu32", this "
                            "ovs-vswitchd supports version %d", path,
                            def->abi_version, OVSP4_ABI_VERSION);
        goto error;
    }
    if (!def->instance_create || !def->instance_destroy
        || !def->thread_create || !def->thread_destroy
        || !def->thread_quiesce || !def->process_batch || !def->control
        || !def->poll_events) {
        *errorp = xasprintf("%s: incomplete pipeline definition", path);
        goto error;
    }

    memset(&cfg, 0, sizeof cfg);
    cfg.cpu_port = cpu_port;
    cfg.max_threads = n_slots;
    cfg.seed = seed;
    inst = def->instance_create(&cfg);
    if (!inst) {
        *errorp = xasprintf("%s: instance_create() failed", path);
        goto error;
    }

    pipe = xzalloc(sizeof *pipe);
    ovs_refcount_init(&pipe->ref_cnt);
    pipe->path = xstrdup(path);
    pipe->dl = dl;
    pipe->fd = fd;
    pipe->def = def;
    pipe->inst = inst;
    pipe->cpu_port = cpu_port;
    pipe->loaded_msec = time_wall_msec();
    pipe->n_slots = n_slots;
    pipe->slots = xcalloc(n_slots, sizeof *pipe->slots);
    for (uint32_t i = 0; i < n_slots; i++) {
        atomic_init(&pipe->slots[i], NULL);
    }
    atomic_init(&pipe->dead_rx, 0);
    atomic_init(&pipe->dead_tx, 0);
    atomic_init(&pipe->dead_drop, 0);
    return pipe;

error:
    dlclose(dl);
    if (fd >= 0) {
        close(fd);
    }
    return NULL;
}

/* The calling packet thread's slot 'idx' of 'pipe', created on first use. */
static struct p4_slot *
p4_slot_get(struct p4_pipeline *pipe, uint32_t idx)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    struct p4_slot *slot;

    if (OVS_UNLIKELY(idx >= pipe->n_slots)) {
        VLOG_WARN_RL(&rl, "packet thread index %"PRIu32" out of range",
                     idx);
        return NULL;
    }
    atomic_read_explicit(&pipe->slots[idx], &slot, memory_order_acquire);
    if (OVS_UNLIKELY(!slot)) {
        slot = xzalloc_cacheline(sizeof *slot);
        slot->thread = pipe->def->thread_create(pipe->inst);
        if (!slot->thread) {
            VLOG_WARN_RL(&rl, "%s: thread_create() failed", pipe->path);
            free_cacheline(slot);
            return NULL;
        }
        atomic_store_explicit(&pipe->slots[idx], slot, memory_order_release);
    }
    return slot;
}

static void
p4_pipeline_stats(struct p4_pipeline *pipe, uint64_t *rx, uint64_t *tx,
                  uint64_t *drop, uint32_t *n_threads)
{
    atomic_read_relaxed(&pipe->dead_rx, rx);
    atomic_read_relaxed(&pipe->dead_tx, tx);
    atomic_read_relaxed(&pipe->dead_drop, drop);
    *n_threads = 0;
    for (uint32_t i = 0; i < pipe->n_slots; i++) {
        struct p4_slot *slot;

        atomic_read_explicit(&pipe->slots[i], &slot, memory_order_acquire);
        if (slot) {
            *rx += slot->n_rx;
            *tx += slot->n_tx;
            *drop += slot->n_drop;
            ++*n_threads;
        }
    }
}

/* --- Bridges ------------------------------------------------------------- */

static struct p4_bridge *
p4_bridge_ref(struct p4_bridge *br)
{
    ovs_refcount_ref(&br->ref_cnt);
    return br;
}

static void
p4_bridge_unref(struct p4_bridge *br)
{
    if (br && ovs_refcount_unref(&br->ref_cnt) == 1) {
        ovs_assert(!br->pipe);
        simap_destroy(&br->ports);
        free(br->name);
        free(br->ctl_path);
        free(br->so_path);
        free(br->error);
        free(br);
    }
}

static struct p4_bridge *
p4_bridge_find(const char *name)
    OVS_REQUIRES(p4_mutex)
{
    struct p4_bridge *br;

    HMAP_FOR_EACH_WITH_HASH (br, node, hash_string(name, 0), &p4_bridges) {
        if (!strcmp(br->name, name)) {
            return br;
        }
    }
    return NULL;
}

/* The current pipeline of 'br', with a reference. */
static struct p4_pipeline *
p4_bridge_get_pipeline(struct p4_bridge *br)
{
    struct p4_pipeline *pipe;

    ovs_mutex_lock(&p4_mutex);
    pipe = p4_pipeline_ref(br->pipe);
    ovs_mutex_unlock(&p4_mutex);
    return pipe;
}

/* --- Maps ---------------------------------------------------------------- */

static bool
p4_ofport_is_p4_port(int ofport)
{
    /* The bridge's local port (OFPP_LOCAL) is not a P4 port. */
    return ofport > 0 && ofport < ofp_to_u16(OFPP_MAX);
}

static void
p4_map_free(struct p4_map *map)
{
    for (size_t i = 0; i < map->n_brs; i++) {
        p4_pipeline_unref(map->brs[i].pipe);
        p4_bridge_unref(map->brs[i].br);
        free(map->brs[i].p4_to_odp);
    }
    free(map->brs);
    free(map->by_odp);
    free(map);
}

/* Publishes a new snapshot of 'dp' from the registry and its ports. */
static void
p4_dp_rebuild(struct dp_p4 *dp)
    OVS_REQUIRES(p4_mutex)
{
    struct p4_map *map = xzalloc(sizeof *map);
    struct p4_map *old;
    struct p4_bridge *br;
    size_t i = 0;

    map->n_brs = hmap_count(&p4_bridges);
    map->brs = xcalloc(map->n_brs, sizeof *map->brs);

    /* Bound the odp port numbers. */
    struct simap_node *sn;
    SIMAP_FOR_EACH (sn, &dp->ports) {
        map->n_odp = MAX(map->n_odp, sn->data + 1);
    }
    map->by_odp = xcalloc(map->n_odp, sizeof *map->by_odp);

    HMAP_FOR_EACH (br, node, &p4_bridges) {
        struct p4_brmap *brm = &map->brs[i++];

        brm->br = p4_bridge_ref(br);
        brm->pipe = p4_pipeline_ref(br->pipe);
        SIMAP_FOR_EACH (sn, &br->ports) {
            if (p4_ofport_is_p4_port(sn->data)
                && simap_contains(&dp->ports, sn->name)) {
                brm->n_p4 = MAX(brm->n_p4, sn->data + 1);
            }
        }
        brm->p4_to_odp = xmalloc(MAX(brm->n_p4, 1)
                                 * sizeof *brm->p4_to_odp);
        for (uint32_t p = 0; p < brm->n_p4; p++) {
            brm->p4_to_odp[p] = ODPP_NONE;
        }
        SIMAP_FOR_EACH (sn, &br->ports) {
            const struct simap_node *dpn;

            if (!p4_ofport_is_p4_port(sn->data)) {
                continue;
            }
            dpn = simap_find(&dp->ports, sn->name);
            if (dpn) {
                brm->p4_to_odp[sn->data] = u32_to_odp(dpn->data);
                map->by_odp[dpn->data].brm = brm;
                map->by_odp[dpn->data].p4_port = sn->data;
            }
        }
    }

    old = ovsrcu_get_protected(struct p4_map *, &dp->map);
    ovsrcu_set(&dp->map, map);
    if (old) {
        ovsrcu_postpone(p4_map_free, old);
    }
}

static void
p4_rebuild_all(void)
    OVS_REQUIRES(p4_mutex)
{
    struct dp_p4 *dp;

    LIST_FOR_EACH (dp, node, &p4_dps) {
        p4_dp_rebuild(dp);
    }
}

/* --- Configuration (bridge.c) -------------------------------------------- */

static bool
p4_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino
           && a->st_size == b->st_size
           && a->st_mtim.tv_sec == b->st_mtim.tv_sec
           && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Loads, replaces or unloads the pipeline of 'br' as 'other_config' says.
 * Returns the pipeline that was replaced, for the caller to unref, and
 * sets '*changed' if the bridge's pipeline changed. */
static struct p4_pipeline *
p4_bridge_configure_pipeline(struct p4_bridge *br,
                             const struct smap *other_config, bool *changed)
    OVS_REQUIRES(p4_mutex)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    const char *path = smap_get(other_config, "p4-pipeline");
    uint32_t cpu_port = smap_get_uint(other_config, "p4-cpu-port", 0);
    /* A new generation asks for a fresh instance (empty tables) of the same
     * file: P4Runtime's VERIFY_AND_COMMIT of the running program. */
    uint64_t generation = smap_get_ullong(other_config, "p4-generation", 0);
    struct p4_pipeline *old = NULL, *pipe;
    struct stat st;
    char *error;

    *changed = false;
    if (path && !path[0]) {
        path = NULL;
    }
    if (!path) {
        if (br->so_path || br->pipe) {
            VLOG_INFO("%s: P4 pipeline unloaded", br->name);
            free(br->so_path);
            br->so_path = NULL;
            free(br->error);
            br->error = NULL;
            old = br->pipe;
            br->pipe = NULL;
            *changed = true;
        }
        return old;
    }

    if (stat(path, &st)) {
        memset(&st, 0, sizeof st);
    }
    if (br->so_path && !strcmp(br->so_path, path)
        && p4_same_file(&st, &br->so_stat) && cpu_port == br->cpu_port
        && generation == br->generation) {
        return NULL;            /* Nothing new (loaded or failed). */
    }

    free(br->so_path);
    br->so_path = xstrdup(path);
    br->so_stat = st;
    br->cpu_port = cpu_port;
    br->generation = generation;
    free(br->error);
    br->error = NULL;

    uint64_t seed = smap_get_ullong(other_config, "p4-seed", 0);
    if (!seed) {
        seed = random_uint64();
    }
    pipe = p4_pipeline_load(br->name, path, cpu_port, seed, p4_n_slots,
                            &error);
    if (!pipe) {
        VLOG_WARN_RL(&rl, "%s: cannot load P4 pipeline: %s%s", br->name,
                     error, br->pipe ? " (keeping the running one)" : "");
        br->error = error;
        return NULL;
    }
    VLOG_INFO("%s: %s P4 pipeline %s (%s, %s) from %s", br->name,
              br->pipe ? "replaced the" : "loaded",
              pipe->def->program_name ? pipe->def->program_name : "?",
              pipe->def->arch ? pipe->def->arch : "?",
              pipe->def->compiler ? pipe->def->compiler : "?", path);
    old = br->pipe;
    br->pipe = pipe;
    *changed = true;
    return old;
}

void
dpif_p4_bridge_set(const char *br_name, const char *dp_type,
                   const struct smap *other_config,
                   const struct dpif_p4_port *ports, size_t n_ports)
{
    struct p4_pipeline *old_pipe;
    struct p4_bridge *br;
    bool changed = false;
    bool pipe_changed;
    struct simap new_ports;

    if (!dp_type || strcmp(dp_type, DPIF_P4_TYPE)) {
        dpif_p4_bridge_remove(br_name);
        return;
    }
    p4ctl_start();

    simap_init(&new_ports);
    for (size_t i = 0; i < n_ports; i++) {
        simap_put(&new_ports, ports[i].name, ofp_to_u16(ports[i].ofp_port));
    }

    ovs_mutex_lock(&p4_mutex);
    br = p4_bridge_find(br_name);
    if (!br) {
        br = xzalloc(sizeof *br);
        ovs_refcount_init(&br->ref_cnt);
        br->name = xstrdup(br_name);
        br->ctl_path = xasprintf("%s/%s.p4ctl", ovs_rundir(), br_name);
        simap_init(&br->ports);
        atomic_count_init(&br->n_clients, 0);
        atomic_init(&br->n_pktout, 0);
        atomic_init(&br->n_pktout_tx, 0);
        atomic_init(&br->n_pktout_drop, 0);
        hmap_insert(&p4_bridges, &br->node, hash_string(br_name, 0));
        VLOG_INFO("%s: P4 bridge, control socket %s", br_name, br->ctl_path);
        changed = true;
    }
    if (!simap_equal(&br->ports, &new_ports)) {
        simap_swap(&br->ports, &new_ports);
        changed = true;
    }
    old_pipe = p4_bridge_configure_pipeline(br, other_config, &pipe_changed);
    if (changed || pipe_changed) {
        p4_rebuild_all();
        seq_change(p4_seq);
    }
    ovs_mutex_unlock(&p4_mutex);

    simap_destroy(&new_ports);
    p4_pipeline_unref(old_pipe);
}

void
dpif_p4_bridge_remove(const char *br_name)
{
    struct p4_pipeline *old_pipe = NULL;
    struct p4_bridge *br;

    ovs_mutex_lock(&p4_mutex);
    br = p4_bridge_find(br_name);
    if (br) {
        hmap_remove(&p4_bridges, &br->node);
        br->removed = true;
        old_pipe = br->pipe;
        br->pipe = NULL;
        p4_rebuild_all();
        seq_change(p4_seq);
        VLOG_INFO("%s: P4 bridge removed", br_name);
    }
    ovs_mutex_unlock(&p4_mutex);

    if (br) {
        p4_pipeline_unref(old_pipe);
        p4_bridge_unref(br);
    }
}

/* --- Datapath hooks ------------------------------------------------------ */

struct dp_p4 *
dp_p4_create(const char *dp_name, uint32_t n_slots)
{
    struct dp_p4 *dp = xzalloc(sizeof *dp);

    dp->name = xstrdup(dp_name);
    dp->n_slots = MAX(n_slots, 1);
    simap_init(&dp->ports);
    ovsrcu_init(&dp->map, NULL);

    ovs_mutex_lock(&p4_mutex);
    p4_n_slots = MAX(p4_n_slots, dp->n_slots);
    ovs_list_push_back(&p4_dps, &dp->node);
    p4_dp_rebuild(dp);
    ovs_mutex_unlock(&p4_mutex);
    return dp;
}

void
dp_p4_destroy(struct dp_p4 *dp)
{
    if (dp) {
        struct p4_map *map;

        ovs_mutex_lock(&p4_mutex);
        ovs_list_remove(&dp->node);
        ovs_mutex_unlock(&p4_mutex);

        map = ovsrcu_get_protected(struct p4_map *, &dp->map);
        if (map) {
            ovsrcu_postpone(p4_map_free, map);
        }
        simap_destroy(&dp->ports);
        free(dp->name);
        free(dp);
    }
}

void
dp_p4_input(struct dp_p4 *dp, struct dp_netdev_pmd_thread *pmd,
            struct dp_packet_batch *batch, odp_port_t in_port)
{
    const struct p4_map *map = ovsrcu_get(struct p4_map *, &dp->map);
    const size_t n = dp_packet_batch_size(batch);
    struct dp_packet *inputs[NETDEV_MAX_BURST];
    bool taken[NETDEV_MAX_BURST];
    struct dp_packet_batch out;
    odp_port_t out_port = ODPP_NONE;
    const struct p4_bind *bind;
    const struct p4_brmap *brm;
    struct p4_pipeline *pipe;
    struct p4_slot *slot;
    uint32_t n_out, n_tx = 0;

    pmd_perf_update_counter(&pmd->perf_stats, PMD_STAT_RECV, n);

    bind = odp_to_u32(in_port) < map->n_odp
           ? &map->by_odp[odp_to_u32(in_port)] : NULL;
    brm = bind ? bind->brm : NULL;
    if (OVS_UNLIKELY(!brm)) {
        COVERAGE_ADD(p4_drop_not_p4_port, n);
        dp_packet_delete_batch(batch, true);
        return;
    }
    pipe = brm->pipe;
    if (OVS_UNLIKELY(!pipe)) {
        COVERAGE_ADD(p4_drop_no_pipeline, n);
        dp_packet_delete_batch(batch, true);
        return;
    }
    slot = p4_slot_get(pipe, pmd->static_tx_qid);
    if (OVS_UNLIKELY(!slot)) {
        COVERAGE_ADD(p4_drop_no_thread, n);
        dp_packet_delete_batch(batch, true);
        return;
    }

    for (size_t i = 0; i < n; i++) {
        struct dp_packet *p = batch->packets[i];
        struct ovsp4_packet *pk = &slot->pkts[i];

        inputs[i] = p;
        taken[i] = false;
        pk->data = dp_packet_data(p);
        pk->len = dp_packet_size(p);
        pk->headroom = dp_packet_headroom(p);
        pk->in_port = bind->p4_port;
        pk->reserved = 0;
    }

    n_out = pipe->def->process_batch(slot->thread, slot->pkts, n, slot->outs,
                                     P4_MAX_OUTPUTS,
                                     (uint64_t) pmd->ctx.now * 1000);

    /* Consecutive outputs to one port are queued as one batch, as an
     * output action queues its batch: one Tx port lookup per run of
     * outputs instead of one per packet. */
    dp_packet_batch_init(&out);
    for (uint32_t j = 0; j < MIN(n_out, P4_MAX_OUTPUTS); j++) {
        const struct ovsp4_output *o = &slot->outs[j];
        struct dp_packet *p = NULL;
        odp_port_t odp;

        if (OVS_UNLIKELY(o->kind != OVSP4_OUT_PORT)) {
            COVERAGE_INC(p4_drop_controller);
            slot->n_drop++;
            continue;
        }
        odp = o->port < brm->n_p4 ? brm->p4_to_odp[o->port] : ODPP_NONE;
        if (OVS_UNLIKELY(odp == ODPP_NONE)) {
            COVERAGE_INC(p4_drop_bad_port);
            slot->n_drop++;
            continue;
        }

        if (o->in_place && o->input < n && !taken[o->input]) {
            /* Send the input buffer, as the pipeline rewrote it. */
            struct dp_packet *in = inputs[o->input];
            const struct ovsp4_packet *pk = &slot->pkts[o->input];
            const uint8_t *base = dp_packet_base(in);

            if (OVS_LIKELY(pk->data >= base
                           && pk->data + pk->len
                              <= base + dp_packet_get_allocated(in))) {
                dp_packet_set_data(in, pk->data);
                dp_packet_set_size(in, pk->len);
                dp_packet_reset_offsets(in);
                dp_packet_reset_offload(in);
                taken[o->input] = true;
                p = in;
            }
        }
        if (!p) {
            p = dp_packet_clone_data_with_headroom(o->data, o->len,
                                                   DP_NETDEV_HEADROOM);
        }
        if (odp != out_port || dp_packet_batch_is_full(&out)) {
            if (!dp_packet_batch_is_empty(&out)) {
                dp_netdev_pmd_output(pmd, &out, out_port);
                dp_packet_batch_init(&out);
            }
            out_port = odp;
        }
        dp_packet_batch_add(&out, p);
        n_tx++;
    }
    if (!dp_packet_batch_is_empty(&out)) {
        dp_netdev_pmd_output(pmd, &out, out_port);
    }
    for (size_t i = 0; i < n; i++) {
        if (!taken[i]) {
            dp_packet_delete(inputs[i]);
        }
    }
    slot->n_rx += n;
    slot->n_tx += n_tx;
}

void
dp_p4_pmd_quiesce(struct dp_p4 *dp, uint32_t idx)
{
    const struct p4_map *map = ovsrcu_get(struct p4_map *, &dp->map);

    for (size_t i = 0; i < map->n_brs; i++) {
        struct p4_pipeline *pipe = map->brs[i].pipe;
        struct p4_slot *slot;

        if (pipe && idx < pipe->n_slots) {
            atomic_read_explicit(&pipe->slots[idx], &slot,
                                 memory_order_acquire);
            if (slot) {
                pipe->def->thread_quiesce(slot->thread);
            }
        }
    }
}

static void
p4_slot_free_cb(struct p4_slot *slot)
{
    free_cacheline(slot);
}

void
dp_p4_pmd_release(struct dp_p4 *dp, uint32_t idx)
{
    const struct p4_map *map = ovsrcu_get(struct p4_map *, &dp->map);

    if (!map) {
        return;
    }
    for (size_t i = 0; i < map->n_brs; i++) {
        struct p4_pipeline *pipe = map->brs[i].pipe;
        struct p4_slot *slot;

        if (!pipe || idx >= pipe->n_slots) {
            continue;
        }
        atomic_read_explicit(&pipe->slots[idx], &slot, memory_order_acquire);
        if (slot) {
            atomic_store_explicit(&pipe->slots[idx], NULL,
                                  memory_order_release);
            uint64_t orig;

            atomic_add_relaxed(&pipe->dead_rx, slot->n_rx, &orig);
            atomic_add_relaxed(&pipe->dead_tx, slot->n_tx, &orig);
            atomic_add_relaxed(&pipe->dead_drop, slot->n_drop, &orig);
            pipe->def->thread_destroy(slot->thread);
            /* "p4/show" may be reading its statistics. */
            ovsrcu_postpone(p4_slot_free_cb, slot);
        }
    }
}

/* --- The dpif class --------------------------------------------------------
 *
 * dpif_netdev_class with three members wrapped.  'open' must stay
 * dpif_netdev_open(), by which dpif-netdev recognises its dpifs. */

bool
dpif_p4_class_is_p4(const struct dpif_class *class)
{
    return class == &dpif_p4_class;
}

static int
dpif_p4_port_add(struct dpif *dpif, struct netdev *netdev,
                 odp_port_t *port_nop)
{
    struct dp_p4 *dp = dpif_netdev_get_p4(dpif);
    int error;

    error = dpif_netdev_class.port_add(dpif, netdev, port_nop);
    if (!error && dp) {
        ovs_mutex_lock(&p4_mutex);
        simap_put(&dp->ports, netdev_get_name(netdev),
                  odp_to_u32(*port_nop));
        p4_dp_rebuild(dp);
        ovs_mutex_unlock(&p4_mutex);
    }
    return error;
}

static int
dpif_p4_port_del(struct dpif *dpif, odp_port_t port_no)
{
    struct dp_p4 *dp = dpif_netdev_get_p4(dpif);
    char *name = NULL;
    int error;

    /* Unbind first: the port number may be reused at once. */
    if (dp) {
        struct simap_node *sn;

        ovs_mutex_lock(&p4_mutex);
        SIMAP_FOR_EACH (sn, &dp->ports) {
            if (sn->data == odp_to_u32(port_no)) {
                name = xstrdup(sn->name);
                simap_delete(&dp->ports, sn);
                p4_dp_rebuild(dp);
                break;
            }
        }
        ovs_mutex_unlock(&p4_mutex);
    }

    error = dpif_netdev_class.port_del(dpif, port_no);
    if (error && name) {
        ovs_mutex_lock(&p4_mutex);
        simap_put(&dp->ports, name, odp_to_u32(port_no));
        p4_dp_rebuild(dp);
        ovs_mutex_unlock(&p4_mutex);
    }
    free(name);
    return error;
}

static bool
dpif_p4_run(struct dpif *dpif)
{
    struct dp_p4 *dp = dpif_netdev_get_p4(dpif);
    bool need_revalidate = dpif_netdev_class.run(dpif);

    if (dp) {
        /* dpif_netdev_run() polled the non-PMD ports in this thread, as the
         * non-PMD thread, whose static Tx queue id is 0. */
        dp_p4_pmd_quiesce(dp, 0);
    }
    return need_revalidate;
}

static void p4_unixctl_show(struct unixctl_conn *, int argc,
                            const char *argv[], void *aux);

void
dpif_p4_register(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        dpif_p4_class = dpif_netdev_class;
        dpif_p4_class.type = DPIF_P4_TYPE;
        dpif_p4_class.port_add = dpif_p4_port_add;
        dpif_p4_class.port_del = dpif_p4_port_del;
        dpif_p4_class.run = dpif_p4_run;
        p4_seq = seq_create();
        dp_register_provider(&dpif_p4_class);
        unixctl_command_register("p4/show", "[bridge]", 0, 1,
                                 p4_unixctl_show, NULL);
        ovsthread_once_done(&once);
    }
}

/* --- Control sockets ----------------------------------------------------- */

struct p4ctl_client {
    struct ovs_list node;               /* In p4ctl_server's 'clients'. */
    struct stream *stream;
    struct ofpbuf rx;                   /* received, not handled yet */
    struct ofpbuf tx;                   /* to send */
    uint64_t n_events_dropped;
};

struct p4ctl_server {
    struct hmap_node node;              /* In 'p4ctl_servers'. */
    struct p4_bridge *br;               /* reference */
    struct pstream *pstream;
    struct ovs_list clients;
};

/* Owned by the control thread. */
static struct hmap p4ctl_servers = HMAP_INITIALIZER(&p4ctl_servers);
static uint8_t *p4ctl_reply;
static size_t p4ctl_reply_cap;
static bool p4ctl_poll_now;     /* Poll events at once (after a packet-out). */

static void
p4ctl_client_close(struct p4ctl_server *srv, struct p4ctl_client *c)
{
    ovs_list_remove(&c->node);
    stream_close(c->stream);
    ofpbuf_uninit(&c->rx);
    ofpbuf_uninit(&c->tx);
    free(c);
    atomic_count_dec(&srv->br->n_clients);
}

static void
p4ctl_client_queue(struct p4ctl_client *c, const void *data, size_t len)
{
    if (!c->tx.size) {
        ofpbuf_clear(&c->tx);   /* Reclaims the headroom left by pulls. */
    }
    ofpbuf_put(&c->tx, data, len);
}

static void
p4ctl_server_destroy(struct p4ctl_server *srv)
{
    struct p4ctl_client *c;

    LIST_FOR_EACH_SAFE (c, node, &srv->clients) {
        p4ctl_client_close(srv, c);
    }
    pstream_close(srv->pstream);        /* Unlinks the socket. */
    hmap_remove(&p4ctl_servers, &srv->node);
    p4_bridge_unref(srv->br);
    free(srv);
}

static struct p4ctl_server *
p4ctl_server_find(const struct p4_bridge *br)
{
    struct p4ctl_server *srv;

    HMAP_FOR_EACH_WITH_HASH (srv, node, hash_pointer(br, 0),
                             &p4ctl_servers) {
        if (srv->br == br) {
            return srv;
        }
    }
    return NULL;
}

/* Makes the servers follow the registry. */
static void
p4ctl_sync(void)
{
    struct p4ctl_server *srv;
    struct p4_bridge *br;

    ovs_mutex_lock(&p4_mutex);
    /* Close first: a bridge removed and added again reuses the path. */
    HMAP_FOR_EACH_SAFE (srv, node, &p4ctl_servers) {
        if (srv->br->removed) {
            VLOG_INFO("%s: closing control socket", srv->br->name);
            p4ctl_server_destroy(srv);
        }
    }
    HMAP_FOR_EACH (br, node, &p4_bridges) {
        char *name;
        int error;

        if (p4ctl_server_find(br)) {
            continue;
        }
        srv = xzalloc(sizeof *srv);
        srv->br = p4_bridge_ref(br);
        ovs_list_init(&srv->clients);
        hmap_insert(&p4ctl_servers, &srv->node, hash_pointer(br, 0));

        unlink(br->ctl_path);   /* Left by a previous ovs-vswitchd. */
        name = xasprintf("punix:%s", br->ctl_path);
        error = pstream_open(name, &srv->pstream, DSCP_DEFAULT);
        if (error) {
            VLOG_ERR("%s: cannot listen on %s: %s", br->name, br->ctl_path,
                     ovs_strerror(error));
        }
        free(name);
    }
    ovs_mutex_unlock(&p4_mutex);
}

/* --- Packet-out -----------------------------------------------------------
 *
 * control() runs a PACKET_OUT through the pipeline and lists its outputs in
 * the reply (Documentation/control-protocol.md):
 *
 *     envelope (16 bytes: u32 length, u16 version, u16 type, u32 xid,
 *               u32 status)
 *     u32 n, {u32 port, bytes data}[n], u32 n_dropped
 *
 * The host transmits them.  The control thread is no packet thread, so it
 * sends as the datapath's non-PMD thread does (dp_netdev_p4_run_non_pmd(),
 * like dpif_netdev_execute()): queued with dp_netdev_pmd_output(), the
 * same Tx batching as the packet path, then flushed.  P4 ports are those
 * of the request's bridge, mapped to odp ports by the current snapshot. */

#define P4CTL_HEADER_LEN 16
#define P4CTL_VERSION 1
#define P4CTL_PACKET_OUT_REPLY (0x8000 | 0x04)

struct p4_pktout {
    const uint8_t *data;                /* in the reply */
    uint32_t len;
    uint32_t port;                      /* P4 port */
    bool sent;
};

struct p4_pktout_ctx {
    const struct p4_bridge *br;
    struct p4_pktout *outs;
    size_t n;
};

static uint32_t
p4_get_le32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t) p[3] << 24);
}

/* If 'msg' is a successful PACKET_OUT reply, stores its outputs (pointing
 * into 'msg') in '*outsp' (to free) and '*np' and returns true. */
static bool
p4_pktout_parse(const uint8_t *msg, size_t len, struct p4_pktout **outsp,
                size_t *np)
{
    const uint8_t *p = msg + P4CTL_HEADER_LEN, *end = msg + len;
    struct p4_pktout *outs;
    uint32_t n;

    if (len < P4CTL_HEADER_LEN + 8 || p4_get_le32(msg) != len
        || (msg[4] | (msg[5] << 8)) != P4CTL_VERSION
        || (msg[6] | (msg[7] << 8)) != P4CTL_PACKET_OUT_REPLY
        || p4_get_le32(msg + 12) != 0) {
        return false;
    }
    n = p4_get_le32(p);
    p += 4;
    if (n > (size_t) (end - p) / 8) {
        return false;
    }
    outs = xmalloc(MAX(n, 1) * sizeof *outs);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t dlen;

        if (end - p < 8) {
            goto error;
        }
        outs[i].port = p4_get_le32(p);
        dlen = p4_get_le32(p + 4);
        p += 8;
        if (dlen > (size_t) (end - p)) {
            goto error;
        }
        outs[i].data = p;
        outs[i].len = dlen;
        outs[i].sent = false;
        p += dlen;
    }
    if (end - p != 4) {
        goto error;
    }
    *outsp = outs;
    *np = n;
    return true;

error:
    free(outs);
    return false;
}

/* Runs in 'dp''s non-PMD thread context: queues the outputs whose P4 port
 * is a port of the bridge in this datapath. */
static void
p4_pktout_tx_cb(struct dp_p4 *dp, struct dp_netdev_pmd_thread *pmd,
                void *ctx_)
{
    const struct p4_map *map = ovsrcu_get(struct p4_map *, &dp->map);
    struct p4_pktout_ctx *ctx = ctx_;
    const struct p4_brmap *brm = NULL;

    for (size_t i = 0; map && i < map->n_brs; i++) {
        if (map->brs[i].br == ctx->br) {
            brm = &map->brs[i];
            break;
        }
    }
    if (!brm) {
        return;
    }
    for (size_t i = 0; i < ctx->n; i++) {
        struct p4_pktout *o = &ctx->outs[i];
        struct dp_packet_batch batch;
        struct dp_packet *packet;
        odp_port_t odp;

        if (o->sent) {
            continue;           /* By a previous datapath. */
        }
        odp = o->port < brm->n_p4 ? brm->p4_to_odp[o->port] : ODPP_NONE;
        if (odp == ODPP_NONE) {
            continue;
        }
        packet = dp_packet_clone_data_with_headroom(o->data, o->len,
                                                    DP_NETDEV_HEADROOM);
        dp_packet_batch_init_packet(&batch, packet);
        dp_netdev_pmd_output(pmd, &batch, odp);
        o->sent = true;
    }
}

/* Transmits the outputs of the PACKET_OUT reply 'reply' on the ports of
 * 'br'; those to a P4 port the bridge does not have are dropped. */
static void
p4ctl_packet_out(struct p4_bridge *br, const uint8_t *reply, size_t len)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct p4_pktout_ctx ctx = { .br = br };
    struct sset dp_names = SSET_INITIALIZER(&dp_names);
    uint64_t n_tx = 0, n_drop = 0, orig;
    const struct dp_p4 *dp;
    const char *name;

    if (!p4_pktout_parse(reply, len, &ctx.outs, &ctx.n)) {
        return;
    }
    atomic_add_relaxed(&br->n_pktout, 1, &orig);
    /* A packet-out may have queued packet-ins (outputs to the CPU port):
     * deliver them without waiting for the poll timer. */
    p4ctl_poll_now = true;
    if (ctx.n) {
        /* In practice one datapath ("ovs-p4"); the names, not the
         * pointers, since 'p4_mutex' may not be held while transmitting
         * and a datapath may go meanwhile. */
        ovs_mutex_lock(&p4_mutex);
        LIST_FOR_EACH (dp, node, &p4_dps) {
            sset_add(&dp_names, dp->name);
        }
        ovs_mutex_unlock(&p4_mutex);
        SSET_FOR_EACH (name, &dp_names) {
            dp_netdev_p4_run_non_pmd(name, p4_pktout_tx_cb, &ctx);
        }
        sset_destroy(&dp_names);
    }
    for (size_t i = 0; i < ctx.n; i++) {
        if (ctx.outs[i].sent) {
            n_tx++;
        } else {
            n_drop++;
            VLOG_WARN_RL(&rl, "%s: packet-out to P4 port %"PRIu32", which "
                         "the bridge does not have: dropped", br->name,
                         ctx.outs[i].port);
        }
    }
    COVERAGE_ADD(p4_pktout_tx, n_tx);
    COVERAGE_ADD(p4_drop_pktout_bad_port, n_drop);
    atomic_add_relaxed(&br->n_pktout_tx, n_tx, &orig);
    atomic_add_relaxed(&br->n_pktout_drop, n_drop, &orig);
    free(ctx.outs);
}

static void
p4ctl_handle_request(struct p4ctl_server *srv, struct p4ctl_client *c,
                     struct p4_pipeline *pipe, const uint8_t *req,
                     size_t len)
{
    size_t n;

    for (;;) {
        if (p4ctl_reply_cap < P4CTL_MIN_REPLY) {
            p4ctl_reply_cap = P4CTL_MIN_REPLY;
            p4ctl_reply = xrealloc(p4ctl_reply, p4ctl_reply_cap);
        }
        n = pipe->def->control(pipe->inst, req, len, p4ctl_reply,
                               p4ctl_reply_cap);
        if (n || p4ctl_reply_cap >= P4CTL_MAX_REPLY) {
            break;
        }
        /* Only a reply above 64 KiB (a read) can be too big: retry. */
        p4ctl_reply_cap *= 2;
        p4ctl_reply = xrealloc(p4ctl_reply, p4ctl_reply_cap);
    }
    if (n) {
        /* Transmitted before the reply goes: a client that has the reply
         * knows its packets were handed to the ports. */
        p4ctl_packet_out(srv->br, p4ctl_reply, n);
        p4ctl_client_queue(c, p4ctl_reply, n);
    } else {
        VLOG_WARN("%s: control reply larger than %u bytes, dropped",
                  srv->br->name, P4CTL_MAX_REPLY);
    }
}

/* Receives and handles the requests of 'c'.  Returns false if the client
 * must be closed. */
static bool
p4ctl_client_run(struct p4ctl_server *srv, struct p4ctl_client *c)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);
    struct p4_pipeline *pipe = NULL;
    bool ok = true;

    stream_run(c->stream);

    /* Send what is pending. */
    while (c->tx.size) {
        int n = stream_send(c->stream, c->tx.data, c->tx.size);

        if (n > 0) {
            ofpbuf_pull(&c->tx, n);
        } else if (n == -EAGAIN) {
            break;
        } else {
            return false;
        }
    }

    /* Receive, at most 16 rounds so that one client does not starve the
     * others. */
    for (int round = 0; ok && round < 16; round++) {
        int n;

        ofpbuf_prealloc_tailroom(&c->rx, 65536);
        n = stream_recv(c->stream, ofpbuf_tail(&c->rx),
                        ofpbuf_tailroom(&c->rx));
        if (n == -EAGAIN) {
            break;
        } else if (n <= 0) {
            ok = false;         /* EOF or error. */
            break;
        }
        c->rx.size += n;

        while (c->rx.size >= 4) {
            const uint8_t *p = c->rx.data;
            uint32_t len = p[0] | (p[1] << 8) | (p[2] << 16)
                           | ((uint32_t) p[3] << 24);

            if (len < 4 || len > P4CTL_MAX_REQUEST) {
                VLOG_WARN_RL(&rl, "%s: bad control message length %"PRIu32
                             ", closing the connection", srv->br->name, len);
                ok = false;
                break;
            }
            if (c->rx.size < len) {
                break;
            }
            if (!pipe) {
                pipe = p4_bridge_get_pipeline(srv->br);
                if (!pipe) {
                    VLOG_WARN_RL(&rl, "%s: control request but no P4 "
                                 "pipeline is loaded (other_config:"
                                 "p4-pipeline), closing the connection",
                                 srv->br->name);
                    ok = false;
                    break;
                }
            }
            p4ctl_handle_request(srv, c, pipe, p, len);
            ofpbuf_pull(&c->rx, len);
        }
        if (!c->rx.size) {
            ofpbuf_clear(&c->rx);
        } else if (ofpbuf_headroom(&c->rx) > c->rx.size) {
            ofpbuf_shift(&c->rx, -(int) ofpbuf_headroom(&c->rx));
        }
    }
    p4_pipeline_unref(pipe);

    /* Send the replies at once. */
    while (ok && c->tx.size) {
        int n = stream_send(c->stream, c->tx.data, c->tx.size);

        if (n > 0) {
            ofpbuf_pull(&c->tx, n);
        } else if (n == -EAGAIN) {
            break;
        } else {
            ok = false;
        }
    }
    return ok;
}

static void
p4ctl_event_cb(void *srv_, const uint8_t *msg, size_t len)
{
    struct p4ctl_server *srv = srv_;
    struct p4ctl_client *c;

    LIST_FOR_EACH (c, node, &srv->clients) {
        if (c->tx.size + len <= P4CTL_MAX_BACKLOG) {
            p4ctl_client_queue(c, msg, len);
        } else {
            c->n_events_dropped++;
        }
    }
}

static void
p4ctl_server_run(struct p4ctl_server *srv, bool *busy)
{
    struct p4ctl_client *c;
    struct p4_pipeline *pipe;

    if (!srv->pstream) {
        return;
    }
    for (int i = 0; i < 16; i++) {
        struct stream *stream;
        int error = pstream_accept(srv->pstream, &stream);

        if (error) {
            if (error != EAGAIN) {
                VLOG_WARN("%s: accept failed: %s", srv->br->name,
                          ovs_strerror(error));
            }
            break;
        }
        c = xzalloc(sizeof *c);
        c->stream = stream;
        ofpbuf_init(&c->rx, 65536);
        ofpbuf_init(&c->tx, 0);
        ovs_list_push_back(&srv->clients, &c->node);
        atomic_count_inc(&srv->br->n_clients);
    }

    /* Events go to every client; without clients they are dropped. */
    pipe = p4_bridge_get_pipeline(srv->br);
    if (pipe) {
        uint32_t n = pipe->def->poll_events(pipe->inst, p4ctl_event_cb, srv,
                                            P4CTL_EVENTS_PER_POLL);
        if (n >= P4CTL_EVENTS_PER_POLL) {
            *busy = true;
        }
        p4_pipeline_unref(pipe);
    }

    LIST_FOR_EACH_SAFE (c, node, &srv->clients) {
        if (!p4ctl_client_run(srv, c)) {
            p4ctl_client_close(srv, c);
        }
    }
}

static void
p4ctl_server_wait(struct p4ctl_server *srv)
{
    struct p4ctl_client *c;

    if (!srv->pstream) {
        return;
    }
    pstream_wait(srv->pstream);
    LIST_FOR_EACH (c, node, &srv->clients) {
        stream_run_wait(c->stream);
        stream_recv_wait(c->stream);
        if (c->tx.size) {
            stream_send_wait(c->stream);
        }
    }
}

static void *
p4ctl_main(void *arg OVS_UNUSED)
{
    uint64_t seq = seq_read(p4_seq);

    p4ctl_sync();
    for (;;) {
        struct p4ctl_server *srv;
        bool busy = false;
        bool clients = false;
        uint64_t new_seq = seq_read(p4_seq);

        if (new_seq != seq) {
            seq = new_seq;
            p4ctl_sync();
        }
        HMAP_FOR_EACH (srv, node, &p4ctl_servers) {
            p4ctl_server_run(srv, &busy);
            clients |= !ovs_list_is_empty(&srv->clients);
        }

        HMAP_FOR_EACH (srv, node, &p4ctl_servers) {
            p4ctl_server_wait(srv);
        }
        seq_wait(p4_seq, seq);
        if (busy || p4ctl_poll_now) {
            p4ctl_poll_now = false;
            poll_immediate_wake();
        } else {
            /* poll_events() has no wake-up: poll it often while a client
             * may want packet-ins and digests. */
            poll_timer_wait(clients ? 1 : 100);
        }
        poll_block();
    }
    return NULL;
}

static void
p4ctl_start(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        ovs_thread_create("p4ctl", p4ctl_main, NULL);
        ovsthread_once_done(&once);
    }
}

/* --- unixctl ------------------------------------------------------------- */

static void
p4_show_bridge(struct ds *s, struct p4_bridge *br)
    OVS_REQUIRES(p4_mutex)
{
    const struct simap_node **ports = simap_sort(&br->ports);
    struct p4_pipeline *pipe = br->pipe;
    uint64_t n_pktout, n_pktout_tx, n_pktout_drop;

    ds_put_format(s, "%s:\n", br->name);
    ds_put_format(s, "  control socket: %s (%u clients)\n", br->ctl_path,
                  atomic_count_get(&br->n_clients));
    atomic_read_relaxed(&br->n_pktout, &n_pktout);
    atomic_read_relaxed(&br->n_pktout_tx, &n_pktout_tx);
    atomic_read_relaxed(&br->n_pktout_drop, &n_pktout_drop);
    ds_put_format(s, "  packet-outs: %"PRIu64", outputs sent %"PRIu64
                  ", dropped %"PRIu64"\n",
                  n_pktout, n_pktout_tx, n_pktout_drop);
    if (pipe) {
        const struct ovsp4_pipeline_def *def = pipe->def;
        uint64_t rx, tx, drop;
        uint32_t n_threads;

        p4_pipeline_stats(pipe, &rx, &tx, &drop, &n_threads);
        ds_put_format(s, "  pipeline: %s\n", pipe->path);
        ds_put_format(s, "    program: %s, arch: %s, compiler: %s, "
                      "cpu port: %"PRIu32"\n",
                      def->program_name ? def->program_name : "?",
                      def->arch ? def->arch : "?",
                      def->compiler ? def->compiler : "?", pipe->cpu_port);
        ds_put_format(s, "    packets: rx %"PRIu64", tx %"PRIu64
                      ", dropped %"PRIu64", threads %"PRIu32"\n",
                      rx, tx, drop, n_threads);
    } else {
        ds_put_cstr(s, "  pipeline: none\n");
    }
    if (br->error) {
        ds_put_format(s, "  error: %s\n", br->error);
    }
    ds_put_cstr(s, "  ports (P4 port = ofport):\n");
    for (size_t i = 0; i < simap_count(&br->ports); i++) {
        const struct dp_p4 *dp;
        int odp = -1;

        LIST_FOR_EACH (dp, node, &p4_dps) {
            const struct simap_node *dpn = simap_find(&dp->ports,
                                                      ports[i]->name);
            if (dpn) {
                odp = dpn->data;
            }
        }
        if (p4_ofport_is_p4_port(ports[i]->data)) {
            ds_put_format(s, "    %u: %s", ports[i]->data, ports[i]->name);
        } else {
            ds_put_format(s, "    -: %s (ofport %u, not a P4 port)",
                          ports[i]->name, ports[i]->data);
        }
        if (odp >= 0) {
            ds_put_format(s, " (odp port %d)\n", odp);
        } else {
            ds_put_cstr(s, " (not in the datapath)\n");
        }
    }
    free(ports);
}

static void
p4_unixctl_show(struct unixctl_conn *conn, int argc, const char *argv[],
                void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct p4_bridge *br;

    ovs_mutex_lock(&p4_mutex);
    if (argc > 1) {
        br = p4_bridge_find(argv[1]);
        if (!br) {
            ovs_mutex_unlock(&p4_mutex);
            unixctl_command_reply_error(conn, "no such P4 bridge");
            return;
        }
        p4_show_bridge(&s, br);
    } else {
        struct sset names = SSET_INITIALIZER(&names);
        const char **sorted;

        HMAP_FOR_EACH (br, node, &p4_bridges) {
            sset_add(&names, br->name);
        }
        sorted = sset_sort(&names);
        for (size_t i = 0; i < sset_count(&names); i++) {
            p4_show_bridge(&s, p4_bridge_find(sorted[i]));
        }
        free(sorted);
        sset_destroy(&names);
    }
    ovs_mutex_unlock(&p4_mutex);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}
