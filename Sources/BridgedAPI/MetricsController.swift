import Hummingbird
import NIOCore
import SFU

/// `GET /metrics` (Prometheus text, `MetricsExporter`) and `GET /v1/stats` (JSON).
struct MetricsController {
    let server: MediaServer
    let exporter: MetricsExporter

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/metrics", use: metrics)
        router.get("/v1/stats", use: stats)
    }

    @Sendable func metrics(_ request: Request, context: APIRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(string: await exporter.render())))
    }

    @Sendable func stats(_ request: Request, context: APIRequestContext) async throws -> Response {
        try JSON.response(await server.stats())
    }
}
