public import NIOCore
public import RTCWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversions between the wire's ``STUNAddress`` and NIO's `SocketAddress`, done on the socket address structs.
/// Every datagram sent or received crosses one of them, so they never go through the text form of the address.
extension STUNAddress {
    /// The address of a NIO socket address (IPv4 or IPv6); nil for Unix sockets.
    public init?(socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let v4):
            let address = v4.address
            self.init(ip: .v4(UInt32(bigEndian: address.sin_addr.s_addr)), port: UInt16(bigEndian: address.sin_port))
        case .v6(let v6):
            let address = v6.address
            let (hi, lo) = withUnsafeBytes(of: address.sin6_addr) { raw in
                (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                 UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
            self.init(ip: .v6(hi, lo), port: UInt16(bigEndian: address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }

    /// As a NIO socket address.
    public func socketAddress() throws -> SocketAddress {
        switch ip {
        case .v4(let value):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = value.bigEndian
            return SocketAddress(address, host: "")
        case .v6(let hi, let lo):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
                raw.storeBytes(of: hi.bigEndian, toByteOffset: 0, as: UInt64.self)
                raw.storeBytes(of: lo.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            return SocketAddress(address, host: "")
        }
    }
}
