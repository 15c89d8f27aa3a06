import Foundation
import NIOCore
import RTCWire
import Testing

/// The checked-in binary fixtures: real or RFC packets parse; their `_truncated` and `_invalid` variants are
/// refused with the error code `Fixtures/binary-variants.txt` names.
@Suite struct BinaryFixtureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func parse(_ area: String, _ bytes: [UInt8]) throws(WireError) {
        var buffer = ByteBuffer(bytes: bytes)
        switch area {
        case "STUN": _ = try STUNMessage(bytes: bytes)
        case "RTP": _ = try RTPPacket(parsing: &buffer)
        case "RTCP": _ = try RTCPCompoundPacket(parsing: &buffer)
        case "DCEP": _ = try DCEPMessage(parsing: &buffer)
        default: throw WireError(.demux, .unsupported, "no parser for \(area)")
        }
    }

    static var variants: [(path: String, code: String)] {
        let text = (try? String(contentsOf: root.appendingPathComponent("binary-variants.txt"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    @Test func manifestListsEveryArea() {
        let areas = Set(Self.variants.map { $0.path.split(separator: "/")[0] })
        #expect(areas == ["STUN", "RTP", "RTCP", "DCEP"])
        #expect(Self.variants.count == 16)
    }

    @Test func variantsAreRefusedWithTheirCodeAndTheirBasesParse() throws {
        for (path, code) in Self.variants {
            let area = String(path.split(separator: "/")[0])
            let bytes = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent(path)))
            do {
                try Self.parse(area, bytes)
                Issue.record("\(path) parsed; expected \(code)")
            } catch {
                #expect(error.code.name == code, "\(path): \(error)")
            }
            let basePath = path.replacingOccurrences(of: "_truncated", with: "").replacingOccurrences(of: "_invalid", with: "")
            let base = [UInt8](try Data(contentsOf: Self.root.appendingPathComponent(basePath)))
            #expect(throws: Never.self, "\(basePath)") { try Self.parse(area, base) }
        }
    }
}
