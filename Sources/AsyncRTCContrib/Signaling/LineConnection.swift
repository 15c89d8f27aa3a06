import AsyncRTC
import NIOCore
import NIOPosix

/// A stream connection that carries one signaling message per line, over TCP or a Unix socket.
///
/// Lines longer than ``maximumLineLength`` close the connection instead of growing memory without bound.
final class LineConnection: Sendable {
    static let maximumLineLength = 1 << 20

    private let channel: any Channel
    private let lines: AsyncThrowingStream<String, any Error>

    private init(channel: any Channel, lines: AsyncThrowingStream<String, any Error>) {
        self.channel = channel
        self.lines = lines
    }

    /// Installs the line framing; call from a channel initializer (on the channel's event loop). `ready` succeeds
    /// once the channel is active — not before: a child that is still registering can be torn down with its
    /// server, so nobody may write to it until then.
    static func install(on channel: any Channel, ready: EventLoopPromise<LineConnection>) -> EventLoopFuture<Void> {
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let connection = LineConnection(channel: channel, lines: stream)
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
                LineFramingHandler(continuation: continuation, connection: connection, ready: ready))
        }
    }

    func send(_ line: String) async throws {
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(ascii: "\n"))
        try await channel.writeAndFlush(buffer)
    }

    /// The next line, or nil at end of stream.
    func receive() async throws -> String? {
        var iterator = lines.makeAsyncIterator()
        return try await iterator.next()
    }

    func close() async {
        try? await channel.close()
    }
}

/// Splits inbound bytes into lines. Only touched on its channel's event loop.
private final class LineFramingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var pending = ByteBuffer()
    private let continuation: AsyncThrowingStream<String, any Error>.Continuation
    private let connection: LineConnection
    private let ready: EventLoopPromise<LineConnection>

    init(continuation: AsyncThrowingStream<String, any Error>.Continuation, connection: LineConnection,
         ready: EventLoopPromise<LineConnection>) {
        self.continuation = continuation
        self.connection = connection
        self.ready = ready
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { ready.succeed(connection) }
    }

    func channelActive(context: ChannelHandlerContext) {
        ready.succeed(connection)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            let line = pending.readString(length: length) ?? ""
            pending.moveReaderIndex(forwardBy: 1)
            continuation.yield(line.hasSuffix("\r") ? String(line.dropLast()) : line)
        }
        pending.discardReadBytes()
        if pending.readableBytes > LineConnection.maximumLineLength {
            continuation.finish(throwing: RTCError(.operation, "signaling line longer than \(LineConnection.maximumLineLength) bytes"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
                continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        ready.fail(error)
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
