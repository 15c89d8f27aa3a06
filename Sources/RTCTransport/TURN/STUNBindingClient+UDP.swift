public import NIOCore
public import RTCWire

extension STUNBindingClient {
    /// The result of ``discover(server:localHost:on:retransmission:impairment:)``.
    public struct Discovery: Hashable, Sendable {
        /// The local address of the socket that asked.
        public var localAddress: SocketAddress
        /// The server-reflexive address: the socket's address as the server saw it.
        public var mappedAddress: STUNAddress
    }

    /// Binds a UDP socket on `localHost`, runs one Binding transaction against `server`, closes the socket and
    /// returns the server-reflexive address. Throws ``TURNError`` (timed out, rejected, malformed response).
    public static func discover(
        server: SocketAddress, localHost: String = "0.0.0.0", on eventLoop: any EventLoop,
        retransmission: STUNRetransmission = STUNRetransmission(), impairment: ImpairmentProfile? = nil
    ) async throws -> Discovery {
        let serverAddress = STUNAddress(socketAddress: server)
        let runner = try await eventLoop.submit {
            NIOLoopBound(Runner(eventLoop: eventLoop, server: server,
                                client: STUNBindingClient(crypto: .openSSL, retransmission: retransmission)),
                         eventLoop: eventLoop)
        }.get()
        let socket = try await UDPSocket.bind(host: localHost, port: 0, on: eventLoop, impairment: impairment) {
            datagram, from in
            guard STUNAddress(socketAddress: from) == serverAddress else { return }
            runner.value.perform(runner.value.client.receive(datagram, now: .now()))
        }
        let result: EventLoopFuture<STUNAddress> = eventLoop.flatSubmit {
            runner.value.socket = socket
            runner.value.perform(runner.value.client.start(now: .now()))
            return runner.value.promise.futureResult
        }
        do {
            let mapped = try await result.get()
            await socket.close()
            return Discovery(localAddress: socket.localAddress, mappedAddress: mapped)
        } catch {
            await socket.close()
            throw error
        }
    }

    /// Loop-confined driver of one Binding transaction.
    final class Runner {
        let eventLoop: any EventLoop
        let server: SocketAddress
        var client: STUNBindingClient
        var socket: UDPSocket?
        var timer: Scheduled<Void>?
        let promise: EventLoopPromise<STUNAddress>

        init(eventLoop: any EventLoop, server: SocketAddress, client: STUNBindingClient) {
            self.eventLoop = eventLoop
            self.server = server
            self.client = client
            self.promise = eventLoop.makePromise()
        }

        func perform(_ actions: [Action]) {
            for action in actions {
                switch action {
                case .send(let bytes): socket?.send(bytes, to: server)
                case .completed(let address): promise.succeed(address)
                case .failed(let error): promise.fail(error)
                }
            }
            timer?.cancel()
            timer = nil
            if let next = client.nextTimeout {
                let bound = NIOLoopBound(self, eventLoop: eventLoop)
                timer = eventLoop.scheduleTask(deadline: next) {
                    bound.value.perform(bound.value.client.handleTimeout(now: .now()))
                }
            }
        }
    }
}
