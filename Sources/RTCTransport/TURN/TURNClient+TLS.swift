import NIOCore
import RTCCrypto

/// Carries a ``TLSClientEngine`` from ``TURNClient/connect(server:username:password:on:options:onData:)`` into the
/// channel initializer, once.
///
/// `@unchecked Sendable`: the engine is created before the bootstrap runs the initializer and taken exactly once,
/// by the initializer on the channel's event loop (the bootstrap's submit orders the two); `taken` makes sure it
/// is handed over only once, and after it only that loop touches the engine.
final class TLSEngineBox: @unchecked Sendable {
    private let engine: TLSClientEngine
    private let taken = Locked(false)

    init(_ engine: TLSClientEngine) {
        self.engine = engine
    }

    /// The engine; throws if a second channel asks for it (a bootstrap retrying on another address).
    func take() throws -> TLSClientEngine {
        let first = taken.withLock { taken in
            defer { taken = true }
            return !taken
        }
        guard first else { throw TURNError(.closed, "the TLS engine was already used") }
        return engine
    }
}

/// TLS for TURN over TLS (RFC 8656 §3.1): ciphertext from the socket goes through a ``TLSClientEngine`` and the
/// plaintext on to ``StreamHandler``; plaintext written by the TURN core leaves encrypted. Starts the handshake
/// when the connection becomes active and completes `handshake` when the certificate has been accepted, or fails
/// it (and closes the connection) on any TLS error or an early close.
final class TLSClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let engine: TLSClientEngine
    private let handshake: EventLoopPromise<Void>
    private var handshakeDone = false

    init(engine: TLSClientEngine, handshake: EventLoopPromise<Void>) {
        self.engine = engine
        self.handshake = handshake
    }

    func channelActive(context: ChannelHandlerContext) {
        do {
            emit(try engine.start(), context: context)
        } catch {
            fail(error, context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        let events: TLSClientEngine.Events
        do {
            events = try engine.receive(ciphertext.readableBytesView)
        } catch {
            emit(engine.takePendingCiphertext(), context: context)
            fail(error, context: context)
            return
        }
        emit(events.ciphertext, context: context)
        if events.handshakeComplete {
            handshakeDone = true
            handshake.succeed(())
        }
        if !events.plaintext.isEmpty {
            context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: events.plaintext)))
        }
        if events.closed { context.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        do {
            let ciphertext = try engine.send(plaintext.readableBytesView)
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: ciphertext)), promise: promise)
        } catch {
            promise?.fail(error)
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all {
            emit(engine.close(), context: context)
        }
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !handshakeDone {
            handshakeDone = true
            handshake.fail(TURNError(.closed, "the TLS connection closed during the handshake"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    private func emit(_ ciphertext: [UInt8], context: ChannelHandlerContext) {
        guard !ciphertext.isEmpty else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: ciphertext)), promise: nil)
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        if !handshakeDone {
            handshakeDone = true
            handshake.fail(error)
        }
        context.close(promise: nil)
    }
}
