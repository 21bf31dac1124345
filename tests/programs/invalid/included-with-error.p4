// Included by error-in-include.p4: the error must point here.
struct s_t {
    bit<8> a;
    bit<8> a;
}
