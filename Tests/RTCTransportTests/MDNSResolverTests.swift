import NIOCore
import NIOPosix
import RTCTransport
import RTCWire
import Synchronization
import Testing

/// A tiny mDNS responder for tests: answers A/AAAA questions for the names it knows by unicast to the querier
/// (RFC 6762 §6.7 legacy unicast: ID echoed, question repeated). On the mDNS group (224.0.0.251:5353, joined with
/// multicast loopback, which works here) or on a plain loopback port.
final class MDNSTestResponder: Sendable {
    let channel: any Channel
    let answered: CounterBox

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let names: [String: STUNAddress.IP]
        let hostileFirst: Bool
        let queries: @Sendable () -> Void

        init(names: [String: STUNAddress.IP], hostileFirst: Bool, queries: @escaping @Sendable () -> Void) {
            self.names = names
            self.hostileFirst = hostileFirst
            self.queries = queries
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            var buffer = envelope.data
            guard let query = try? DNSMessage(parsing: &buffer), !query.isResponse else { return }
            var answers: [DNSResourceRecord] = []
            for question in query.questions {
                guard let (_, ip) = names.first(where: { DNSName($0.key)!.matches(question.name) }) else { continue }
                let type: DNSRecordType = if case .v4 = ip { .a } else { .aaaa }
                if question.type == type || question.type == .any { answers.append(.address(question.name, ip)) }
            }
            guard !answers.isEmpty else { return }
            queries()
            func send(_ bytes: [UInt8]) {
                context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress,
                                                                        data: ByteBuffer(bytes: bytes))), promise: nil)
            }
            if hostileFirst {
                // Garbage, a truncated answer, the wrong ID, an error RCODE, another name, a bad A record.
                send([0xDE, 0xAD, 0xBE, 0xEF])
                let good = DNSMessage(id: query.id, flags: DNSMessage.responseFlag | DNSMessage.authoritativeFlag,
                                      questions: query.questions, answers: answers)
                send(Array(good.bytes.dropLast(3)))
                var wrongID = good
                wrongID.id = query.id &+ 1
                send(wrongID.bytes)
                var refused = good
                refused.flags |= 3
                send(refused.bytes)
                send(DNSMessage(id: query.id, flags: DNSMessage.responseFlag,
                                answers: [.address(DNSName("someone-else.local")!, STUNAddress.IP("10.66.66.66")!)]).bytes)
                send(DNSMessage(id: query.id, flags: DNSMessage.responseFlag,
                                answers: [DNSResourceRecord(name: answers[0].name, type: .a, ttl: 1, data: [1, 2])]).bytes)
            }
            send(DNSMessage(id: query.id, flags: DNSMessage.responseFlag | DNSMessage.authoritativeFlag,
                            questions: query.questions, answers: answers).bytes)
        }
    }

    private init(channel: any Channel, answered: CounterBox) {
        self.channel = channel
        self.answered = answered
    }

    /// Starts a responder for `names`: on the mDNS group when `multicast`, else on 127.0.0.1 at a free port.
    static func start(names: [String: STUNAddress.IP], multicast: Bool, hostileFirst: Bool = false,
                      on eventLoop: any EventLoop) async throws -> MDNSTestResponder {
        let box = CounterBox()
        let channel = try await DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(names: names, hostileFirst: hostileFirst, queries: { box.count.withLock { $0 += 1 } }))
                }
            }
            .bind(host: multicast ? "0.0.0.0" : "127.0.0.1", port: multicast ? MDNSResolver.port : 0).get()
        if multicast {
            let group = try SocketAddress(ipAddress: MDNSResolver.groupIPv4, port: MDNSResolver.port)
            let multicastChannel = try #require(channel as? any MulticastChannel)
            try await multicastChannel.joinGroup(group).get()
        }
        return MDNSTestResponder(channel: channel, answered: box)
    }

    final class CounterBox: Sendable { let count = Mutex(0) }
    var queriesAnswered: Int { answered.count.withLock { $0 } }
    /// Where the responder listens (127.0.0.1:port, or 0.0.0.0:5353 on the group).
    var address: SocketAddress { channel.localAddress! }

    func stop() async { try? await channel.close() }
}

@Suite(.serialized) struct MDNSResolverTests {
    static let name = "5f2c3b1a-8d7e-4c6b-9a0f-1e2d3c4b5a69.local"

    @Test func resolvesThroughTheMulticastGroup() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let name = "\(UInt64.random(in: 0...UInt64.max))-multicast.local"
        let responder = try await MDNSTestResponder.start(names: [name: STUNAddress.IP("127.0.0.1")!], multicast: true,
                                                          on: group.next())
        let resolved = await MDNSResolver().resolve(name, on: group.next())
        #expect(resolved == [STUNAddress.IP("127.0.0.1")!])
        #expect(responder.queriesAnswered >= 1)
        await responder.stop()
        try await group.shutdownGracefully()
    }

    @Test func resolvesFromAnInjectedServerIgnoringHostileAnswers() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let responder = try await MDNSTestResponder.start(names: [Self.name: STUNAddress.IP("192.0.2.77")!], multicast: false,
                                                          hostileFirst: true, on: group.next())
        let resolver = MDNSResolver(server: responder.address, timeout: .seconds(2))
        let resolved = await resolver.resolve(Self.name.uppercased(), on: group.next())
        #expect(resolved == [STUNAddress.IP("192.0.2.77")!])
        await responder.stop()
        try await group.shutdownGracefully()
    }

    @Test func unansweredNameGivesNothingAfterTheTimeout() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let responder = try await MDNSTestResponder.start(names: [Self.name: STUNAddress.IP("192.0.2.77")!], multicast: false,
                                                          on: group.next())
        let resolver = MDNSResolver(server: responder.address, timeout: .milliseconds(600))
        let start = NIODeadline.now()
        #expect(await resolver.resolve("nobody-\(UInt32.random(in: 0...UInt32.max)).local", on: group.next()).isEmpty)
        let elapsed = NIODeadline.now() - start
        #expect(elapsed >= .milliseconds(550) && elapsed < .seconds(30))
        // Names that are not mDNS names are not even asked for.
        #expect(await resolver.resolve("example.com", on: group.next()).isEmpty)
        #expect(await resolver.resolve("", on: group.next()).isEmpty)
        #expect(MDNSResolver.isMDNSName("ABC.LOCAL") && !MDNSResolver.isMDNSName("10.0.0.1"))
        #expect(responder.queriesAnswered == 0)
        await responder.stop()
        try await group.shutdownGracefully()
    }
}
