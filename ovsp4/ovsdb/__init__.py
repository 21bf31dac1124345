"""OvS.p4's records in OVSDB: the extended Open_vSwitch schema (`schema`),
a typed layer over the `ovs` Python IDL (`db`, `records`), the pipeline
artifacts beside the database (`artifacts`) and schema upgrades
(`upgrade`).  See Documentation/management.md.

Importing this package imports nothing heavy: `schema` is standard library
only, so the build can run it without the virtual environment.
"""
