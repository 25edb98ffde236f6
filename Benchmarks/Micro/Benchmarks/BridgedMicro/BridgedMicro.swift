// Micro-benchmarks of bridged's per-packet paths (ordo-one/benchmark). See ../../README.md.

import Benchmark

let benchmarks: @Sendable () -> Void = {
    registerRTPBenchmarks()
    registerRTCPBenchmarks()
    registerSRTPBenchmarks()
    registerSTUNBenchmarks()
    registerForwardingBenchmarks()
    registerLoopbackBenchmarks()
}
