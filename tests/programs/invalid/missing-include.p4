#include <core.p4>
#include "no-such-file.p4"
