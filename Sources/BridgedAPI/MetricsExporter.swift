import Hummingbird
import Prometheus
import SFU

/// `GET /metrics`: Prometheus text format. Values are read from the data plane's own counters
/// when scraped (the forwarding path never touches a metrics lock); cumulative counters are fed
/// to the registry as the difference since the previous scrape.
actor MetricsExporter {
    let server: MediaServer
    let webhooks: Webhooks?
    let registry = PrometheusCollectorRegistry()
    private var last: [String: Double] = [:]
    private var counters: [String: Counter] = [:]

    init(server: MediaServer, webhooks: Webhooks? = nil) {
        self.server = server
        self.webhooks = webhooks
    }

    func render() async -> String {
        let stats = await server.stats()
        registry.makeGauge(name: "bridged_rooms", help: "Rooms").set(Double(stats.rooms))
        registry.makeGauge(name: "bridged_transports", help: "WebRTC transports").set(Double(stats.transports))
        for role in ["streamer", "viewer", "member", "echo"] {
            registry.makeGauge(name: "bridged_participants", labels: [("role", role)], help: "Participants by role")
                .set(Double(stats.participants[role] ?? 0))
        }
        counter("bridged_packets_received_total", [], stats.datagramsReceived, "Datagrams received on the media ports")
        counter("bridged_packets_sent_total", [], stats.datagramsSent, "Datagrams sent on the media ports")
        counter("bridged_bytes_received_total", [], stats.bytesReceived, "Bytes received on the media ports")
        counter("bridged_bytes_sent_total", [], stats.bytesSent, "Bytes sent on the media ports")
        counter("bridged_segmented_packets_total", [], stats.segmentedDatagrams,
                "Datagrams sent inside UDP GSO messages of two or more")
        counter("bridged_segmented_messages_total", [], stats.segmentedMessages, "UDP GSO messages sent")
        for (type, value) in [("transport_cc", stats.feedback.transportFeedback), ("nack", stats.feedback.lossRequests),
                              ("remb", stats.feedback.bitrateLimits)] {
            counter("bridged_publisher_feedback_total", [("type", type)], value,
                    "Feedback packets sent to publishers: transport-cc, NACK (uplink losses), REMB (limit or estimate)")
        }
        registry.makeGauge(name: "bridged_downlink_estimated_receivers", help: "Receivers with a downlink estimate (transport-cc)")
            .set(Double(stats.downlink.receivers))
        registry.makeGauge(name: "bridged_downlink_estimate_bps_sum", help: "Sum of the receivers' downlink estimates, bits per second")
            .set(Double(stats.downlink.estimateSum))
        for layer in ["0", "1", "2"] {
            registry.makeGauge(name: "bridged_video_copies", labels: [("layer", layer)], help: "Simulcast video copies sent, by encoding")
                .set(Double(stats.downlink.copiesByLayer[layer] ?? 0))
        }
        registry.makeGauge(name: "bridged_video_copies_fewer_temporal_layers",
                           help: "Simulcast video copies sent fewer than all their VP8 temporal layers")
            .set(Double(stats.downlink.copiesWithFewerTemporalLayers))
        for reason in DropReason.allCases {
            counter("bridged_dropped_total", [("reason", reason.name)], stats.dropped[reason.name] ?? 0,
                    "Datagrams dropped, by reason")
        }
        for (type, count) in server.events.counts {
            counter("bridged_events_total", [("type", type)], count, "Events emitted, by type")
        }
        for (url, c) in webhooks?.snapshot ?? [:] {
            counter("bridged_webhook_delivered_total", [("url", url)], c.delivered, "Events a webhook receiver accepted")
            counter("bridged_webhook_dropped_total", [("url", url)], c.dropped, "Events dropped while a webhook receiver was behind")
            counter("bridged_webhook_failed_total", [("url", url)], c.failed, "Events a webhook receiver refused (4xx)")
            counter("bridged_webhook_retries_total", [("url", url)], c.retries, "Webhook deliveries retried")
        }
        return registry.emitToString() + Self.histogram(stats.forwarding)
    }

    /// The data plane keeps its histogram in fixed buckets without locks; rendered here in the
    /// Prometheus text format (cumulative buckets).
    static func histogram(_ h: ForwardingHistogram) -> String {
        let name = "bridged_forwarding_seconds"
        var out = "# HELP \(name) Time per datagram from its read to its copies queued for sending (averaged per read batch)\n"
        out += "# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (i, bound) in ForwardingHistogram.bounds.enumerated() {
            cumulative += h.counts[i]
            out += "\(name)_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{le=\"+Inf\"} \(h.count)\n"
        out += "\(name)_sum \(h.sum)\n"
        out += "\(name)_count \(h.count)\n"
        return out
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
