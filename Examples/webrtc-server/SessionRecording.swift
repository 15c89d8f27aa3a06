import AsyncRTC
import AsyncRTCContrib
import Foundation
import Logging
import Synchronization

/// `--record-to DIR`: what one browser sends, written as it arrives (aiortc's server example records to one file;
/// here each kind goes to its own container): the video to `DIR/<session>.ivf` (VP8 or VP9 as received), Opus
/// audio to `DIR/<session>.ogg`. Both come from the receivers' encoded frames (``RTCRtpReceiver/makeEncodedTrack``),
/// so nothing is decoded or encoded again for the file, and the echo keeps the decoded track to itself. Audio of
/// another codec (PCMU, PCMA, G.722) is not recorded: Ogg holds Opus only.
final class SessionRecording: Sendable {
    struct File: Codable, Sendable {
        var path: String
        var codec: String
        var framesWritten: Int
        var error: String?
    }

    private let directory: String
    private let session: String
    private let logger: Logger
    private let recorders = Mutex<[MediaKind: (recorder: MediaRecorder, codec: String)]>([:])

    init(directory: String, session: String, logger: Logger) {
        self.directory = directory
        self.session = session
        self.logger = logger
    }

    /// Starts recording `receiver`'s frames, once per kind. Called when the first frame of that kind has been
    /// decoded, so the tap's codec is the one the browser actually sends.
    func start(_ receiver: RTCRtpReceiver) {
        let kind = receiver.kind
        let tap = receiver.makeEncodedTrack()
        let codec = tap.codecMimeType
        let path: String
        switch (kind, codec.lowercased()) {
        case (.video, "video/vp8"), (.video, "video/vp9"): path = "\(directory)/\(session).ivf"
        case (.audio, "audio/opus"): path = "\(directory)/\(session).ogg"
        default:
            logger.info("not recording \(codec): only VP8, VP9 (.ivf) and Opus (.ogg) are", metadata: ["session": "\(session)"])
            tap.stop()
            return
        }
        let recorder: MediaRecorder
        do {
            recorder = try MediaRecorder(file: path)
        } catch {
            logger.warning("cannot record to \(path): \(error)")
            tap.stop()
            return
        }
        let added = recorders.withLock { recorders -> Bool in
            guard recorders[kind] == nil else { return false }
            recorders[kind] = (recorder, codec)
            return true
        }
        guard added else {
            tap.stop()
            return
        }
        recorder.addTrack(tap)
        // The file starts at a key frame: ask for one now rather than wait for the browser's next.
        tap.requestKeyframe()
        let logger = logger, session = session
        Task {
            do {
                try await recorder.start()
                logger.info("recording \(codec) to \(path)", metadata: ["session": "\(session)"])
            } catch {
                logger.warning("cannot record to \(path): \(error)", metadata: ["session": "\(session)"])
            }
        }
    }

    var files: [File] {
        recorders.withLock { recorders in
            recorders.values.map { File(path: $0.recorder.file, codec: $0.codec, framesWritten: $0.recorder.framesWritten,
                                        error: $0.recorder.lastError.map { "\($0)" }) }
                .sorted { $0.path < $1.path }
        }
    }

    /// Finalises the files (IVF frame count, Ogg's last page).
    func stop() async {
        let all = recorders.withLock { $0.values.map(\.recorder) }
        for recorder in all { await recorder.stop() }
    }
}
