/// One entry of a stats report (W3C webrtc-stats): every kind has an id, a timestamp in milliseconds since the
/// Unix epoch, and its type name.
public protocol RTCStats: Sendable {
    var id: String { get }
    var timestamp: Double { get }
    /// The W3C `RTCStatsType`, e.g. "candidate-pair".
    var type: String { get }
}

/// `RTCPeerConnectionStats`.
public struct RTCPeerConnectionStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "peer-connection" }
    public var dataChannelsOpened: Int
    public var dataChannelsClosed: Int
}

/// `RTCTransportStats`: the one bundled transport.
public struct RTCTransportStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "transport" }
    public var packetsSent: Int
    public var bytesSent: Int
    public var packetsReceived: Int
    public var bytesReceived: Int
    /// "new", "connecting", "connected", "closed" or "failed" (W3C `RTCDtlsTransportState`).
    public var dtlsState: String
    /// "new", "checking", "connected", … (W3C `RTCIceTransportState`).
    public var iceState: String
    public var iceRole: String
    public var selectedCandidatePairId: String?
    public var localCertificateId: String
}

/// `RTCIceCandidatePairStats`.
public struct RTCIceCandidatePairStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "candidate-pair" }
    public var transportId: String
    public var localCandidateId: String
    public var remoteCandidateId: String
    /// "frozen", "waiting", "in-progress", "succeeded" or "failed".
    public var state: String
    public var nominated: Bool
    public var requestsSent: Int
    public var responsesReceived: Int
    public var requestsReceived: Int
    /// Seconds, as W3C specifies.
    public var currentRoundTripTime: Double?
}

/// `RTCIceCandidateStats`, for "local-candidate" and "remote-candidate".
public struct RTCIceCandidateStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String
    public var transportId: String
    public var address: String
    public var port: Int
    public var `protocol`: String
    /// "host", "srflx", "prflx" or "relay".
    public var candidateType: String
    public var priority: UInt32
    public var foundation: String
}

/// `RTCDataChannelStats`.
public struct RTCDataChannelStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "data-channel" }
    public var label: String
    public var `protocol`: String
    public var dataChannelIdentifier: Int?
    public var state: String
    public var messagesSent: Int
    public var bytesSent: Int
    public var messagesReceived: Int
    public var bytesReceived: Int
}

/// `RTCCertificateStats`.
public struct RTCCertificateStats: RTCStats, Hashable {
    public var id: String
    public var timestamp: Double
    public var type: String { "certificate" }
    public var fingerprint: String
    public var fingerprintAlgorithm: String
    public var base64Certificate: String
}

/// A stats report (W3C `RTCStatsReport`): stats objects by id.
public struct RTCStatsReport: Sendable {
    public private(set) var entries: [String: any RTCStats] = [:]

    public init(_ stats: [any RTCStats] = []) {
        for s in stats { entries[s.id] = s }
    }

    public subscript(id: String) -> (any RTCStats)? { entries[id] }
    public var values: [any RTCStats] { entries.values.sorted { $0.id < $1.id } }
    public var keys: [String] { entries.keys.sorted() }

    /// Every entry of one stats type, e.g. `report.stats(of: RTCIceCandidatePairStats.self)`.
    public func stats<S: RTCStats>(of kind: S.Type) -> [S] {
        values.compactMap { $0 as? S }
    }
}
