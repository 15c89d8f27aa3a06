// webrtc-server — the Swift twin of aiortc's examples/server: serves a page on which the browser sends its
// camera, microphone and a data channel; the server echoes the audio (or plays a tone), returns the video through
// a transform done in Swift on the decoded frames (none, edges, rotate, grayscale), and answers "ping" with
// "pong". Signaling is aiortc's: POST /offer {"sdp","type","video_transform"} → {"sdp","type"}.
//
//   swift run webrtc-server --port 8080          # then open http://127.0.0.1:8080
//   swift run webrtc-server --play-from music.ogg --record-to recordings
//
// Also: POST /candidate (candidates the browser trickles after its offer), GET /offer + POST /answer (the
// server offers a data channel instead), GET /stats (what the server decoded, as JSON; the browser tests read it).
import ArgumentParser
import AsyncRTC
import AsyncRTCContrib
import Foundation
import Logging
import NIOCore
import NIOHTTP1

@main
struct WebRTCServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webrtc-server",
        abstract: "WebRTC audio/video/data-channel echo server for browsers (aiortc's server example).")

    enum AudioMode: String, ExpressibleByArgument, CaseIterable { case echo, tone, file }

    @Option(help: "Host for the HTTP server.") var host = "127.0.0.1"
    @Option(help: "Port for the HTTP server (0 picks a free one and prints it).") var port = 8080
    @Option(help: "Default video transform: \(VideoTransform.allCases.map(\.rawValue).joined(separator: ", ")) (the page may choose another).")
    var videoTransform = "none"
    @Option(help: "What the server sends back by default (the page may choose another): echo (the browser's microphone), tone (440 Hz) or file (--play-from).")
    var audio: AudioMode = .echo
    @Option(help: "A file to play to browsers that choose \"file\": audio (.wav, .ogg) replaces the echo of the microphone, video (.ivf, .y4m) the returned camera. Loops.")
    var playFrom: String?
    @Option(help: "A directory to record what each browser sends to: <session>.ivf (VP8/VP9 video), <session>.ogg (Opus audio).")
    var recordTo: String?
    @Flag(help: "Offer loopback addresses as ICE candidates (a browser and server in a loopback-only sandbox).")
    var loopbackCandidates = false
    @Flag(help: "Log every connection's progress (debug level).") var verbose = false

    func validate() throws {
        guard VideoTransform(rawValue: videoTransform) != nil else {
            throw ValidationError("unknown video transform \(videoTransform)")
        }
        if audio == .file && playFrom == nil { throw ValidationError("--audio file needs --play-from") }
        if let playFrom {
            do { try MediaPlayer(file: playFrom).stop() } catch { throw ValidationError("--play-from \(playFrom): \(error)") }
        }
    }

    func run() async throws {
        var log = Logger(label: "webrtc-server")
        log.logLevel = verbose ? .debug : .info
        let logger = log
        if let recordTo {
            try FileManager.default.createDirectory(atPath: recordTo, withIntermediateDirectories: true)
        }
        var configuration = RTCConfiguration(includeLoopbackCandidates: loopbackCandidates)
        configuration.logger = verbose ? logger : nil
        let store = SessionStore(configuration: configuration,
                                 defaultTransform: VideoTransform(rawValue: videoTransform) ?? .none,
                                 defaultAudio: audio.rawValue, playFrom: playFrom, recordTo: recordTo, logger: logger)
        let server = HTTPServer(host: host, port: port, logger: logger) { head, body in
            await Self.route(head, body, store, logger)
        }
        try await server.run { address in
            // The browser tests wait for this line (and read the port from it).
            let line = "webrtc-server: listening on http://\(host):\(address?.port ?? port)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        await store.closeAll()
    }

    static func route(_ head: HTTPRequestHead, _ body: [UInt8], _ store: SessionStore, _ logger: Logger) async -> HTTPResponse {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        logger.debug("\(head.method) \(path) (\(body.count) bytes)")
        defer { logger.debug("\(head.method) \(path) done") }
        do {
            switch (head.method, path) {
            case (.GET, "/"), (.GET, "/index.html"):
                return .text(Page.html, contentType: "text/html; charset=utf-8")
            case (.GET, "/client.js"):
                return .text(Page.javascript, contentType: "application/javascript; charset=utf-8")
            case (.POST, "/offer"):
                return .json(try await store.answer(try decode(SessionDescriptionMessage.self, body)))
            case (.GET, "/offer"):
                return .json(try await store.offer())
            case (.POST, "/answer"):
                try await store.accept(try decode(SessionDescriptionMessage.self, body))
                return .json(["ok": true])
            case (.POST, "/candidate"):
                try await store.addCandidate(try decode(CandidateMessage.self, body))
                return .json(["ok": true])
            case (.GET, "/stats"):
                var sessions: [Session.Stats] = []
                for session in store.all { sessions.append(await session.stats()) }
                return .json(["sessions": sessions])
            case (_, "/"), (_, "/offer"), (_, "/answer"), (_, "/candidate"), (_, "/stats"), (_, "/client.js"):
                return .error(.methodNotAllowed, "method not allowed")
            default:
                return .error(.notFound, "not found")
            }
        } catch let error as DecodingError {
            return .error(.badRequest, "bad JSON: \(error)")
        } catch {
            logger.warning("\(head.method) \(path) failed: \(error)")
            return .error(.badRequest, "\(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(body))
    }
}
