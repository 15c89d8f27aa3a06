#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CRTCUsrsctp

/// The process-wide usrsctp instance in AF_CONN mode: SCTP packets are not sent by usrsctp but handed to the
/// association that produced them, which passes them to DTLS (RFC 8261).
///
/// usrsctp is initialised once, on the first association, and calls back on its own threads (timers) and
/// synchronously inside `usrsctp_conninput` / `usrsctp_sendv` / `usrsctp_connect` / `usrsctp_close`. C callbacks
/// cannot capture context, so each association is known to usrsctp only as an integer id (its AF_CONN address and
/// its socket's ulp_info); callbacks look the id up in `registry`, and after `close()` they find nothing and do
/// nothing. Ids are never reused.
public final class SCTPStack: Sendable {
    static let shared = SCTPStack()

    private struct State {
        var initialized = false
        var nextID = 1
        var sinks: [Int: SCTPAssociationSink] = [:]
    }

    private let state = Locked(State())

    private init() {}

    /// Associations currently open in this process.
    public static var associationCount: Int { shared.state.withLock { $0.sinks.count } }

    /// Tears usrsctp down (`usrsctp_finish`) once no association is open, retrying while usrsctp still holds
    /// endpoints that are being freed by its timers. Returns whether it succeeded within `timeout`. A later
    /// association initialises usrsctp again. Do not create associations concurrently with this call.
    public static func finish(timeout: Duration = .seconds(5)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let idle = shared.state.withLock { state in state.sinks.isEmpty || !state.initialized }
            if idle {
                // usrsctp_finish joins usrsctp's threads, which may be inside our callbacks waiting for the
                // registry lock: never call it with the lock held.
                if !shared.state.withLock({ $0.initialized }) { return true }
                if usrsctp_finish() == 0 {
                    shared.state.withLock { $0.initialized = false }
                    return true
                }
            }
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Registers a sink and returns its id, initialising usrsctp on first use.
    func register(_ makeSink: (Int) -> SCTPAssociationSink) -> Int {
        state.withLock { state in
            if !state.initialized {
                Self.initializeUsrsctp()
                state.initialized = true
            }
            let id = state.nextID
            state.nextID += 1
            state.sinks[id] = makeSink(id)
            return id
        }
    }

    func unregister(_ id: Int) {
        _ = state.withLock { $0.sinks.removeValue(forKey: id) }
    }

    func sink(for id: Int) -> SCTPAssociationSink? {
        state.withLock { $0.sinks[id] }
    }

    static func pointer(for id: Int) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: id)
    }

    private static func initializeUsrsctp() {
        // Port 0: no UDP encapsulation; every packet leaves through the AF_CONN output callback below.
        usrsctp_init(0, { address, buffer, length, _, _ in
            guard let buffer, let sink = SCTPStack.shared.sink(for: Int(bitPattern: address)) else { return 0 }
            // usrsctp reuses the buffer when we return: copy before handing it on.
            let packet = [UInt8](UnsafeRawBufferPointer(start: buffer, count: length))
            sink.emit(packet)
            return 0
        }, nil)
        // WebRTC's profile of SCTP (RFC 8831 §6.2, RFC 8261): no ECN (DTLS cannot carry the bits), no ASCONF or
        // AUTH (single "address", DTLS authenticates), partial reliability and stream reconfiguration on.
        _ = usrsctp_sysctl_set_sctp_ecn_enable(0)
        _ = usrsctp_sysctl_set_sctp_auto_asconf(0)
        _ = usrsctp_sysctl_set_sctp_asconf_enable(0)
        _ = usrsctp_sysctl_set_sctp_auth_enable(0)
        _ = usrsctp_sysctl_set_sctp_pr_enable(1)
        _ = usrsctp_sysctl_set_sctp_reconfig_enable(1)
        // Do not answer stray packets for unknown associations with ABORT.
        _ = usrsctp_sysctl_set_sctp_blackhole(2)
        // Room for several large messages in flight (data channels allow 256 KiB messages by default).
        _ = usrsctp_sysctl_set_sctp_sendspace(1 << 20)
        _ = usrsctp_sysctl_set_sctp_recvspace(1 << 20)
        // Timers suited to interactive use over the Internet: 1 s initial RTO, 10 s cap, 20 ms delayed SACK.
        _ = usrsctp_sysctl_set_sctp_rto_initial_default(1000)
        _ = usrsctp_sysctl_set_sctp_rto_max_default(10_000)
        _ = usrsctp_sysctl_set_sctp_init_rto_max_default(10_000)
        _ = usrsctp_sysctl_set_sctp_delayed_sack_time_default(20)
    }
}

/// The C receive callback for every association's socket; `ulpInfo` carries the association id.
/// usrsctp hands over ownership of `data`: it is freed here on every path.
/// usrsctp's send callback (`send_cb`): free space in the send buffer rose above the socket's threshold.
func sctpSendCallback(_ socket: OpaquePointer?, _ freeSpace: UInt32, _ ulpInfo: UnsafeMutableRawPointer?) -> Int32 {
    SCTPStack.shared.sink(for: Int(bitPattern: ulpInfo))?.writable()
    return 0
}

func sctpReceiveCallback(_ socket: OpaquePointer?, _ address: sctp_sockstore, _ data: UnsafeMutableRawPointer?,
                         _ length: Int, _ info: sctp_rcvinfo, _ flags: Int32,
                         _ ulpInfo: UnsafeMutableRawPointer?) -> Int32 {
    defer { free(data) }
    guard let data, let sink = SCTPStack.shared.sink(for: Int(bitPattern: ulpInfo)) else { return 1 }
    sink.deliver(UnsafeRawBufferPointer(start: data, count: length), info: info, flags: flags)
    return 1
}
