#include <core.p4>
header h_t {
    bit<0xFFFFFFFFFFFFFFFFFFFF> f;
}
