public import NIOCore
import RTCCrypto
import RTCWire

/// SRTP on the bundled transport (RFC 5764): sessions keyed by what DTLS exported, RTP and RTCP protected and
/// unprotected in place, and nothing ever sent in the clear — before the keys exist, media is dropped, not sent.
extension PeerTransport {
    /// A packet for the media layer, already unprotected.
    public enum MediaPacket: Sendable {
        case rtp(ByteBuffer)
        case rtcp(ByteBuffer)
    }

    /// What the SRTP layer refused or could not do.
    public struct SRTPCounters: Sendable, Hashable {
        /// Inbound packets dropped because they failed authentication (forged, corrupted, wrong key).
        public var authenticationFailures = 0
        /// Inbound packets dropped as replays or as older than the replay window.
        public var replays = 0
        /// Inbound packets dropped because no keys existed yet.
        public var droppedBeforeKeys = 0
        /// Outbound packets not sent because no keys existed yet.
        public var unsentBeforeKeys = 0
        /// Outbound packets libsrtp refused to protect.
        public var protectFailures = 0
        public init() {}
    }

    struct MediaState {
        /// What DTLS exported, until the sessions are made from it.
        var keys: (material: SRTPKeyingMaterial, role: DTLSEngine.Role)?
        var outboundSession: SRTPSession?
        var inboundSession: SRTPSession?
        var receiver: (@Sendable (MediaPacket) -> Void)?
        var counters = SRTPCounters()

        /// The sessions are made when the first packet needs one, not when DTLS exports the keys: a connection
        /// that carries only data channels never pays for them (two libsrtp sessions hold ~30 KiB, more on NSS).
        /// A failure leaves media off (counted as packets before keys); DTLS only negotiates profiles libsrtp has.
        mutating func sessions() -> (outbound: SRTPSession, inbound: SRTPSession)? {
            if let outboundSession, let inboundSession { return (outboundSession, inboundSession) }
            guard let keys else { return nil }
            guard let outbound = try? SRTPSession(keyingMaterial: keys.material, role: keys.role, direction: .outbound),
                  let inbound = try? SRTPSession(keyingMaterial: keys.material, role: keys.role, direction: .inbound) else {
                self.keys = nil
                return nil
            }
            outboundSession = outbound
            inboundSession = inbound
            return (outbound, inbound)
        }
    }

    /// Sets who receives unprotected RTP and RTCP. Called on the event loop, one packet at a time.
    public func setMediaReceiver(_ receiver: (@Sendable (MediaPacket) -> Void)?) {
        media.withLock { $0.receiver = receiver }
    }

    /// Whether SRTP keys exist (DTLS is connected and negotiated an SRTP profile).
    public var isSRTPReady: Bool { media.withLock { $0.keys != nil } }

    /// The SRTP counters so far.
    public var srtpCounters: SRTPCounters { media.withLock { $0.counters } }

    /// Protects an RTP packet in place and sends it on the selected pair. Returns false when it was not sent
    /// (no keys yet, or libsrtp refused it); plain RTP never leaves.
    ///
    /// The packet is taken (`consuming`): a caller that hands over its only reference lets SRTP write the tag into
    /// the same storage. A borrowed buffer the caller still held was copied whole (copy-on-write) by that write.
    @discardableResult
    public func sendRTP(_ packet: consuming ByteBuffer) -> Bool {
        send(packet, isRTCP: false)
    }

    /// Protects RTP packets in place and sends them on the selected pair in one event-loop hop (one wake-up of the
    /// loop, one flush: `sendmmsg`), in order. A video frame's packets go together this way instead of one hop each.
    /// Returns how many were sent (none before the keys exist; a packet libsrtp refuses is left out and counted).
    @discardableResult
    public func sendRTP(_ packets: consuming [ByteBuffer]) -> Int {
        guard !packets.isEmpty else { return 0 }
        var packets = packets
        let protected: [ByteBuffer] = media.withLock { state in
            guard let session = state.sessions()?.outbound else {
                state.counters.unsentBeforeKeys += packets.count
                return []
            }
            var out: [ByteBuffer] = []
            out.reserveCapacity(packets.count)
            for index in packets.indices {
                // Moved out of the array, so the buffer is uniquely referenced and the tag is written in place.
                var packet = ByteBuffer()
                swap(&packet, &packets[index])
                do {
                    try session.protect(rtp: &packet)
                    out.append(packet)
                } catch {
                    state.counters.protectFailures += 1
                }
            }
            return out
        }
        guard !protected.isEmpty else { return 0 }
        let ice = self.ice
        if ice.eventLoop.inEventLoop {
            for packet in protected { ice.send(packet) }
        } else {
            // On the loop, ICEEndpoint.send sends at once and the socket flushes the batch together.
            ice.eventLoop.execute {
                for packet in protected { ice.send(packet) }
            }
        }
        return protected.count
    }

    /// Protects a (compound) RTCP packet in place and sends it. Returns false when it was not sent.
    @discardableResult
    public func sendRTCP(_ packet: consuming ByteBuffer) -> Bool {
        send(packet, isRTCP: true)
    }

    private func send(_ packet: consuming ByteBuffer, isRTCP: Bool) -> Bool {
        var packet = packet
        let protected: Bool = media.withLock { state in
            guard let session = state.sessions()?.outbound else {
                state.counters.unsentBeforeKeys += 1
                return false
            }
            do {
                if isRTCP { try session.protectRTCP(&packet) } else { try session.protect(rtp: &packet) }
                return true
            } catch {
                state.counters.protectFailures += 1
                return false
            }
        }
        guard protected else { return false }
        ice.send(packet)
        return true
    }

    func installSRTP(_ keys: SRTPKeyingMaterial, role: DTLSEngine.Role) {
        media.withLock { state in
            state.keys = (keys, role)
            state.outboundSession = nil
            state.inboundSession = nil
        }
    }

    func receiveSRTP(_ datagram: ByteBuffer, isRTCP: Bool) {
        var packet = datagram
        let receiver = media.withLock { state -> (@Sendable (MediaPacket) -> Void)? in
            guard let session = state.sessions()?.inbound else {
                state.counters.droppedBeforeKeys += 1
                return nil
            }
            do throws(SRTPError) {
                if isRTCP { try session.unprotectRTCP(&packet) } else { try session.unprotect(srtp: &packet) }
            } catch {
                switch error.code {
                case .replayFailed, .replayTooOld: state.counters.replays += 1
                default: state.counters.authenticationFailures += 1
                }
                return nil
            }
            return state.receiver
        }
        receiver?(isRTCP ? MediaPacket.rtcp(packet) : MediaPacket.rtp(packet))
    }
}
