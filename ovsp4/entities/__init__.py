"""P4 entities by name, and values as people write them.

Shared by every tool that lets a person or a file name P4 objects: the STF
runner, `ovs-p4ctl`'s entity commands, the P4 tutorials' runtime files.
"""
