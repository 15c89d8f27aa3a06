import Foundation
import NIOCore
import RTCCrypto
import RTCWire

/// Shared helpers of the STUN test files: the RFC 5769 vectors, the injected crypto and a tiny MD5.
enum STUNTestSupport {
    /// Bytes from hex text; whitespace is ignored.
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = hex.filter { !$0.isWhitespace }.map { UInt8(String($0), radix: 16) ?? 0 }
        return stride(from: 0, to: digits.count - 1, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// RTCCrypto's HMAC and CRC-32, the functions RTCTransport will inject.
    static let crypto = STUNCryptoFunctions(
        hmacSHA1: { key, message in HMAC.authenticationCode(.sha1, key: key, message: message) },
        hmacSHA256: { key, message in HMAC.authenticationCode(.sha256, key: key, message: message) },
        crc32: { CRC32.checksum($0) })

    static func hmacSHA1(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        HMAC.authenticationCode(.sha1, key: key, message: message)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 { CRC32.checksum(bytes) }

    // MARK: RFC 5769 vectors

    /// The short-term password of §2.1–§2.3.
    static let rfc5769Password = "VOkJxbRl1RmTxUk/WvJxBt"

    /// RFC 5769 §2.1, sample request. The USERNAME padding is three 0x20 bytes, as in the RFC.
    static let rfc5769Request = bytes("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """)

    /// RFC 5769 §2.2, sample IPv4 response. SOFTWARE is padded with one 0x20.
    static let rfc5769IPv4Response = bytes("""
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """)

    /// RFC 5769 §2.3, sample IPv6 response.
    static let rfc5769IPv6Response = bytes("""
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """)

    /// RFC 5769 §2.4, sample request with long-term authentication (zero padding, no FINGERPRINT).
    static let rfc5769LongTermRequest = bytes("""
        00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
        00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66
        """)

    /// §2.4's username, "マトリックス" (the Japanese for "matrix").
    static let rfc5769LongTermUsername = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}"
    /// §2.4's password "The<U+00AD>M<U+00AA>tr<U+2168>" after SASLprep: soft hyphen removed, ª → a, Ⅸ → IX.
    static let rfc5769LongTermPassword = "TheMatrIX"

    // MARK: MD5 (RFC 1321), for the long-term key only; RTCCrypto offers no MD5 and tests must not add one there.

    static func md5(_ message: [UInt8]) -> [UInt8] {
        let s: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                           5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
        let k: [UInt32] = (0..<64).map { i in
            var x = abs(sin(Double(i + 1))) * 4_294_967_296.0
            x.round(.towardZero)
            return UInt32(x)
        }
        var padded = message + [0x80]
        while padded.count % 64 != 56 { padded.append(0) }
        let bitLength = UInt64(message.count) &* 8
        for i in 0..<8 { padded.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
        var a0: UInt32 = 0x6745_2301, b0: UInt32 = 0xEFCD_AB89, c0: UInt32 = 0x98BA_DCFE, d0: UInt32 = 0x1032_5476
        for chunk in stride(from: 0, to: padded.count, by: 64) {
            let m: [UInt32] = (0..<16).map { j in
                (0..<4).reduce(UInt32(0)) { $0 | UInt32(padded[chunk + 4 * j + $1]) << (8 * UInt32($1)) }
            }
            var a = a0, b = b0, c = c0, d = d0
            for i in 0..<64 {
                var f: UInt32, g: Int
                switch i {
                case 0..<16: f = (b & c) | (~b & d); g = i
                case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
                case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
                default: f = c ^ (b | ~d); g = (7 * i) % 16
                }
                f = f &+ a &+ k[i] &+ m[g]
                a = d; d = c; c = b
                b = b &+ (f << s[i] | f >> (32 - s[i]))
            }
            a0 = a0 &+ a; b0 = b0 &+ b; c0 = c0 &+ c; d0 = d0 &+ d
        }
        return [a0, b0, c0, d0].flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * UInt32($0))) } }
    }

    /// One message of every method and class with a spread of attributes, for round trips and fuzz seeds.
    static func sampleMessages() -> [STUNMessage] {
        let id = STUNTransactionID(high: 0x0102_0304, middle: 0x0506_0708, low: 0x090A_0B0C)
        let v4 = STUNAddress(ip: .v4(0xC000_0201), port: 32853)
        let v6 = STUNAddress(ip: .v6(0x2001_0DB8_1234_5678, 0x0011_2233_4455_6677), port: 3478)
        let methods: [STUNMethod] = [.binding, .allocate, .refresh, .send, .data, .createPermission, .channelBind]
        var out: [STUNMessage] = []
        for method in methods {
            for messageClass in STUNMessageClass.allCases {
                out.append(STUNMessage(type: STUNMessageType(method: method, class: messageClass), transactionID: id))
            }
        }
        out.append(STUNMessage(type: .bindingRequest, transactionID: id, attributes: [
            .username("alice:bob"), .priority(0x6E00_01FF), .iceControlling(0x932F_F9B1_5126_3B36), .useCandidate,
        ]))
        out.append(STUNMessage(type: .bindingRequest, transactionID: id, attributes: [
            .username("bob:alice"), .priority(1), .iceControlled(42),
        ]))
        out.append(STUNMessage(type: .bindingSuccess, transactionID: id, attributes: [.xorMappedAddress(v4), .software("AsyncRTC")]))
        out.append(STUNMessage(type: .bindingSuccess, transactionID: id, attributes: [.xorMappedAddress(v6), .mappedAddress(v6)]))
        out.append(STUNMessage(type: .bindingError, transactionID: id, attributes: [
            .errorCode(.roleConflict), .unknownAttributes([STUNAttributeType(rawValue: 0x0031), .evenPort]),
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .allocate, class: .request), transactionID: id, attributes: [
            .requestedTransport(STUNAttribute.udpTransport), .dontFragment, .evenPort(reserveNext: true), .lifetime(600),
            .requestedAddressFamily(.ipv6), .username("user"), .realm("example.org"), .nonce("abcdef0123"),
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .allocate, class: .successResponse), transactionID: id, attributes: [
            .xorRelayedAddress(v4), .xorMappedAddress(v6), .lifetime(600), .reservationToken(0x0102_0304_0506_0708),
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .allocate, class: .errorResponse), transactionID: id, attributes: [
            .errorCode(.unauthorized), .realm("example.org"), .nonce("nonce-1"), .alternateServer(v4),
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .send, class: .indication), transactionID: id, attributes: [
            .xorPeerAddress(v4), .data(ByteBuffer(bytes: [1, 2, 3, 4, 5])), .dontFragment,
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .data, class: .indication), transactionID: id, attributes: [
            .xorPeerAddress(v6), .data(ByteBuffer(bytes: Array(0..<37))),
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .channelBind, class: .request), transactionID: id, attributes: [
            .channelNumber(0x4001), .xorPeerAddress(v4),
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .createPermission, class: .request), transactionID: id, attributes: [
            .xorPeerAddress(v4), .xorPeerAddress(v6),
        ]))
        out.append(STUNMessage(type: STUNMessageType(method: .refresh, class: .request), transactionID: id, attributes: [
            .lifetime(0), .messageIntegritySHA256(Array(repeating: 0xAB, count: 32)),
        ]))
        out.append(STUNMessage(type: .bindingIndication, transactionID: id, attributes: [
            .unknown(type: STUNAttributeType(rawValue: 0x8055), value: [1, 2, 3]),
            .unknown(type: .passwordAlgorithms, value: [0, 1, 0, 0, 0, 2, 0, 0]),
            .unknown(type: .userhash, value: Array(repeating: 7, count: 32)),
            .fingerprint(0xDEAD_BEEF),
        ]))
        return out
    }
}
