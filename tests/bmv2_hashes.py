"""BMv2's hash algorithms in plain Python: the references tests compare the
pipelines' hashes with (bm_sim/calculations.cpp)."""

from __future__ import annotations

import zlib


def crc16(data: bytes) -> int:
    """BMv2's ``crc16``: CRC-16/ARC (poly 0x8005 reflected, init 0, no xorout)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def crc32(data: bytes) -> int:
    """BMv2's ``crc32``: the IEEE CRC-32 zlib computes."""
    return zlib.crc32(data) & 0xFFFFFFFF
