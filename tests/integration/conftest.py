"""Fixtures shared by the integration tests (helpers: ovstest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ovstest import build_ovs


@pytest.fixture(scope="session")
def ovs_bin() -> Path:
    """Open vSwitch with the p4 datapath type, built by `make ovs` (or up to
    date already): its bindir."""
    if shutil.which("make") is None:
        pytest.fail("make is not installed")
    return build_ovs()
