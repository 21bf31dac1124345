#include <core.p4>
control C(inout bit<8> x) {
    action a() { x = 1; }
    action a() { x = 2; }
    apply { a(); }
}
