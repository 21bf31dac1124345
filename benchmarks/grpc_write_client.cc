// grpc_write_client: sends serialized P4Runtime WriteRequests one at a time
// (each waits for its response) and prints the RPC rate and latencies.
//
// The Python client of benchmarks/p4runtime_bench.py spends more CPU on an
// RPC than a fast server takes to answer it; this client, on gRPC's C++
// library, costs little, so that the latencies are the server's.  It takes
// the requests as protobuf bytes (the benchmark builds them), so it needs no
// generated code.
//
//     grpc_write_client HOST:PORT FILE
//
// FILE: the requests, each a 4-byte little-endian length and the bytes.  The
// first WARMUP of them (the connection's set-up) are sent untimed.
// Prints one JSON object: {"rpcs": N, "rate": R, "p50_ms": .., "p99_ms": ..}.
// Exits 1, saying why, when an RPC fails.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t WARMUP = 100;

std::vector<std::string> read_requests(const char *path) {
    std::ifstream in(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos + 4 <= all.size()) {
        const auto *p = reinterpret_cast<const unsigned char *>(all.data() + pos);
        uint32_t n = p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
        pos += 4;
        if (pos + n > all.size()) {
            break;
        }
        out.emplace_back(all, pos, n);
        pos += n;
    }
    return out;
}

// One unary Write; false (with the status printed) if it failed.
bool write(grpc::GenericStub &stub, grpc::CompletionQueue &cq, const std::string &req) {
    grpc::Slice slice(req.data(), req.size());
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext ctx;
    grpc::Status status;
    auto call = stub.PrepareUnaryCall(&ctx, "/p4.v1.P4Runtime/Write", request, &cq);
    call->StartCall();
    call->Finish(&response, &status, nullptr);
    void *tag;
    bool ok;
    cq.Next(&tag, &ok);
    if (!status.ok()) {
        std::fprintf(stderr, "grpc_write_client: Write failed: %d %s\n",
                     static_cast<int>(status.error_code()), status.error_message().c_str());
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s HOST:PORT FILE\n", argv[0]);
        return 2;
    }
    std::vector<std::string> reqs = read_requests(argv[2]);
    if (reqs.size() <= WARMUP) {
        std::fprintf(stderr, "grpc_write_client: %s: not more than %zu requests\n", argv[2],
                     WARMUP);
        return 2;
    }
    grpc::GenericStub stub(grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
    grpc::CompletionQueue cq;
    for (size_t i = 0; i < WARMUP; i++) {
        if (!write(stub, cq, reqs[i])) {
            return 1;
        }
    }
    std::vector<double> lat;
    lat.reserve(reqs.size());
    auto start = Clock::now();
    for (size_t i = WARMUP; i < reqs.size(); i++) {
        const std::string &req = reqs[i];
        auto t = Clock::now();
        if (!write(stub, cq, req)) {
            return 1;
        }
        lat.push_back(std::chrono::duration<double>(Clock::now() - t).count());
    }
    double total = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(lat.begin(), lat.end());
    std::printf("{\"rpcs\": %zu, \"rate\": %.1f, \"p50_ms\": %.4f, \"p99_ms\": %.4f}\n",
                lat.size(), lat.size() / total, lat[lat.size() / 2] * 1e3,
                lat[lat.size() * 99 / 100] * 1e3);
    return 0;
}
