#include <core.p4>
header ethernet_t {
    bit<48> dstAddr
    bit<48> srcAddr;
}
