#include <core.p4>
struct metadata_t {
    ipv4_t ip;
}
