import RTCWire

extension FuzzChecks {
    /// Fuzz check for the ICE candidate line parser: decode as UTF-8, parse; on success serialize, parse again, and
    /// require an equal value and identical text the second time round.
    public static func candidate(_ bytes: [UInt8]) -> FuzzOutcome {
        let text = String(decoding: bytes, as: UTF8.self)
        let first: ICECandidate
        do {
            first = try ICECandidate(parsing: text)
        } catch {
            return .rejected(error)
        }
        let serialized = first.description
        let second: ICECandidate
        do {
            second = try ICECandidate(parsing: serialized)
        } catch {
            return .invariantBroken("serialized candidate does not parse: \(error)")
        }
        guard first == second else { return .invariantBroken("parse(serialize(x)) != x") }
        guard second.description == serialized else { return .invariantBroken("serialization is not stable") }
        _ = (first.tcpType, first.generation, first.ufrag, first.networkID, first.networkCost, first.transportProtocol)
        return .accepted
    }
}
