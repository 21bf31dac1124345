#include <core.p4>
control C(inout bit<8> x) {
    action get(out bit<8> v) { v = 1; }
    apply {
        get(x + 1);
    }
}
