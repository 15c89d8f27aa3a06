public import NIOCore
public import RTCWire

/// A TURN client allocation (RFC 8656) as a sans-I/O state machine: it never touches a socket or reads the clock.
///
/// Feed it commands (``allocate(now:)``, ``createPermission(for:now:)``, ``bindChannel(to:now:)``,
/// ``send(_:to:now:)``, ``deallocate(now:)``), the datagrams that arrive from the server (``receive(_:now:)``) and
/// timer expiries (``handleTimeout(now:)`` at ``nextTimeout``); it returns ``Action``s: bytes to send to the
/// server and events. Everything it sends goes to the one TURN server the owner talks to.
///
/// - Authentication (RFC 8656 §7.2, RFC 8489 §9.2): the first Allocate goes without credentials; the 401 challenge
///   brings REALM and NONCE, the long-term key `MD5(username:realm:password)` is computed with the injected MD5,
///   and every later request carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY. A 438 Stale Nonce response
///   updates the nonce and retries. A second 401 means the credentials are wrong: the allocation fails with
///   ``TURNError/Code/unauthorized``. Responses to authenticated requests must carry a valid MESSAGE-INTEGRITY;
///   others are discarded as if lost.
/// - Lifetimes: the allocation is refreshed 60 s before it expires (at half its lifetime when that is under
///   2 minutes, RFC 8656 §8), permissions every 4 minutes (they last 5, §9) and channel bindings every 9 minutes
///   (they last 10, §12).
/// - Data: to a peer with a bound channel as ChannelData (§12.4), otherwise as a Send indication (§10.1). Data to a
///   peer without a permission is queued (a few datagrams) while a CreatePermission is sent for it.
public struct TURNAllocation: Sendable {
    /// Settings fixed for the allocation's life.
    public struct Configuration: Sendable {
        public var username: String
        public var password: String
        /// MD5 for the long-term key (RTCWire and RTCTransport hold no hash functions); e.g. `MD5.hash` of RTCCrypto.
        public var md5: @Sendable ([UInt8]) -> [UInt8]
        public var crypto: STUNCryptoFunctions
        /// LIFETIME to ask for in Allocate and Refresh (seconds); nil lets the server choose (600 s by default).
        public var requestedLifetime: UInt32?
        /// Add FINGERPRINT to requests (RFC 8489 §14.7); optional for TURN.
        public var fingerprint = false
        /// SOFTWARE attribute for requests, if any.
        public var software: String?
        public var retransmission = STUNRetransmission()
        /// How ChannelData is framed: `.datagram` over UDP, `.stream` (padded to 4 bytes) over TCP (§12.5).
        public var framing: TURNChannelData.Framing = .datagram
        /// At most this many datagrams wait per peer IP for a permission.
        public var maxQueuedPerPeer = 32

        public init(username: String, password: String, md5: @escaping @Sendable ([UInt8]) -> [UInt8],
                    crypto: STUNCryptoFunctions, requestedLifetime: UInt32? = nil) {
            self.username = username
            self.password = password
            self.md5 = md5
            self.crypto = crypto
            self.requestedLifetime = requestedLifetime
        }
    }

    public enum State: Hashable, Sendable {
        case idle, allocating, allocated, deallocating, closed
        case failed(TURNError)
    }

    /// What an Allocate success response granted (RFC 8656 §7.3).
    public struct Allocated: Hashable, Sendable {
        /// XOR-RELAYED-ADDRESS: the address peers send to.
        public var relayedAddress: STUNAddress
        /// XOR-MAPPED-ADDRESS: the client's server-reflexive address as the server saw it.
        public var mappedAddress: STUNAddress?
        /// LIFETIME, seconds.
        public var lifetime: UInt32

        public init(relayedAddress: STUNAddress, mappedAddress: STUNAddress?, lifetime: UInt32) {
            self.relayedAddress = relayedAddress
            self.mappedAddress = mappedAddress
            self.lifetime = lifetime
        }
    }

    public enum Action: Hashable, Sendable {
        /// Send these bytes to the TURN server.
        case send(ByteBuffer)
        case allocated(Allocated)
        /// A Refresh succeeded; the allocation now lasts `lifetime` seconds.
        case refreshed(lifetime: UInt32)
        case permissionCreated(STUNAddress.IP)
        case permissionFailed(STUNAddress.IP, TURNError)
        case channelBound(peer: STUNAddress, channel: UInt16)
        case channelBindFailed(peer: STUNAddress, TURNError)
        /// Data relayed from a peer, from a Data indication or ChannelData.
        case received(from: STUNAddress, ByteBuffer)
        /// The allocation failed (Allocate or Refresh rejected or timed out); nothing more will happen.
        case failed(TURNError)
        /// The allocation was released (Refresh with LIFETIME 0 answered or timed out).
        case closed
    }

    /// What an outstanding request was for.
    enum RequestKind: Hashable, Sendable {
        case allocate
        case refresh(lifetime: UInt32?)
        case createPermission(STUNAddress.IP)
        case channelBind(peer: STUNAddress, channel: UInt16)
    }

    struct Credentials: Sendable {
        var realm: String
        var nonce: String
        var key: [UInt8]
    }

    struct Permission: Sendable {
        var installed = false
        var pending = false
        var refreshAt: NIODeadline?
        var queued: [(peer: STUNAddress, payload: ByteBuffer)] = []
    }

    struct Channel: Sendable {
        var number: UInt16
        var bound = false
        var pending = false
        var refreshAt: NIODeadline?
    }

    /// Refresh timing (RFC 8656 §8, §9, §12).
    public static let permissionRefreshInterval = TimeAmount.seconds(240)
    public static let channelRefreshInterval = TimeAmount.seconds(540)
    /// At most this many times a request is re-sent after 401/438 with fresh credentials.
    static let maxAuthRetries = 3

    /// What the allocation has done so far, for tests and diagnostics.
    public struct Counters: Hashable, Sendable {
        /// Requests sent, not counting retransmissions.
        public var requests = 0
        public var retransmissions = 0
        /// 401 challenges answered with credentials.
        public var challenges = 0
        /// 438 Stale Nonce responses answered with the new nonce.
        public var staleNonces = 0
        /// Responses dropped because MESSAGE-INTEGRITY was missing or wrong.
        public var integrityFailures = 0
        /// Data sent as Send indications and as ChannelData; received as Data indications and as ChannelData.
        public var sendIndications = 0
        public var channelDataSent = 0
        public var dataIndications = 0
        public var channelDataReceived = 0
        public init() {}
    }

    public let configuration: Configuration
    public private(set) var state: State = .idle
    public private(set) var counters = Counters()
    public private(set) var allocation: Allocated?
    var credentials: Credentials?
    var requests: [STUNTransactionID: PendingRequest<RequestKind>] = [:]
    /// Re-sends after 401/438, per logical request (keyed by kind).
    var authRetries: [RequestKind: Int] = [:]
    var refreshAt: NIODeadline?
    var permissions: [STUNAddress.IP: Permission] = [:]
    var channels: [STUNAddress: Channel] = [:]
    var peerByChannel: [UInt16: STUNAddress] = [:]
    var nextChannel: UInt16 = TURNChannelData.validChannels.lowerBound

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The channel bound (or being bound) to a peer.
    public func channel(for peer: STUNAddress) -> UInt16? { channels[peer]?.number }

    /// Whether a permission for `ip` is installed.
    public func hasPermission(for ip: STUNAddress.IP) -> Bool { permissions[ip]?.installed ?? false }

    // MARK: - Commands

    /// Sends the first Allocate request (RFC 8656 §7.1), without credentials: the server's 401 supplies the realm
    /// and nonce. Does nothing unless the allocation is idle.
    public mutating func allocate(now: NIODeadline) -> [Action] {
        guard state == .idle else { return [] }
        state = .allocating
        return startRequest(.allocate, now: now)
    }

    /// Installs (or refreshes) a permission for the peer's IP address (RFC 8656 §9); the port is ignored.
    public mutating func createPermission(for peer: STUNAddress, now: NIODeadline) -> [Action] {
        guard state == .allocated else { return [.permissionFailed(peer.ip, Self.notAllocated)] }
        return requestPermission(peer.ip, now: now)
    }

    /// Binds a channel to the peer (RFC 8656 §12.1), reusing the peer's channel number if it has one.
    public mutating func bindChannel(to peer: STUNAddress, now: NIODeadline) -> [Action] {
        guard state == .allocated else { return [.channelBindFailed(peer: peer, Self.notAllocated)] }
        if let channel = channels[peer] {
            if channel.pending { return [] }
            channels[peer]?.pending = true
            return startRequest(.channelBind(peer: peer, channel: channel.number), now: now)
        }
        guard TURNChannelData.validChannels.contains(nextChannel) else {
            return [.channelBindFailed(peer: peer, TURNError(.rejected, "all 4096 channel numbers are in use"))]
        }
        let number = nextChannel
        nextChannel &+= 1
        channels[peer] = Channel(number: number, pending: true)
        peerByChannel[number] = peer
        return startRequest(.channelBind(peer: peer, channel: number), now: now)
    }

    /// Relays `payload` to `peer`: ChannelData over a bound channel, a Send indication otherwise. Without a
    /// permission for the peer's IP the payload waits (up to ``Configuration/maxQueuedPerPeer``) while one is
    /// created. Dropped when there is no allocation.
    public mutating func send(_ payload: ByteBuffer, to peer: STUNAddress, now: NIODeadline) -> [Action] {
        guard state == .allocated else { return [] }
        if let channel = channels[peer], channel.bound {
            var buffer = ByteBuffer()
            do {
                try TURNChannelData(channelNumber: channel.number, data: payload)
                    .write(to: &buffer, framing: configuration.framing)
            } catch { return [] }
            counters.channelDataSent += 1
            return [.send(buffer)]
        }
        if permissions[peer.ip]?.installed == true {
            return sendIndication(payload, to: peer)
        }
        var actions: [Action] = []
        if permissions[peer.ip] == nil || permissions[peer.ip]?.pending == false {
            actions = requestPermission(peer.ip, now: now)
        }
        if var permission = permissions[peer.ip], permission.queued.count < configuration.maxQueuedPerPeer {
            permission.queued.append((peer, payload))
            permissions[peer.ip] = permission
        }
        return actions
    }

    /// Sends a Refresh now (RFC 8656 §8), e.g. to test the server or to change the lifetime.
    public mutating func refresh(now: NIODeadline) -> [Action] {
        guard state == .allocated else { return [] }
        guard !requests.values.contains(where: { if case .refresh = $0.kind { true } else { false } }) else { return [] }
        refreshAt = nil
        return startRequest(.refresh(lifetime: configuration.requestedLifetime), now: now)
    }

    /// Releases the allocation: Refresh with LIFETIME 0 (RFC 8656 §8). Ends in ``Action/closed`` when the server
    /// answers or the request times out. Without an allocation it closes at once.
    public mutating func deallocate(now: NIODeadline) -> [Action] {
        switch state {
        case .allocated:
            state = .deallocating
            requests.removeAll()
            refreshAt = nil
            dropPermissionsAndChannels()
            return startRequest(.refresh(lifetime: 0), now: now)
        case .idle, .allocating:
            state = .closed
            requests.removeAll()
            return [.closed]
        case .deallocating, .closed, .failed:
            return []
        }
    }

    /// The connection to the server is gone (TURN over TCP, RFC 8656 §3.1: the allocation dies with it).
    public mutating func transportClosed() -> [Action] {
        switch state {
        case .allocating, .allocated:
            return failAllocation(TURNError(.closed, "the connection to the TURN server closed"))
        case .deallocating:
            return close()
        case .idle:
            state = .closed
            return [.closed]
        case .closed, .failed:
            return []
        }
    }

    // MARK: - Time

    /// The earliest time ``handleTimeout(now:)`` has work to do, if any.
    public var nextTimeout: NIODeadline? {
        var deadlines = requests.values.map(\.deadline)
        if let refreshAt { deadlines.append(refreshAt) }
        deadlines += permissions.values.compactMap { $0.pending ? nil : $0.refreshAt }
        deadlines += channels.values.compactMap { $0.pending ? nil : $0.refreshAt }
        return deadlines.min()
    }

    /// Retransmits requests whose RTO has passed, fails those out of transmissions, and sends the refreshes that
    /// are due.
    public mutating func handleTimeout(now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        let due = requests.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
        for (id, var request) in due {
            if request.retransmit(now: now, policy: configuration.retransmission) {
                requests[id] = request
                counters.retransmissions += 1
                actions.append(.send(request.message))
            } else {
                requests[id] = nil
                let seconds = Double(configuration.retransmission.totalTimeout.nanoseconds) / 1e9
                actions += fail(request.kind, TURNError(.timedOut, "no response to \(request.kind) within \(seconds) s"),
                                now: now)
            }
        }
        guard state == .allocated else { return actions }
        if let refreshAt, refreshAt <= now {
            actions += refresh(now: now)
        }
        for (ip, permission) in permissions where !permission.pending && (permission.refreshAt.map { $0 <= now } ?? false) {
            actions += requestPermission(ip, now: now)
        }
        for (peer, channel) in channels where !channel.pending && (channel.refreshAt.map { $0 <= now } ?? false) {
            channels[peer]?.pending = true
            actions += startRequest(.channelBind(peer: peer, channel: channel.number), now: now)
        }
        return actions
    }

    // MARK: - Input

    /// A datagram (or, over TCP, one framed message) from the TURN server: a response, a Data indication or
    /// ChannelData. Anything else, or anything malformed, is ignored.
    public mutating func receive(_ datagram: ByteBuffer, now: NIODeadline) -> [Action] {
        guard let first = datagram.getInteger(at: datagram.readerIndex, as: UInt8.self) else { return [] }
        if TURNChannelData.looksLikeChannelData(firstByte: first) {
            var input = datagram
            guard let channelData = try? TURNChannelData(parsing: &input, framing: configuration.framing),
                  let peer = peerByChannel[channelData.channelNumber] else { return [] }
            counters.channelDataReceived += 1
            return [.received(from: peer, channelData.data)]
        }
        var input = datagram
        guard STUNMessage.looksLikeSTUN(datagram), let message = try? STUNMessage(parsing: &input) else { return [] }
        switch message.messageClass {
        case .indication:
            guard message.method == .data, state == .allocated || state == .deallocating else { return [] }
            var peer: STUNAddress?
            var data: ByteBuffer?
            for attribute in message.attributes {
                switch attribute {
                case .xorPeerAddress(let address) where peer == nil: peer = address
                case .data(let bytes) where data == nil: data = bytes
                default: break
                }
            }
            guard let peer, let data else { return [] }
            counters.dataIndications += 1
            return [.received(from: peer, data)]
        case .successResponse, .errorResponse:
            return handleResponse(message, raw: datagram, now: now)
        case .request:
            return []
        }
    }

    // MARK: - Requests

    static let notAllocated = TURNError(.notAllocated, "no allocation")

    mutating func requestPermission(_ ip: STUNAddress.IP, now: NIODeadline) -> [Action] {
        var permission = permissions[ip] ?? Permission()
        if permission.pending { return [] }
        permission.pending = true
        permissions[ip] = permission
        return startRequest(.createPermission(ip), now: now)
    }

    mutating func startRequest(_ kind: RequestKind, now: NIODeadline) -> [Action] {
        var attributes: [STUNAttribute] = []
        let method: STUNMethod
        switch kind {
        case .allocate:
            method = .allocate
            attributes.append(.requestedTransport(STUNAttribute.udpTransport))
            if let lifetime = configuration.requestedLifetime { attributes.append(.lifetime(lifetime)) }
        case .refresh(let lifetime):
            method = .refresh
            if let lifetime { attributes.append(.lifetime(lifetime)) }
        case .createPermission(let ip):
            method = .createPermission
            attributes.append(.xorPeerAddress(STUNAddress(ip: ip, port: 0)))
        case .channelBind(let peer, let channel):
            method = .channelBind
            attributes.append(.channelNumber(channel))
            attributes.append(.xorPeerAddress(peer))
        }
        if let software = configuration.software { attributes.append(.software(software)) }
        var integrity: STUNIntegrity?
        if let credentials {
            attributes += [.username(configuration.username), .realm(credentials.realm), .nonce(credentials.nonce)]
            integrity = .longTerm(key: credentials.key)
        }
        let message = STUNMessage(type: STUNMessageType(method: method, class: .request), attributes: attributes)
        var buffer = ByteBuffer()
        do {
            try message.write(to: &buffer, integrity: integrity, fingerprint: configuration.fingerprint,
                              crypto: configuration.crypto)
        } catch {
            return fail(kind, TURNError(.rejected, "cannot encode \(method) request: \(error)"), now: now)
        }
        counters.requests += 1
        requests[message.transactionID] = PendingRequest(kind: kind, message: buffer, key: integrity?.key, now: now,
                                                         policy: configuration.retransmission)
        return [.send(buffer)]
    }

    mutating func handleResponse(_ message: STUNMessage, raw: ByteBuffer, now: NIODeadline) -> [Action] {
        guard let request = requests[message.transactionID] else { return [] }
        if message.contains(.fingerprint) {
            // FINGERPRINT is optional, but one that is present must be right (RFC 8489 §14.7).
            guard (try? STUNMessage.verifyFingerprint(rawMessage: raw, crc32: configuration.crypto.crc32)) != nil else {
                counters.integrityFailures += 1
                return []
            }
        }
        if let key = request.key {
            // RFC 8489 §9.2.5: a response to an authenticated request must be protected with the same key — but
            // 401/438 error responses are sent without MESSAGE-INTEGRITY, since the server rejected the key.
            let unprotectedChallenge = message.messageClass == .errorResponse
                && [401, 438].contains(message.errorCode?.code ?? 0) && !message.contains(.messageIntegrity)
            if !unprotectedChallenge {
                do {
                    try STUNMessage.verifyIntegrity(rawMessage: raw, key: key, hmac: configuration.crypto.hmacSHA1)
                } catch {
                    counters.integrityFailures += 1
                    return []  // as if lost: a retransmission may still bring the genuine answer
                }
            }
        }
        requests[message.transactionID] = nil
        if message.messageClass == .errorResponse {
            return handleErrorResponse(message, request: request, now: now)
        }
        authRetries[request.kind] = nil
        return succeed(request.kind, message, now: now)
    }

    mutating func handleErrorResponse(_ message: STUNMessage, request: PendingRequest<RequestKind>,
                                      now: NIODeadline) -> [Action] {
        let error = message.errorCode ?? STUNErrorCode(code: 0, reason: "no ERROR-CODE")
        let retries = authRetries[request.kind, default: 0]
        switch error.code {
        case 401 where request.key == nil:
            // The challenge (RFC 8489 §9.2.3): answer it with the long-term credentials.
            guard let realm = message.realm, let nonce = message.nonce else {
                return fail(request.kind, TURNError(.malformedResponse, "401 without REALM and NONCE", serverError: error),
                            now: now)
            }
            guard retries < Self.maxAuthRetries else { break }
            authRetries[request.kind] = retries + 1
            counters.challenges += 1
            setCredentials(realm: realm, nonce: nonce)
            return startRequest(request.kind, now: now)
        case 438:
            // Stale Nonce (RFC 8489 §9.2.5): retry with the new nonce (and realm, if it changed).
            guard let nonce = message.nonce, retries < Self.maxAuthRetries else { break }
            authRetries[request.kind] = retries + 1
            counters.staleNonces += 1
            setCredentials(realm: message.realm ?? credentials?.realm ?? "", nonce: nonce)
            return startRequest(request.kind, now: now)
        default:
            break
        }
        authRetries[request.kind] = nil
        let failure: TURNError
        switch error.code {
        case 401, 441:
            failure = TURNError(.unauthorized, "the server rejected the credentials of user \"\(configuration.username)\"",
                                serverError: error)
        default:
            failure = TURNError(.rejected, "\(request.kind) rejected", serverError: error)
        }
        return fail(request.kind, failure, now: now)
    }

    mutating func setCredentials(realm: String, nonce: String) {
        if let credentials, credentials.realm == realm {
            self.credentials?.nonce = nonce
            return
        }
        let key = STUNIntegrity.longTermKey(username: configuration.username, realm: realm,
                                            password: configuration.password, md5: configuration.md5)
        credentials = Credentials(realm: realm, nonce: nonce, key: key)
    }

    mutating func succeed(_ kind: RequestKind, _ message: STUNMessage, now: NIODeadline) -> [Action] {
        switch kind {
        case .allocate:
            guard state == .allocating else { return [] }
            var relayed: STUNAddress?, lifetime: UInt32?
            for attribute in message.attributes {
                switch attribute {
                case .xorRelayedAddress(let address) where relayed == nil: relayed = address
                case .lifetime(let seconds) where lifetime == nil: lifetime = seconds
                default: break
                }
            }
            guard let relayed else {
                return fail(kind, TURNError(.malformedResponse, "Allocate success without XOR-RELAYED-ADDRESS"), now: now)
            }
            let granted = Allocated(relayedAddress: relayed, mappedAddress: message.xorMappedAddress,
                                    lifetime: lifetime ?? 600)
            allocation = granted
            state = .allocated
            refreshAt = Self.refreshTime(lifetime: granted.lifetime, now: now)
            return [.allocated(granted)]
        case .refresh(let requested):
            if requested == 0 || state == .deallocating {
                return close()
            }
            guard state == .allocated else { return [] }
            var lifetime: UInt32 = 600
            for case .lifetime(let seconds) in message.attributes {
                lifetime = seconds
                break
            }
            allocation?.lifetime = lifetime
            refreshAt = Self.refreshTime(lifetime: lifetime, now: now)
            return [.refreshed(lifetime: lifetime)]
        case .createPermission(let ip):
            guard state == .allocated, var permission = permissions[ip] else { return [] }
            permission.pending = false
            permission.installed = true
            permission.refreshAt = now + Self.permissionRefreshInterval
            let queued = permission.queued
            permission.queued = []
            permissions[ip] = permission
            var actions: [Action] = [.permissionCreated(ip)]
            for (peer, payload) in queued { actions += send(payload, to: peer, now: now) }
            return actions
        case .channelBind(let peer, let number):
            guard state == .allocated, var channel = channels[peer], channel.number == number else { return [] }
            channel.pending = false
            channel.bound = true
            channel.refreshAt = now + Self.channelRefreshInterval
            channels[peer] = channel
            // A ChannelBind installs or refreshes the peer's permission too (RFC 8656 §12.2).
            var permission = permissions[peer.ip] ?? Permission()
            if !permission.pending {
                permission.installed = true
                permission.refreshAt = now + Self.permissionRefreshInterval
            }
            permissions[peer.ip] = permission
            return [.channelBound(peer: peer, channel: number)]
        }
    }

    mutating func fail(_ kind: RequestKind, _ error: TURNError, now: NIODeadline) -> [Action] {
        switch kind {
        case .allocate:
            guard state == .allocating else { return [] }
            return failAllocation(error)
        case .refresh(let requested):
            if requested == 0 || state == .deallocating { return close() }
            return failAllocation(error)
        case .createPermission(let ip):
            permissions[ip] = nil
            return [.permissionFailed(ip, error)]
        case .channelBind(let peer, let number):
            if channels[peer]?.bound == true {
                // A failed refresh of a bound channel: the binding will lapse, so forget it.
                channels[peer] = nil
                peerByChannel[number] = nil
            } else {
                channels[peer] = nil
                peerByChannel[number] = nil
            }
            return [.channelBindFailed(peer: peer, error)]
        }
    }

    mutating func failAllocation(_ error: TURNError) -> [Action] {
        state = .failed(error)
        requests.removeAll()
        refreshAt = nil
        dropPermissionsAndChannels()
        return [.failed(error)]
    }

    mutating func close() -> [Action] {
        guard state != .closed else { return [] }
        state = .closed
        requests.removeAll()
        refreshAt = nil
        dropPermissionsAndChannels()
        return [.closed]
    }

    mutating func dropPermissionsAndChannels() {
        permissions.removeAll()
        channels.removeAll()
        peerByChannel.removeAll()
    }

    mutating func sendIndication(_ payload: ByteBuffer, to peer: STUNAddress) -> [Action] {
        // Indications are not authenticated (RFC 8656 §10.1).
        let message = STUNMessage(type: STUNMessageType(method: .send, class: .indication),
                                  attributes: [.xorPeerAddress(peer), .data(payload)])
        var buffer = ByteBuffer()
        do {
            try message.write(to: &buffer, integrity: nil, fingerprint: configuration.fingerprint,
                              crypto: configuration.crypto)
        } catch { return [] }
        counters.sendIndications += 1
        return [.send(buffer)]
    }

    /// When to refresh an allocation of `lifetime` seconds: a minute early, or half-way for lifetimes under 2
    /// minutes.
    static func refreshTime(lifetime: UInt32, now: NIODeadline) -> NIODeadline {
        let seconds = Int64(lifetime)
        return now + .seconds(seconds > 120 ? seconds - 60 : max(1, seconds / 2))
    }
}

extension TURNAllocation.RequestKind: CustomStringConvertible {
    var description: String {
        switch self {
        case .allocate: "Allocate"
        case .refresh(let lifetime): "Refresh(lifetime \(lifetime.map(String.init) ?? "default"))"
        case .createPermission(let ip): "CreatePermission(\(ip))"
        case .channelBind(let peer, let channel): "ChannelBind(0x\(String(channel, radix: 16)) → \(peer))"
        }
    }
}
