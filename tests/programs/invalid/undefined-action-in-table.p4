#include <core.p4>
control C(inout bit<8> x) {
    table t {
        key = { x : exact; }
        actions = { nope; }
    }
    apply { t.apply(); }
}
