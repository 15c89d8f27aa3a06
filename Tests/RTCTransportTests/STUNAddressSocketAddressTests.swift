import NIOCore
import RTCTransport
import RTCWire
import Testing

@Suite struct STUNAddressSocketAddressTests {
    static let addresses = ["127.0.0.1:5000", "192.0.2.200:65535", "0.0.0.0:0", "[::1]:9", "[2001:db8::8:800:200c:417a]:443",
                            "[fe80::1:2:3:4]:1", "[::ffff:192.0.2.1]:80"]

    @Test(arguments: addresses)
    func convertsBothWaysLikeTheTextForm(text: String) throws {
        let address = try #require(STUNAddress(text))
        let socket = try address.socketAddress()
        // The same socket address NIO makes from the text form: family, bytes and port.
        let reference = try SocketAddress(ipAddress: "\(address.ip)", port: Int(address.port))
        #expect(socket == reference)
        #expect(socket.port == Int(address.port) && socket.ipAddress == reference.ipAddress)
        #expect(STUNAddress(socketAddress: reference) == address)
        #expect(STUNAddress(socketAddress: socket) == address)
    }

    @Test func unixSocketsHaveNoSTUNAddress() throws {
        #expect(STUNAddress(socketAddress: try SocketAddress(unixDomainSocketPath: "/tmp/x")) == nil)
    }
}
