import Foundation

/// Reads the checked-in SDP fixtures and fuzz corpora, located from this file's path.
enum SDPFixtures {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repositoryRoot.appendingPathComponent("Tests/RTCWireTests/Fixtures/SDP")

    /// The real captured descriptions (not the derived `_invalid` / `_truncated` variants).
    static let realNames = [
        "aiortc_av_data_offer", "aiortc_av_data_answer", "aiortc_data_offer", "aiortc_data_answer",
        "chromium_av_data_offer", "chromium_av_data_answer", "chromium_data_offer", "chromium_data_answer",
        "chromium_simulcast_offer", "chromium_simulcast_answer",
    ]

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name + ".sdp"), encoding: .utf8)
    }

    /// `(file, code, line)` for each derived variant, from variants.txt.
    static func variants() throws -> [(file: String, code: String, line: Int)] {
        let text = try String(contentsOf: directory.appendingPathComponent("variants.txt"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { row in
            let parts = row.split(separator: " ")
            guard parts.count == 3, let line = Int(parts[2]) else { return nil }
            return (String(parts[0]), String(parts[1]), line)
        }
    }

    static func candidateLines() throws -> [String] {
        let text = try String(contentsOf: directory.appendingPathComponent("chromium_candidates.txt"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }
}
