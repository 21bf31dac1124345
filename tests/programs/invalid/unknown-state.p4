#include <core.p4>
parser P(packet_in p, out bit<8> x) {
    state start {
        transition parse_nothing;
    }
}
