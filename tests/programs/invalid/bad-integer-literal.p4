#include <core.p4>
const bit<8> X = 8w0xZZ;
