#include <core.p4>
control C(in bit<8> x, out bit<8> y) {
    apply {
        x = 1;
        y = x;
    }
}
