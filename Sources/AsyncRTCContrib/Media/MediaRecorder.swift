import Foundation
public import AsyncRTC
import RTCTransport

/// Records a track to a file, as aiortc's `MediaRecorder`: the container is chosen by the file's extension —
/// `.wav` (PCM s16), `.ogg` (Opus), `.ivf` (VP8, or VP8/VP9 as received), `.y4m` (raw I420).
///
/// ```swift
/// let recorder = try MediaRecorder(file: "call.ogg")
/// pc.onTrack = { track, _, _ in if track.kind == .audio { recorder.addTrack(track) } }
/// try await recorder.start()
/// …
/// await recorder.stop()
/// ```
///
/// Each container holds one stream: the first track added whose kind fits it is recorded; tracks of the other
/// kind are ignored (as they would be by a WAV or IVF file). Decoded frames are encoded as the container needs;
/// a track of encoded frames (``EncodedFrameSource``, e.g. ``RTCRtpReceiver/makeEncodedTrack(capacity:)``) of
/// the container's codec is written without re-encoding. `stop()` finalises the headers. Every container is
/// readable up to its last complete frame if the process dies while recording (WAV: up to the last size update,
/// about once a second).
public final class MediaRecorder: Sendable {
    public let file: String
    public let format: MediaFileFormat

    private struct State {
        var tracks: [MediaStreamTrack] = []
        var task: Task<Void, Never>?
        var started = false
        var framesWritten = 0
        var error: (any Error)?
    }

    private let state = Locked(State())

    /// - Parameters:
    ///   - file: the path to write (replaced if it exists).
    ///   - format: the container; nil to take it from the extension.
    /// - Throws: ``MediaFileError`` `.unsupported` for an extension naming no supported container.
    public init(file: String, format: MediaFileFormat? = nil) throws {
        guard let format = format ?? MediaFileFormat(path: file) else {
            throw MediaFileError(.unsupported, "\(file): unknown container (use .wav, .ogg, .ivf or .y4m)")
        }
        self.file = file
        self.format = format
    }

    /// Adds a track to record (before `start()`).
    public func addTrack(_ track: MediaStreamTrack) {
        state.withLock { $0.tracks.append(track) }
    }

    /// Frames written so far (audio: encoded packets or received frames; video: pictures).
    public var framesWritten: Int { state.withLock { $0.framesWritten } }

    /// The error that ended the recording early (a full disk, a codec failure), nil otherwise.
    public var lastError: (any Error)? { state.withLock { $0.error } }

    /// Creates the file and starts recording in the background.
    /// - Throws: ``MediaFileError`` `.io` when the file cannot be created, `.invalidState` when already started.
    public func start() async throws {
        let kind = format.kind
        let track: MediaStreamTrack? = try state.withLock { state throws(MediaFileError) in
            guard !state.started else { throw MediaFileError(.invalidState, "the recorder was started already") }
            state.started = true
            return state.tracks.first { $0.kind == kind }
        }
        guard FileManager.default.createFile(atPath: file, contents: nil) else {
            throw MediaFileError(.io, "cannot create \(file)")
        }
        let format = self.format, file = self.file
        let task = Task { [weak self] in
            let sink: any RecordingSink
            do {
                switch format {
                case .wav: sink = WAVRecordingSink(path: file)
                case .ogg: sink = OggRecordingSink(path: file)
                case .ivf: sink = IVFRecordingSink(path: file)
                case .y4m: sink = try Y4MRecordingSink(path: file)
                }
            } catch {
                self?.state.withLock { $0.error = error }
                return
            }
            if let track {
                do { try await Self.record(track, into: sink, recorder: self) } catch {
                    if !(error is MediaStreamError || error is CancellationError) {
                        self?.state.withLock { $0.error = error }
                    }
                }
            }
            do { try sink.close() } catch { self?.state.withLock { $0.error = error } }
        }
        state.withLock { $0.task = task }
    }

    private static func record(_ track: MediaStreamTrack, into sink: any RecordingSink,
                               recorder: MediaRecorder?) async throws {
        while !Task.isCancelled {
            if let source = track as? any EncodedFrameSource {
                // A relayed source learns its codec from its own negotiation.
                if source.codecMimeType.isEmpty {
                    try await Task.sleep(for: .milliseconds(20))
                    continue
                }
                let frame = try await source.recvEncoded()
                try sink.write(encoded: frame, mimeType: source.codecMimeType)
            } else if let audio = track as? AudioStreamTrack {
                try sink.write(audio: try await audio.recv())
            } else if let video = track as? VideoStreamTrack {
                try sink.write(video: try await video.recv())
            } else {
                return
            }
            let count = sink.framesWritten
            recorder?.state.withLock { $0.framesWritten = count }
        }
    }

    /// Stops recording and finalises the file. Does not stop the tracks.
    public func stop() async {
        let task = state.withLock { state in
            defer { state.task = nil }
            return state.task
        }
        task?.cancel()
        await task?.value
    }
}
