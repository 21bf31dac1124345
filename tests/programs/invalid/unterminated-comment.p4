#include <core.p4>
/* this comment never ends
const bit<8> X = 1;
