extension SCTPAssociation {
    /// Sends one message, waiting while usrsctp's send buffer is full instead of failing with `.wouldBlock`.
    ///
    /// A simple form of flow control for bulk senders (file transfer, benchmarks, tests): it polls every
    /// `retryInterval`, so it trades a little latency for simplicity. Data channels will use the buffered-amount
    /// events instead.
    public func sendWhenWritable(streamID: UInt16, ppid: UInt32, ordered: Bool = true,
                                 reliability: SCTPReliability = .reliable, _ bytes: [UInt8],
                                 retryInterval: Duration = .milliseconds(1)) async throws {
        while true {
            do {
                try send(streamID: streamID, ppid: ppid, ordered: ordered, reliability: reliability, bytes)
                return
            } catch {
                guard error.code == .wouldBlock else { throw error }
            }
            try await Task.sleep(for: retryInterval)
        }
    }
}
