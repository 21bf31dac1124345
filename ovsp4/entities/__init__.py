"""P4 entities by name, and values as people write them: P4Runtime
messages built from text and a P4Info, and printed back the same way.

No I/O: the P4Runtime protobuf messages (from :mod:`ovsp4.proto`) only.
Shared by every tool that lets a person or a file name P4 objects:
`ovs-p4ctl`'s entity commands, the P4 tutorials' runtime files
(:mod:`~ovsp4.entities.runtime_json`), the simulator tests and the
benchmarks.

- :mod:`~ovsp4.entities.values`: values in and out, the output rule;
- :mod:`~ovsp4.entities.index`: P4Info objects by name, alias or suffix;
- :mod:`~ovsp4.entities.entries`: match fields, actions, table entries;
- :mod:`~ovsp4.entities.externs`: counters, meters, registers, multicast
  groups, clone sessions, parser value sets;
- :mod:`~ovsp4.entities.profiles`: action profile members and groups;
- :mod:`~ovsp4.entities.packets`: packet-out, packet-in, digests, idle
  timeouts.
"""
