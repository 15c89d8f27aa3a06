internal import CRTCOpenSSL

/// The state OpenSSL's callbacks reach through `void *` slots (`BIO_get_data`, `SSL_get_ex_data(ssl, 0)`): the
/// datagram queues of the custom BIO, the expected fingerprints of the verify callback, and the retransmission
/// schedule of the timer callback.
///
/// Owned by one ``DTLSEngine``, which outlives its `SSL` (freed first in the engine's `deinit`); the callbacks run
/// only inside the engine's own `SSL_*` calls, on the caller's thread, so they see the object alive and unshared.
final class DTLSCallbackState {
    /// The received datagram OpenSSL has not read yet, borrowed from the caller of ``DTLSEngine/receive(_:)`` for
    /// the length of that call (``receiving(_:_:)``).
    private var inbound: UnsafeRawBufferPointer?
    /// Datagrams OpenSSL wrote, one per `BIO_write`, not yet handed to the caller.
    var outbound: [[UInt8]] = []
    /// While set (``emitting(to:_:)``), each datagram OpenSSL writes goes here, borrowed, instead of ``outbound``.
    private(set) var emit: ((UnsafeRawBufferPointer) -> Void)?

    /// Bytes of AEAD record overhead (explicit nonce + tag, RFC 5288 §3) OpenSSL 3.0 leaves out when it fills a
    /// handshake datagram; reported as MTU overhead so the datagrams it packs stay within the configured size.
    static let aeadRecordAllowance = 24

    let expectedFingerprints: [CertificateFingerprint]
    /// Set by the verify callback when the peer's leaf certificate matched none of ``expectedFingerprints``.
    var fingerprintRejected = false
    let mtu: Int
    let initialTimeoutMicroseconds: UInt32
    let maximumTimeoutMicroseconds: UInt32

    init(expectedFingerprints: [CertificateFingerprint], configuration: DTLSEngine.Configuration) {
        self.expectedFingerprints = expectedFingerprints
        self.mtu = configuration.maximumDatagramSize
        self.initialTimeoutMicroseconds = configuration.microseconds(configuration.initialRetransmissionTimeout)
        self.maximumTimeoutMicroseconds = max(configuration.microseconds(configuration.maximumRetransmissionTimeout),
                                              initialTimeoutMicroseconds)
    }

    /// Runs `body` with `datagram` as the one BIO_read will return; it is forgotten when `body` returns.
    func receiving<R>(_ datagram: UnsafeRawBufferPointer, _ body: () -> R) -> R {
        inbound = datagram
        defer { inbound = nil }
        return body()
    }

    func dequeueInbound() -> UnsafeRawBufferPointer? {
        defer { inbound = nil }
        return inbound
    }

    var nextInboundCount: Int { inbound?.count ?? 0 }

    func discardInbound() {
        inbound = nil
    }

    /// Runs `body` with every datagram OpenSSL writes meanwhile handed to `sink` (borrowed, during the write).
    func emitting<R>(to sink: (UnsafeRawBufferPointer) -> Void, _ body: () -> R) -> R {
        withoutActuallyEscaping(sink) { sink in
            emit = sink
            defer { emit = nil }
            return body()
        }
    }

    func takeOutbound() -> [[UInt8]] {
        defer { outbound.removeAll() }
        return outbound
    }

    /// True when the DER certificate matches at least one expected fingerprint (RFC 8122 §5; fingerprints whose
    /// hash function we do not compute cannot have been parsed, so every entry is checkable).
    func matches(certificateDER der: [UInt8]) -> Bool {
        expectedFingerprints.contains { $0 == CertificateFingerprint(algorithm: $0.algorithm, hashing: der) }
    }

    static func from(_ pointer: UnsafeMutableRawPointer) -> DTLSCallbackState {
        Unmanaged<DTLSCallbackState>.fromOpaque(pointer).takeUnretainedValue()
    }
}

/// A BIO that turns each `BIO_write` into one datagram and each `BIO_read` into one received datagram.
///
/// A memory BIO would concatenate the records OpenSSL writes, losing the datagram boundaries DTLS depends on
/// (DESIGN.md, facts about OpenSSL). The BIO's data pointer is an unretained ``DTLSCallbackState``.
enum DTLSDatagramBIO {
    /// The process-wide `BIO_METHOD`, created on first use (Swift runs a `static let` initializer exactly once,
    /// thread-safely) and never modified or freed afterwards.
    static let method = Method()

    /// `@unchecked Sendable`: wraps a `BIO_METHOD *` that is fully configured inside `init` and only read after.
    final class Method: @unchecked Sendable {
        let pointer: OpaquePointer

        init() {
            let type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK
            guard let method = BIO_meth_new(type, "AsyncRTC DTLS datagram") else {
                fatalError("OpenSSL BIO_meth_new failed: \(OpenSSLErrorQueue.drain())")
            }
            BIO_meth_set_write(method, DTLSDatagramBIO.write)
            BIO_meth_set_read(method, DTLSDatagramBIO.read)
            BIO_meth_set_ctrl(method, DTLSDatagramBIO.control)
            BIO_meth_set_create(method, DTLSDatagramBIO.create)
            BIO_meth_set_destroy(method, DTLSDatagramBIO.destroy)
            self.pointer = method
        }
    }

    /// A new BIO bound to `state` (unretained: the caller keeps `state` alive as long as the BIO).
    static func make(state: DTLSCallbackState) -> OpaquePointer? {
        guard let bio = BIO_new(method.pointer) else { return nil }
        BIO_set_data(bio, Unmanaged.passUnretained(state).toOpaque())
        BIO_set_init(bio, 1)
        return bio
    }

    private static func state(of bio: OpaquePointer?) -> DTLSCallbackState? {
        guard let bio, let data = BIO_get_data(bio) else { return nil }
        return DTLSCallbackState.from(data)
    }

    private static let write: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = { bio, data, length in
        guard let bio, let state = state(of: bio), length >= 0 else { return -1 }
        CRTCOpenSSL_BIO_clear_retry_flags(bio)
        guard let data, length > 0 else { return 0 }
        let datagram = UnsafeRawBufferPointer(start: data, count: Int(length))
        if let emit = state.emit {
            emit(datagram)
        } else {
            state.outbound.append(Array(datagram))
        }
        return length
    }

    private static let read: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32 = { bio, buffer, capacity in
        guard let bio, let state = state(of: bio), let buffer, capacity > 0 else { return -1 }
        CRTCOpenSSL_BIO_clear_retry_flags(bio)
        guard let datagram = state.dequeueInbound() else {
            CRTCOpenSSL_BIO_set_retry_read(bio)
            return -1
        }
        // A datagram larger than OpenSSL's buffer is cut short; its records then fail to parse and DTLS drops them.
        let count = min(datagram.count, Int(capacity))
        if let source = datagram.baseAddress, count > 0 {
            UnsafeMutableRawPointer(buffer).copyMemory(from: source, byteCount: count)
        }
        return Int32(count)
    }

    private static let control: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int = { bio, command, _, _ in
        guard let state = state(of: bio) else { return 0 }
        switch command {
        case BIO_CTRL_FLUSH:
            // Datagrams leave through `outbound` as soon as they are written: nothing to flush.
            return 1
        case BIO_CTRL_DGRAM_QUERY_MTU, BIO_CTRL_DGRAM_GET_MTU:
            return state.mtu
        case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
            // The link MTU the engine sets is already the datagram (UDP payload) size, so there is no IP/UDP overhead
            // to take off. But OpenSSL 3.0 packs handshake messages into a datagram counting only 13 header bytes
            // for an AEAD record, not its 8-byte explicit nonce and 16-byte tag: the encrypted Finished would push a
            // full datagram 24 bytes past the limit. Reserving that here keeps every datagram within the MTU.
            return DTLSCallbackState.aeadRecordAllowance
        case BIO_CTRL_WPENDING:
            return 0
        case BIO_CTRL_PENDING:
            return state.nextInboundCount
        case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
            // OpenSSL tells the BIO its retransmission deadline; the engine reads it through DTLSv1_get_timeout.
            return 1
        default:
            return 0
        }
    }

    private static let create: @convention(c) (OpaquePointer?) -> Int32 = { _ in 1 }

    private static let destroy: @convention(c) (OpaquePointer?) -> Int32 = { bio in
        guard let bio else { return 0 }
        BIO_set_data(bio, nil)
        BIO_set_init(bio, 0)
        return 1
    }
}
