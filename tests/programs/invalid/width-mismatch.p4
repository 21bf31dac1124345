#include <core.p4>
control C(inout bit<8> x) {
    apply {
        bit<16> wide = 16w5;
        x = wide;
    }
}
