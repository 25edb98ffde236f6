import Hummingbird
import Prometheus
import SFU

/// `GET /metrics`: Prometheus text format. Values are read from the data plane's own counters
/// when scraped (the forwarding path never touches a metrics lock); cumulative counters are fed
/// to the registry as the difference since the previous scrape.
actor MetricsExporter {
    let server: MediaServer
    let registry = PrometheusCollectorRegistry()
    private var last: [String: Double] = [:]
    private var counters: [String: Counter] = [:]

    init(server: MediaServer) { self.server = server }

    func render() async -> String {
        let stats = await server.stats()
        registry.makeGauge(name: "bridged_rooms", help: "Rooms").set(Double(stats.rooms))
        registry.makeGauge(name: "bridged_transports", help: "WebRTC transports").set(Double(stats.transports))
        for role in ["streamer", "viewer", "echo"] {
            registry.makeGauge(name: "bridged_participants", labels: [("role", role)], help: "Participants by role")
                .set(Double(stats.participants[role] ?? 0))
        }
        counter("bridged_packets_received_total", [], stats.datagramsReceived, "Datagrams received on the media ports")
        counter("bridged_packets_sent_total", [], stats.datagramsSent, "Datagrams sent on the media ports")
        counter("bridged_bytes_received_total", [], stats.bytesReceived, "Bytes received on the media ports")
        counter("bridged_bytes_sent_total", [], stats.bytesSent, "Bytes sent on the media ports")
        for reason in DropReason.allCases {
            counter("bridged_dropped_total", [("reason", reason.name)], stats.dropped[reason.name] ?? 0,
                    "Datagrams dropped, by reason")
        }
        for (type, count) in server.events.counts {
            counter("bridged_events_total", [("type", type)], count, "Events emitted, by type")
        }
        return registry.emitToString()
    }

    private func counter(_ name: String, _ labels: [(String, String)], _ value: UInt64, _ help: String) {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let c = counters[key] ?? registry.makeCounter(name: name, labels: labels, help: help)
        counters[key] = c
        let delta = Double(value) - (last[key] ?? 0)
        if delta > 0 { c.increment(by: delta) }
        last[key] = Double(value)
    }
}
