"""Fixtures shared by the integration tests (helpers: ovstest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ovstest import Host, Sandbox, build_ovs, netns_add, netns_del, unique


@pytest.fixture(scope="session")
def ovs_bin() -> Path:
    """Open vSwitch with the p4 datapath type, built by `make ovs` (or up to
    date already): its bindir."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    return build_ovs()


def _sandbox(tmp_path: Path, *, p4rtd: bool) -> Iterator[Sandbox]:
    if shutil.which("ip") is None:
        pytest.fail("iproute2 (ip) is not installed")
    netns = unique("p4mg")
    netns_add(netns)
    sb = Sandbox(tmp_path / "sandbox", netns)
    try:
        out = sb.start(p4rtd=p4rtd)
        assert f"export OVS_RUNDIR={sb.dir}" in out.stdout
        yield sb
    finally:
        sb.stop()
        netns_del(netns)
    print(f"--- ovs-vswitchd.log ---\n{sb.log()[-6000:]}")
    if p4rtd:
        print(f"--- ovs-p4rtd.log ---\n{sb.p4rtd_log()[-6000:]}")


@pytest.fixture
def sandbox(ovs_bin: Path, tmp_path: Path) -> Iterator[Sandbox]:
    """ovsdb-server and ovs-vswitchd (in a network namespace of their own)."""
    yield from _sandbox(tmp_path, p4rtd=False)


@pytest.fixture
def p4rt_sandbox(ovs_bin: Path, tmp_path: Path) -> Iterator[Sandbox]:
    """The sandbox with ovs-p4rtd, at ``sandbox.p4runtime``."""
    yield from _sandbox(tmp_path, p4rtd=True)


@pytest.fixture(scope="module")
def module_p4rt_sandbox(ovs_bin: Path, tmp_path_factory: pytest.TempPathFactory
                        ) -> Iterator[Sandbox]:
    """A p4rt_sandbox that a module's tests share."""
    yield from _sandbox(tmp_path_factory.mktemp("p4rt"), p4rtd=True)


@pytest.fixture
def hosts(sandbox: Sandbox) -> Iterator[Callable[..., Host]]:
    made: list[Host] = []

    def make(name: str, port: str, ip: str, mac: str, prefix: int = 24) -> Host:
        h = Host.create(f"{sandbox.netns}-{name}", sandbox.netns, port, ip, mac, prefix)
        made.append(h)
        return h

    yield make
    for h in made:
        h.destroy()


