// Micro-benchmarks of bridged's per-packet paths (ordo-one/benchmark). See ../../README.md.

import Benchmark

// Names carry no spaces or slashes: package-benchmark 1.38.1 writes Thresholds/<target>.<name>.p90.json
// with those replaced by "_" but looks the file up under the name as it is, so
// `thresholds check` would not find them.

let benchmarks: @Sendable () -> Void = {
    registerRTPBenchmarks()
    registerRTCPBenchmarks()
    registerSRTPBenchmarks()
    registerSTUNBenchmarks()
    registerForwardingBenchmarks()
    registerLoopbackBenchmarks()
}
