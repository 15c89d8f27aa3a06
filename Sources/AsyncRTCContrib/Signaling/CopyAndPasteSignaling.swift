import AsyncRTC
import Foundation
import NIOPosix

/// Signaling by hand: messages are printed for the user to copy to the other side, and read from standard input,
/// like aiortc's `CopyAndPasteSignaling`.
public struct CopyAndPasteSignaling: Signaling {
    public init() {}

    public func connect() async throws {}

    public func send(_ message: SignalingMessage) async throws {
        write("-- Send this message to the remote party --\n\(message.encoded())\n\n")
    }

    public func receive() async throws -> SignalingMessage? {
        write("-- Paste the message from the remote party --\n")
        while true {
            // readLine blocks: keep it off the cooperative thread pool.
            let line = try await NIOThreadPool.singleton.runIfActive { readLine(strippingNewline: true) }
            guard let line else { return nil }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if let message = try SignalingMessage(decoding: trimmed) { return message }
        }
    }

    public func close() async {}

    /// Unbuffered, so the prompt shows before the read blocks.
    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
