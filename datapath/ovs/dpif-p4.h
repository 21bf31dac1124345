/*
 * OvS.p4: the "p4" datapath type.
 *
 * Copyright The OvS.p4 Authors.
 * SPDX-License-Identifier: Apache-2.0
 *
 * A variant of dpif-netdev (registered as dpif-netdev registers its dummy
 * types) whose received packets go through the P4 pipeline of their bridge
 * instead of the flow tables.  Ports, netdevs, PMD threads, Rx and Tx
 * batching are dpif-netdev's.  See Documentation/ovs-integration.md.
 *
 * All bridges of type "p4" share one dp_netdev ("ovs-p4"), whose odp port
 * numbers are not the bridges' ofports.  Each P4 bridge has its own
 * pipeline instance, and its own map between P4 port numbers (= ofports)
 * and odp ports.
 */

#ifndef DPIF_P4_H
#define DPIF_P4_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct dp_netdev_pmd_thread;
struct dp_packet_batch;
struct dpif;
struct dpif_class;
struct smap;

#define DPIF_P4_TYPE "p4"

/* Registration: dp_initialize() (dpif.c). */
void dpif_p4_register(void);
bool dpif_p4_class_is_p4(const struct dpif_class *);

/* Configuration, from ovs-vswitchd's bridge layer (bridge.c), on every
 * reconfiguration: the bridge's datapath type, its other_config and the
 * ofport of each of its interfaces.  A bridge whose type is not "p4" is
 * forgotten, as by dpif_p4_bridge_remove(). */
struct dpif_p4_port {
    const char *name;           /* interface (netdev) name */
    ofp_port_t ofp_port;        /* its ofport: the P4 port number */
};
void dpif_p4_bridge_set(const char *br_name, const char *dp_type,
                        const struct smap *other_config,
                        const struct dpif_p4_port *, size_t n_ports);
void dpif_p4_bridge_remove(const char *br_name);

/* Hooks, called by dpif-netdev for a datapath of type "p4" only.
 *
 * Packet threads (PMD threads and the non-PMD thread) are identified by
 * their static Tx queue id, a dense index below 'n_slots' that no two
 * running threads share. */
struct dp_p4 *dp_p4_create(const char *dp_name, uint32_t n_slots);
void dp_p4_destroy(struct dp_p4 *);
/* A received batch: runs it through the pipeline of 'in_port''s bridge and
 * queues the outputs with dp_netdev_pmd_output().  Takes ownership of the
 * packets. */
void dp_p4_input(struct dp_p4 *, struct dp_netdev_pmd_thread *,
                 struct dp_packet_batch *, odp_port_t in_port);
/* Periodic quiescent point of a packet thread (idle or not). */
void dp_p4_pmd_quiesce(struct dp_p4 *, uint32_t slot);
/* A packet thread gives up its slot (exits or changes its Tx queue id). */
void dp_p4_pmd_release(struct dp_p4 *, uint32_t slot);

/* Provided by dpif-netdev.c. */
void dp_netdev_pmd_output(struct dp_netdev_pmd_thread *,
                          struct dp_packet_batch *, odp_port_t);
struct dp_p4 *dpif_netdev_get_p4(const struct dpif *);
/* Runs 'cb' as the non-PMD thread of the "p4" datapath 'dp_name' (its
 * 'non_pmd_mutex' held), then flushes that thread's output batches: how a
 * thread that is no packet thread (the control sockets') transmits with
 * dp_netdev_pmd_output().  False if there is no such datapath. */
typedef void dp_p4_non_pmd_cb(struct dp_p4 *, struct dp_netdev_pmd_thread *,
                              void *aux);
bool dp_netdev_p4_run_non_pmd(const char *dp_name, dp_p4_non_pmd_cb *,
                              void *aux);

#endif /* dpif-p4.h */
