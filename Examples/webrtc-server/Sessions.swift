import AsyncRTC
import AsyncRTCContrib
import Foundation
import Logging
import Synchronization

/// aiortc's server-example signaling bodies: `{"sdp", "type"}`, plus the options the page sends with an offer.
struct SessionDescriptionMessage: Codable, Sendable {
    var sdp: String
    var type: String
    /// none, edges, rotate, grayscale (aiortc's field name).
    var video_transform: String?
    /// echo (default), tone, or file (`--play-from`): what the server sends back (a file replaces the media of
    /// its own kind; a tone replaces the microphone's echo).
    var audio: String?
    /// The session this description belongs to: returned with the answer (or Swift's offer), sent back with
    /// trickled candidates and with the browser's answer.
    var id: String?
}

/// A trickled candidate (`POST /candidate`): the fields of the browser's `RTCIceCandidate.toJSON()` and the
/// session id. A missing or empty candidate means the end of candidates.
struct CandidateMessage: Codable, Sendable {
    var id: String
    var candidate: String?
    var sdpMid: String?
    var sdpMLineIndex: Int?
}

/// One browser: its peer connection and what the server saw of it.
final class Session: Sendable {
    let id: String
    let pc: RTCPeerConnection
    let counters = MediaCounters()
    let created = Date()
    /// `--record-to`: what this browser sends, written to files.
    let recording: SessionRecording?
    /// `--play-from`: the file this browser is sent (one player per browser: a track has one consumer).
    let player = Mutex<MediaPlayer?>(nil)

    init(id: String, pc: RTCPeerConnection, recording: SessionRecording?) {
        self.id = id
        self.pc = pc
        self.recording = recording
    }

    struct Stats: Codable, Sendable {
        var id: String
        var connectionState: String
        var media: MediaCounters.Snapshot
        var videoCodec: String?
        var audioCodec: String?
        var recordings: [SessionRecording.File]?
        /// The browser's end of the pair in use, "type address port" (e.g. "prflx 127.0.0.1 50000": learnt from
        /// its checks, as with a Firefox whose `.local` names nobody here resolves).
        var remoteCandidate: String?
    }

    /// Stops what the session plays and finalises its recordings.
    func finish() async {
        player.withLock { $0 }?.stop()
        await recording?.stop()
    }

    func stats() async -> Stats {
        var videoCodec: String?, audioCodec: String?
        for transceiver in pc.getTransceivers() {
            guard let codec = transceiver.sender.getParameters().codecs.first?.mimeType else { continue }
            if transceiver.kind == .video { videoCodec = codec } else { audioCodec = codec }
        }
        let report = await pc.getStats()
        let remote = report.stats(of: RTCIceCandidatePairStats.self).first { $0.nominated && $0.state == "succeeded" }
            .flatMap { report[$0.remoteCandidateId] as? RTCIceCandidateStats }
        return Stats(id: id, connectionState: pc.connectionState.rawValue, media: counters.snapshot,
                     videoCodec: videoCodec, audioCodec: audioCodec, recordings: recording?.files,
                     remoteCandidate: remote.map { "\($0.candidateType) \($0.address) \($0.port)" })
    }
}

/// Every browser connected to this server, by session id. Closed connections are dropped.
final class SessionStore: Sendable {
    let configuration: RTCConfiguration
    let defaultTransform: VideoTransform
    let defaultAudio: String
    /// `--play-from`: played to browsers that ask for audio "file".
    let playFrom: String?
    /// `--record-to`: the directory recordings go to.
    let recordTo: String?
    let logger: Logger
    private let sessions = Mutex<[String: Session]>([:])

    init(configuration: RTCConfiguration, defaultTransform: VideoTransform, defaultAudio: String, playFrom: String?,
         recordTo: String?, logger: Logger) {
        self.configuration = configuration
        self.defaultTransform = defaultTransform
        self.defaultAudio = defaultAudio
        self.playFrom = playFrom
        self.recordTo = recordTo
        self.logger = logger
    }

    var all: [Session] { sessions.withLock { Array($0.values) }.sorted { $0.created < $1.created } }

    func session(_ id: String?) -> Session? { id.flatMap { id in sessions.withLock { $0[id] } } }

    private func makeSession() -> Session {
        let id = UUID().uuidString.lowercased()
        let recording = recordTo.map { SessionRecording(directory: $0, session: id, logger: self.logger) }
        let session = Session(id: id, pc: RTCPeerConnection(configuration: configuration), recording: recording)
        sessions.withLock { $0[session.id] = session }
        let (pc, logger) = (session.pc, logger)
        pc.onConnectionStateChange = { [weak self] state in
            logger.info("connection state \(state.rawValue)", metadata: ["session": "\(id)"])
            if state == .failed || state == .closed {
                _ = self?.sessions.withLock { $0.removeValue(forKey: id) }
                // A browser that closes stops answering consent checks: the state goes `disconnected`, then
                // `failed` (RFC 7675's 30 s), and the session ends here; close() releases the sockets.
                Task {
                    await pc.close()
                    await session.finish()
                }
            }
        }
        pc.onDataChannel = { channel in Self.echo(channel, session.counters) }
        return session
    }

    /// "ping…" is answered "pong…" (as aiortc's server does); any other message comes back unchanged.
    static func echo(_ channel: RTCDataChannel, _ counters: MediaCounters) {
        channel.onMessage = { message in
            counters.message()
            switch message {
            case .text(let text) where text.hasPrefix("ping"):
                try? channel.send("pong" + text.dropFirst(4))
            case .text(let text):
                try? channel.send(text)
            case .binary(let bytes):
                try? channel.send(bytes)
            }
        }
    }

    /// `POST /offer`: the browser offers; the server echoes audio (or plays a tone), returns the video through
    /// the transform, and echoes the data channel.
    func answer(_ offer: SessionDescriptionMessage) async throws -> SessionDescriptionMessage {
        guard offer.type == "offer" else { throw RTCError(.type, "expected an offer, got \(offer.type)") }
        let transform = offer.video_transform.flatMap(VideoTransform.init(rawValue:)) ?? defaultTransform
        let audioMode = offer.audio ?? defaultAudio
        guard ["echo", "tone", "file"].contains(audioMode) else { throw RTCError(.type, "unknown audio \(audioMode)") }
        let player: MediaPlayer? = try audioMode != "file" ? nil : {
            guard let playFrom else { throw RTCError(.invalidAccess, "the server was started without --play-from") }
            return try MediaPlayer(file: playFrom, loop: true)
        }()
        let session = makeSession()
        session.player.withLock { $0 = player }
        let (pc, counters, logger, tone) = (session.pc, session.counters, logger, audioMode == "tone")
        pc.onTrack = { track, receiver, _ in
            logger.info("track \(track.kind.rawValue) received", metadata: ["session": "\(session.id)"])
            if let recording = session.recording {
                counters.whenFirstFrame(of: track.kind) { recording.start(receiver) }
            }
            // What goes back: the file's track of this kind, else the tone (audio), else the echo.
            let played = track.kind == .video ? player?.video : player?.audio
            if let video = track as? VideoStreamTrack {
                let transformed = VideoTransformTrack(source: video, transform: transform, counters: counters)
                if let played {
                    _ = try? pc.addTrack(played)
                    drain(transformed)
                } else {
                    _ = try? pc.addTrack(transformed)
                }
            } else if let audio = track as? AudioStreamTrack {
                let counted = CountingAudioTrack(source: audio, counters: counters)
                if let played {
                    _ = try? pc.addTrack(played)
                    drain(counted)
                } else if tone {
                    _ = try? pc.addTrack(ToneTrack())
                    drain(counted)
                } else {
                    _ = try? pc.addTrack(counted)
                }
            }
        }
        do {
            try await pc.setRemoteDescription(RTCSessionDescription(sdp: offer.sdp, type: .offer))
            try await pc.setLocalDescription()
        } catch {
            await close(session)
            throw error
        }
        guard let answer = pc.localDescription else { throw RTCError(.operation, "no local description") }
        logger.info("answered (video transform \(transform.rawValue), audio \(audioMode))",
                    metadata: ["session": "\(session.id)"])
        return SessionDescriptionMessage(sdp: answer.sdp, type: answer.type.rawValue, id: session.id)
    }

    /// `GET /offer`: the server offers (a data channel "chat" that echoes); the browser answers with
    /// `POST /answer`.
    func offer() async throws -> SessionDescriptionMessage {
        let session = makeSession()
        let channel = try session.pc.createDataChannel("chat")
        Self.echo(channel, session.counters)
        try await session.pc.setLocalDescription()
        guard let offer = session.pc.localDescription else { throw RTCError(.operation, "no local description") }
        return SessionDescriptionMessage(sdp: offer.sdp, type: offer.type.rawValue, id: session.id)
    }

    /// `POST /answer`: the browser's answer to `GET /offer`.
    func accept(_ answer: SessionDescriptionMessage) async throws {
        guard answer.type == "answer", let session = session(answer.id) else {
            throw RTCError(.invalidAccess, "no session \(answer.id ?? "(none)") waits for an answer")
        }
        try await session.pc.setRemoteDescription(RTCSessionDescription(sdp: answer.sdp, type: .answer))
    }

    /// `POST /candidate`: a candidate the browser trickled after its description.
    func addCandidate(_ message: CandidateMessage) async throws {
        guard let session = session(message.id) else { throw RTCError(.invalidAccess, "no session \(message.id)") }
        guard let line = message.candidate, !line.isEmpty else {
            try await session.pc.addIceCandidate(nil)
            return
        }
        let sdp = line.hasPrefix("candidate:") ? line : "candidate:" + line.replacingOccurrences(of: "a=candidate:", with: "")
        try await session.pc.addIceCandidate(try RTCIceCandidate(sdp: sdp, sdpMid: message.sdpMid,
                                                                 sdpMLineIndex: message.sdpMLineIndex))
    }

    func close(_ session: Session) async {
        _ = sessions.withLock { $0.removeValue(forKey: session.id) }
        await session.pc.close()
        await session.finish()
    }

    func closeAll() async {
        for session in sessions.withLock({ Array($0.values) }) { await close(session) }
    }
}
