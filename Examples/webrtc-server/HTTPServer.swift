import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A response of the little HTTP server.
struct HTTPResponse: Sendable {
    var status: HTTPResponseStatus = .ok
    var contentType = "application/json"
    var body: [UInt8]

    static func json(_ value: some Encodable) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return HTTPResponse(body: Array((try? encoder.encode(value)) ?? Data("{}".utf8)))
    }

    static func text(_ text: String, status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8")
        -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: Array(text.utf8))
    }

    static func error(_ status: HTTPResponseStatus, _ message: String) -> HTTPResponse {
        .text(message + "\n", status: status)
    }
}

/// HTTP/1.1 on SwiftNIO (NIOHTTP1, async channels): each connection reads whole requests (head and body) and
/// hands them to `handler`, keeping the connection alive between requests.
struct HTTPServer: Sendable {
    typealias Handler = @Sendable (HTTPRequestHead, [UInt8]) async -> HTTPResponse

    /// Requests larger than this are refused (an SDP is a few KiB).
    static let maximumBodySize = 1 << 20

    let host: String
    let port: Int
    let logger: Logger
    let handler: Handler

    /// Binds, calls `ready` with the bound address, and serves until the task is cancelled.
    func run(ready: @Sendable (SocketAddress?) -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        ready(server.channel.localAddress)
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                var tooLarge = false
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        head = h
                        body.removeAll(keepingCapacity: true)
                        tooLarge = false
                    case .body(let buffer):
                        if body.count + buffer.readableBytes > Self.maximumBodySize { tooLarge = true } else {
                            body += buffer.readableBytesView
                        }
                    case .end:
                        guard let request = head else { continue }
                        let response = tooLarge ? .error(.payloadTooLarge, "request too large") : await handler(request, body)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: response.contentType)
                        headers.add(name: "Content-Length", value: String(response.body.count))
                        headers.add(name: "Cache-Control", value: "no-store")
                        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: response.status,
                                                                         headers: headers)))
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
                        try await outbound.write(.end(nil))
                        if !request.isKeepAlive { return }
                    }
                }
            }
        } catch {
            logger.debug("HTTP connection ended: \(error)")
        }
    }
}
