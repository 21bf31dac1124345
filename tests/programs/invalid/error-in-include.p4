#include <core.p4>
#include "included-with-error.p4"
