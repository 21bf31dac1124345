"""Nothing here is a pytest test: the client scripts run in their own
virtual environments and the PTF tests under ptf, all started by
tests/integration/test_p4rt_clients.py."""

collect_ignore = ["ptf"]
collect_ignore_glob = ["*.py"]
