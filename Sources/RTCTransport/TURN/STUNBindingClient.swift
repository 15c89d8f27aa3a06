public import NIOCore
public import RTCWire

/// Server-reflexive address discovery (RFC 8489 §3, §6.2.1) as a sans-I/O state machine: one Binding request to a
/// STUN server, retransmitted on the RFC schedule, whose success response's XOR-MAPPED-ADDRESS (or, from an old
/// server, MAPPED-ADDRESS) is the client's address as the server sees it.
///
/// ```swift
/// var client = STUNBindingClient(crypto: .openSSL)
/// for action in client.start(now: .now()) { … }          // .send(bytes) to the server
/// for action in client.receive(datagram, now: .now()) { … } // .completed(mapped)
/// for action in client.handleTimeout(now: .now()) { … }    // at client.nextTimeout: .send again or .failed
/// ```
public struct STUNBindingClient: Sendable {
    public enum Action: Hashable, Sendable {
        /// Send these bytes to the STUN server.
        case send(ByteBuffer)
        /// The server-reflexive address.
        case completed(STUNAddress)
        case failed(TURNError)
    }

    public enum State: Hashable, Sendable {
        case idle, waiting
        case completed(STUNAddress)
        case failed(TURNError)
    }

    public let crypto: STUNCryptoFunctions
    public let retransmission: STUNRetransmission
    /// Add FINGERPRINT to the request (RFC 8489 §14.7).
    public let fingerprint: Bool
    public private(set) var state: State = .idle
    var request: PendingRequest<Void>?
    var transactionID: STUNTransactionID?

    public init(crypto: STUNCryptoFunctions, retransmission: STUNRetransmission = STUNRetransmission(),
                fingerprint: Bool = true) {
        self.crypto = crypto
        self.retransmission = retransmission
        self.fingerprint = fingerprint
    }

    /// Sends the Binding request. Does nothing unless idle.
    public mutating func start(now: NIODeadline) -> [Action] {
        guard state == .idle else { return [] }
        let message = STUNMessage(type: .bindingRequest)
        var buffer = ByteBuffer()
        do {
            try message.write(to: &buffer, integrity: nil, fingerprint: fingerprint, crypto: crypto)
        } catch {
            let failure = TURNError(.rejected, "cannot encode the Binding request: \(error)")
            state = .failed(failure)
            return [.failed(failure)]
        }
        state = .waiting
        transactionID = message.transactionID
        request = PendingRequest(kind: (), message: buffer, key: nil, now: now, policy: retransmission)
        return [.send(buffer)]
    }

    /// When ``handleTimeout(now:)`` should run next.
    public var nextTimeout: NIODeadline? { state == .waiting ? request?.deadline : nil }

    public mutating func handleTimeout(now: NIODeadline) -> [Action] {
        guard state == .waiting, var pending = request, pending.deadline <= now else { return [] }
        if pending.retransmit(now: now, policy: retransmission) {
            request = pending
            return [.send(pending.message)]
        }
        let seconds = Double(retransmission.totalTimeout.nanoseconds) / 1e9
        return finish(.failed(TURNError(.timedOut, "no Binding response within \(seconds) s")))
    }

    /// A datagram from the server. Anything that is not the response to our request is ignored.
    public mutating func receive(_ datagram: ByteBuffer, now: NIODeadline) -> [Action] {
        guard state == .waiting, STUNMessage.looksLikeSTUN(datagram) else { return [] }
        var input = datagram
        guard let message = try? STUNMessage(parsing: &input), message.transactionID == transactionID,
              message.method == .binding else { return [] }
        if message.contains(.fingerprint) {
            guard (try? STUNMessage.verifyFingerprint(rawMessage: datagram, crc32: crypto.crc32)) != nil else { return [] }
        }
        switch message.messageClass {
        case .successResponse:
            var mapped = message.xorMappedAddress
            if mapped == nil {
                for case .mappedAddress(let address) in message.attributes {
                    mapped = address
                    break
                }
            }
            guard let mapped else {
                return finish(.failed(TURNError(.malformedResponse, "Binding success without XOR-MAPPED-ADDRESS")))
            }
            return finish(.completed(mapped))
        case .errorResponse:
            let error = message.errorCode ?? STUNErrorCode(code: 0, reason: "no ERROR-CODE")
            return finish(.failed(TURNError(.rejected, "Binding rejected", serverError: error)))
        case .request, .indication:
            return []
        }
    }

    mutating func finish(_ state: State) -> [Action] {
        self.state = state
        request = nil
        switch state {
        case .completed(let address): return [.completed(address)]
        case .failed(let error): return [.failed(error)]
        case .idle, .waiting: return []
        }
    }
}
