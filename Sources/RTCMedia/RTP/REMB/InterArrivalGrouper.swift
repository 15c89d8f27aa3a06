/// Groups packets into bursts sent within 5 ms of each other and yields the deltas between consecutive groups
/// (draft-ietf-rmcat-gcc-02 §5.2): send-time delta, arrival-time delta and size delta.
struct InterArrivalGrouper {
    struct Group {
        var firstSend: Double
        var lastSend: Double
        var firstArrival: Double
        var lastArrival: Double
        var size: Int
    }

    struct Deltas {
        var send: Double
        var arrival: Double
        var size: Int
    }

    /// Send times within this span of a group's first packet belong to it.
    static let groupSpan = 0.005
    /// A packet arriving this soon after the previous one, with a smaller propagation delta, is part of a burst.
    static let burstSpan = 0.005

    private var current: Group?
    private var previous: Group?

    /// Adds a packet (times in seconds, send time unwrapped); returns the deltas when it closes a group.
    mutating func add(send: Double, arrival: Double, size: Int) -> Deltas? {
        guard var group = current else {
            current = Group(firstSend: send, lastSend: send, firstArrival: arrival, lastArrival: arrival, size: size)
            return nil
        }
        if send < group.firstSend {
            return nil  // reordered from an earlier group
        }
        if belongs(send: send, arrival: arrival, to: group) {
            group.lastSend = max(group.lastSend, send)
            group.lastArrival = max(group.lastArrival, arrival)
            group.size += size
            current = group
            return nil
        }
        var deltas: Deltas?
        if let previous {
            let sendDelta = group.lastSend - previous.lastSend
            let arrivalDelta = group.lastArrival - previous.lastArrival
            if arrivalDelta >= 0 && sendDelta >= 0 {
                deltas = Deltas(send: sendDelta, arrival: arrivalDelta, size: group.size - previous.size)
            } else if arrivalDelta < -3 {
                self.previous = nil  // the arrival clock jumped back: start over
            }
        }
        previous = group
        current = Group(firstSend: send, lastSend: send, firstArrival: arrival, lastArrival: arrival, size: size)
        return deltas
    }

    private func belongs(send: Double, arrival: Double, to group: Group) -> Bool {
        if send - group.firstSend <= Self.groupSpan { return true }
        // A burst: it arrived right after the group and travelled faster than the send spacing says.
        let arrivalDelta = arrival - group.lastArrival
        let propagationDelta = arrivalDelta - (send - group.lastSend)
        return propagationDelta < 0 && arrivalDelta <= Self.burstSpan && arrival - group.firstArrival < 0.1
    }
}
