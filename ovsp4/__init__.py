"""OvS.p4: a P4 software switch built on Open vSwitch."""

__version__ = "0.1.0"
