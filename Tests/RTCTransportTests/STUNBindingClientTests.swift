import NIOCore
import RTCCrypto
import RTCTransport
import RTCWire
import Testing

@Suite struct STUNBindingClientTests {
    let t0 = NIODeadline.uptimeNanoseconds(5_000_000_000)
    let crypto = FakeTURNServer.crypto

    func request(_ actions: [STUNBindingClient.Action]) throws -> (STUNMessage, ByteBuffer) {
        guard actions.count == 1, case .send(let bytes) = actions[0] else {
            throw TURNError(.malformedResponse, "expected one send, got \(actions)")
        }
        var input = bytes
        return (try STUNMessage(parsing: &input), bytes)
    }

    func response(to request: STUNMessage, _ attributes: [STUNAttribute],
                  class messageClass: STUNMessageClass = .successResponse) throws -> ByteBuffer {
        let message = STUNMessage(type: STUNMessageType(method: .binding, class: messageClass),
                                  transactionID: request.transactionID, attributes: attributes)
        return ByteBuffer(bytes: try message.bytes(integrity: nil, fingerprint: true, crypto: crypto))
    }

    @Test func bindingReturnsTheMappedAddress() throws {
        var client = STUNBindingClient(crypto: crypto)
        let (request, raw) = try request(client.start(now: t0))
        #expect(request.type == .bindingRequest)
        try STUNMessage.verifyFingerprint(rawMessage: raw, crc32: crypto.crc32)
        #expect(client.nextTimeout == t0 + .milliseconds(500))
        let mapped = STUNAddress("192.0.2.1:32853")!
        // Someone else's transaction is ignored.
        let other = STUNMessage(type: .bindingRequest)
        #expect(client.receive(try response(to: other, [.xorMappedAddress(mapped)]), now: t0) == [])
        #expect(client.receive(try response(to: request, [.xorMappedAddress(mapped)]), now: t0) == [.completed(mapped)])
        #expect(client.state == .completed(mapped))
        #expect(client.nextTimeout == nil)
    }

    @Test func classicMappedAddressIsAccepted() throws {
        var client = STUNBindingClient(crypto: crypto, fingerprint: false)
        let (request, _) = try request(client.start(now: t0))
        #expect(!request.contains(.fingerprint))
        let mapped = STUNAddress("[2001:db8::5]:9")!
        #expect(client.receive(try response(to: request, [.mappedAddress(mapped)]), now: t0) == [.completed(mapped)])
    }

    @Test func badFingerprintIsIgnored() throws {
        var client = STUNBindingClient(crypto: crypto)
        let (request, _) = try request(client.start(now: t0))
        var bytes = try response(to: request, [.xorMappedAddress(STUNAddress("192.0.2.1:1")!)])
        bytes.setInteger(UInt8(0xFF), at: bytes.writerIndex - 1)
        #expect(client.receive(bytes, now: t0) == [])
        #expect(client.state == .waiting)
    }

    @Test func errorResponseFails() throws {
        var client = STUNBindingClient(crypto: crypto)
        let (request, _) = try request(client.start(now: t0))
        let actions = client.receive(try response(to: request, [.errorCode(.badRequest)], class: .errorResponse), now: t0)
        guard case .failed(let error)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(error.code == .rejected)
        #expect(error.serverError?.code == 400)
    }

    @Test func retransmitsThenTimesOut() throws {
        let policy = STUNRetransmission(initialRTO: .milliseconds(100), maxTransmissions: 3, finalWaitMultiplier: 4)
        #expect(policy.totalTimeout == .milliseconds(700))
        var client = STUNBindingClient(crypto: crypto, retransmission: policy)
        let (first, _) = try request(client.start(now: t0))
        #expect(client.handleTimeout(now: t0 + .milliseconds(99)) == [])
        let (second, _) = try request(client.handleTimeout(now: t0 + .milliseconds(100)))
        #expect(second.transactionID == first.transactionID)
        #expect(client.nextTimeout == t0 + .milliseconds(300))
        _ = try request(client.handleTimeout(now: t0 + .milliseconds(300)))
        #expect(client.nextTimeout == t0 + .milliseconds(700))
        #expect(client.handleTimeout(now: t0 + .milliseconds(700)) == [.failed(TURNError(.timedOut, ""))])
        #expect(STUNRetransmission().totalTimeout == .milliseconds(39_500))
    }
}
