import NIOCore
import RTCWire

/// Bytes from a hex string; spaces, newlines and `|` are ignored (so RFC-style layouts can be pasted).
func rtpHex(_ text: String) -> [UInt8] {
    let digits = text.filter(\.isHexDigit)
    precondition(digits.count % 2 == 0, "odd hex digit count")
    var out: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        out.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return out
}

/// Parses an RTP packet from bytes.
func rtpParse(_ bytes: [UInt8]) throws(WireError) -> RTPPacket {
    var buffer = ByteBuffer(bytes: bytes)
    return try RTPPacket(parsing: &buffer)
}

/// Serializes an RTP packet to bytes.
func rtpBytes(_ packet: RTPPacket) throws(WireError) -> [UInt8] {
    var buffer = ByteBuffer()
    try packet.write(to: &buffer)
    return Array(buffer.readableBytesView)
}

/// Parses a compound RTCP packet from bytes.
func rtcpParse(_ bytes: [UInt8]) throws(WireError) -> [RTCPPacket] {
    var buffer = ByteBuffer(bytes: bytes)
    return try RTCPCompoundPacket.parse(&buffer)
}

/// Serializes RTCP packets (one compound packet) to bytes.
func rtcpBytes(_ packets: [RTCPPacket]) throws(WireError) -> [UInt8] {
    var buffer = ByteBuffer()
    try RTCPCompoundPacket(packets: packets).write(to: &buffer)
    return Array(buffer.readableBytesView)
}

/// Expects `body` to throw a WireError with this code.
func expectWireError<T>(_ code: WireError.Code, _ body: () throws -> T) -> Bool {
    do {
        _ = try body()
        return false
    } catch let error as WireError {
        return error.code == code
    } catch {
        return false
    }
}
