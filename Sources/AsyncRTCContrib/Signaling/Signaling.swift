/// A way to exchange descriptions and candidates with a remote peer, as in aiortc's `aiortc.contrib.signaling`.
///
/// With the socket signalings, the side that sends first listens and the side that receives first connects
/// (retrying until the listener is up), so an offerer and an answerer started in any order find each other.
public protocol Signaling: Sendable {
    /// Prepares the signaling; the socket kinds connect lazily on the first `send` or `receive`.
    func connect() async throws
    /// Sends one message.
    func send(_ message: SignalingMessage) async throws
    /// The next message, or nil when the other side has gone.
    func receive() async throws -> SignalingMessage?
    /// Closes the connection. Unlike aiortc's `close()`, it does not send a bye message first.
    func close() async
}
