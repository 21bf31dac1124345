"""ovs-p4rtd: the P4Runtime server of OvS.p4 (spec v1.5).

The translation between P4Runtime messages and the datapath's control
protocol is pure (no I/O): :mod:`ovsp4.p4runtime.translate` is its entry
point, :mod:`ovsp4.p4runtime.errors` maps failures to the spec's gRPC codes.
"""
