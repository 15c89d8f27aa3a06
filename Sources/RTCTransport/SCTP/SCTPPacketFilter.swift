/// A structural check of SCTP packets before they reach usrsctp (RFC 9260 §3).
///
/// usrsctp 0.9.5 (Debian 12's) spins forever in `sctp_send_initiate_ack` → `sctp_get_next_param` on some INIT
/// chunks with a broken parameter list: a peer that passed DTLS could hang a thread at 100 % CPU with one packet.
/// Packets are therefore checked here first: every chunk's length must be at least its header and lie inside the
/// packet, and the TLV lists of INIT, INIT ACK, ABORT, ERROR and RE-CONFIG chunks must be well formed (each entry
/// at least 4 bytes, inside its chunk). Anything else is dropped, as a corrupted packet would be. The checksum
/// and everything semantic stay usrsctp's job.
public enum SCTPPacketFilter {
    /// Chunk types whose value is (after a fixed part of `fixedLength` bytes) a list of 4-byte-aligned TLVs.
    private static func tlvListOffset(chunkType: UInt8) -> Int? {
        switch chunkType {
        case 1, 2: 16  // INIT, INIT ACK: initiate tag, a_rwnd, streams, initial TSN, then parameters
        case 6, 9: 0  // ABORT, ERROR: error causes
        case 130: 0  // RE-CONFIG (RFC 6525): parameters
        default: nil
        }
    }

    /// True when the packet is structurally sound enough to hand to usrsctp.
    public static func isAcceptable(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard packet.count >= 12 + 4 else { return false }  // common header and at least one chunk header
        var offset = 12
        while offset < packet.count {
            guard packet.count - offset >= 4 else { return false }
            let type = packet[offset]
            let length = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            guard length >= 4, length <= packet.count - offset else { return false }
            if let fixed = tlvListOffset(chunkType: type) {
                guard length >= 4 + fixed, tlvListIsSound(packet, from: offset + 4 + fixed, to: offset + length) else {
                    return false
                }
            }
            // Chunks are padded to a multiple of 4 bytes; the last one may end without padding.
            offset += (length + 3) & ~3
        }
        return true
    }

    private static func tlvListIsSound(_ packet: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Bool {
        var offset = start
        while offset < end {
            guard end - offset >= 4 else { return false }
            let length = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            guard length >= 4, length <= end - offset else { return false }
            offset += (length + 3) & ~3
        }
        return true
    }

    public static func isAcceptable(_ packet: [UInt8]) -> Bool {
        packet.withUnsafeBytes { isAcceptable($0) }
    }
}
