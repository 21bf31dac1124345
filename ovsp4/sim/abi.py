"""ctypes mirror of the pipeline ABI (datapath/include/ovsp4/pipeline.h).

Kept in step with OVSP4_ABI_VERSION: a pipeline of another version is
refused when it is loaded.
"""

from __future__ import annotations

import ctypes as C

ABI_VERSION = 1
PIPELINE_SYMBOL = "ovsp4_pipeline_get"
PORT_DROP = 511

OUT_PORT = 0
OUT_CONTROLLER = 1


class Packet(C.Structure):
    _fields_ = [
        ("data", C.POINTER(C.c_uint8)),
        ("len", C.c_uint32),
        ("headroom", C.c_uint32),
        ("in_port", C.c_uint32),
        ("reserved", C.c_uint32),
    ]


class Output(C.Structure):
    _fields_ = [
        ("data", C.POINTER(C.c_uint8)),
        ("len", C.c_uint32),
        ("port", C.c_uint32),
        ("input", C.c_uint16),
        ("kind", C.c_uint8),
        ("in_place", C.c_uint8),
    ]


class InstanceConfig(C.Structure):
    _fields_ = [
        ("cpu_port", C.c_uint32),
        ("max_threads", C.c_uint32),
        ("seed", C.c_uint64),
    ]


EventCallback = C.CFUNCTYPE(None, C.c_void_p, C.POINTER(C.c_uint8), C.c_size_t)

InstanceCreate = C.CFUNCTYPE(C.c_void_p, C.POINTER(InstanceConfig))
InstanceDestroy = C.CFUNCTYPE(None, C.c_void_p)
ThreadCreate = C.CFUNCTYPE(C.c_void_p, C.c_void_p)
ThreadDestroy = C.CFUNCTYPE(None, C.c_void_p)
ThreadQuiesce = C.CFUNCTYPE(None, C.c_void_p)
ProcessBatch = C.CFUNCTYPE(
    C.c_uint32,
    C.c_void_p,
    C.POINTER(Packet),
    C.c_uint32,
    C.POINTER(Output),
    C.c_uint32,
    C.c_uint64,
)
Control = C.CFUNCTYPE(
    C.c_size_t, C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(C.c_uint8), C.c_size_t
)
PollEvents = C.CFUNCTYPE(C.c_uint32, C.c_void_p, EventCallback, C.c_void_p, C.c_uint32)
ThreadOnOff = C.CFUNCTYPE(None, C.c_void_p)


class PipelineDef(C.Structure):
    _fields_ = [
        ("abi_version", C.c_uint32),
        ("reserved", C.c_uint32),
        ("program_name", C.c_char_p),
        ("compiler", C.c_char_p),
        ("arch", C.c_char_p),
        ("p4info", C.POINTER(C.c_uint8)),
        ("p4info_len", C.c_size_t),
        ("instance_create", InstanceCreate),
        ("instance_destroy", InstanceDestroy),
        ("thread_create", ThreadCreate),
        ("thread_destroy", ThreadDestroy),
        ("thread_quiesce", ThreadQuiesce),
        ("process_batch", ProcessBatch),
        ("control", Control),
        ("poll_events", PollEvents),
        ("thread_offline", ThreadOnOff),
        ("thread_online", ThreadOnOff),
    ]
