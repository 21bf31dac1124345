"""The OvS.p4 control protocol: the codec (:mod:`ovsp4.control.protocol`)
and a client over any transport (:mod:`ovsp4.control.client`).

Documentation/control-protocol.md specifies the protocol.
"""

from ovsp4.control.client import ControlClient, ControlError
from ovsp4.control.protocol import ProtocolError

__all__ = ["ControlClient", "ControlError", "ProtocolError"]
