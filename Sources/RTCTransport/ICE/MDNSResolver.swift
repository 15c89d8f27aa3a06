public import NIOCore
import NIOPosix
public import RTCWire

/// Resolves the `.local` names that browsers put in host candidates instead of their addresses
/// (draft-ietf-mmusic-mdns-ice-candidates §3.2) with one-shot Multicast DNS queries (RFC 6762 §5.1).
///
/// Each resolution binds its own ephemeral UDP socket, asks for the A and AAAA records of the name (to
/// 224.0.0.251:5353 unless ``server`` says otherwise), repeats the query a few times, and returns the first
/// answer's addresses, or nothing once ``timeout`` has passed. Because the query does not come from port 5353,
/// responders answer it by unicast to that socket (RFC 6762 §6.7, "legacy unicast"), echoing the query ID.
/// Malformed or unrelated datagrams are ignored; a resolution never throws and never outlives its timeout.
public struct MDNSResolver: Sendable {
    /// Where queries go: nil is the IPv4 mDNS group 224.0.0.251:5353 (RFC 6762 §3). Tests point it elsewhere.
    public var server: SocketAddress?
    /// How long a name is waited for before it is given up.
    public var timeout: TimeAmount
    /// When the query is sent again, counted from the first transmission (RFC 6762 §5.2 spaces repeats by at
    /// least a second for continuous queries; a one-shot query for a candidate retries sooner).
    public var retransmissions: [TimeAmount] = [.milliseconds(250), .seconds(1), .seconds(2)]

    public init(server: SocketAddress? = nil, timeout: TimeAmount = .seconds(3)) {
        self.server = server
        self.timeout = timeout
    }

    /// The mDNS IPv4 group and port (RFC 6762 §3).
    public static let groupIPv4 = "224.0.0.251"
    public static let port = 5353

    /// Whether `host` is an mDNS name (ends in `.local`, RFC 6762 §3), which candidates carry instead of an IP.
    public static func isMDNSName(_ host: String) -> Bool {
        let lowered = host.lowercased()
        return lowered.hasSuffix(".local") || lowered.hasSuffix(".local.")
    }

    /// The addresses `host` resolves to (A and AAAA answers), or an empty array when it is not an mDNS name, no
    /// responder answered within ``timeout``, or the network refused the query.
    public func resolve(_ host: String, on eventLoop: any EventLoop) async -> [STUNAddress.IP] {
        guard Self.isMDNSName(host), let name = DNSName(host),
              let target = try? server ?? SocketAddress(ipAddress: Self.groupIPv4, port: Self.port) else { return [] }
        let id = UInt16.random(in: 1...UInt16.max)
        let query = DNSMessage.query(name, types: [.a, .aaaa], id: id)
        let promise = eventLoop.makePromise(of: [STUNAddress.IP].self)
        let bootstrap = DatagramBootstrap(group: eventLoop).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(AnswerHandler(name: name, id: id, promise: promise))
            }
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: target.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
        } catch {
            return []
        }
        let datagram = ByteBuffer(bytes: query.bytes)
        let send: @Sendable () -> Void = {
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: datagram), promise: nil)
        }
        send()
        var scheduled: [Scheduled<Void>] = retransmissions.filter { $0 < timeout }.map {
            eventLoop.scheduleTask(in: $0, send)
        }
        scheduled.append(eventLoop.scheduleTask(in: timeout) { promise.succeed([]) })
        let addresses = (try? await promise.futureResult.get()) ?? []
        for task in scheduled { task.cancel() }
        try? await channel.close()
        return addresses
    }

    /// Completes the promise with the addresses of the first response that answers the query.
    private final class AnswerHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let name: DNSName
        let id: UInt16
        let promise: EventLoopPromise<[STUNAddress.IP]>

        init(name: DNSName, id: UInt16, promise: EventLoopPromise<[STUNAddress.IP]>) {
            self.name = name
            self.id = id
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data).data
            // RFC 6762 §18: only responses with OPCODE 0 and RCODE 0 count; a legacy-unicast answer echoes our ID,
            // a multicast one carries 0.
            guard let message = try? DNSMessage(parsing: &buffer), message.isResponse, message.opcode == 0,
                  message.responseCode == 0, message.id == id || message.id == 0 else { return }
            let addresses = message.addresses(of: name)
            guard !addresses.isEmpty else { return }
            promise.succeed(addresses)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // ICMP errors (nothing listening) surface as read errors: the query is simply not answered.
        }
    }
}
