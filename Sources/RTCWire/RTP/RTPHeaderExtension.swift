public import NIOCore

/// The header extension block of an RTP packet (RFC 3550 §5.3.1), with the element forms of RFC 8285.
///
/// The block keeps its bytes as they arrived — a slice of the packet's buffer, so parsing allocates nothing — and
/// reads elements from them on demand. RFC 8285 defines two element forms:
/// - one-byte headers (profile `0xBEDE`, §4.2): ids 1–14, 1–16 data bytes per element;
/// - two-byte headers (profile `0x100X`, §4.3, `X` being four "appbits"): ids 1–255, 0–255 data bytes.
///
/// Any other profile value is kept as raw bytes. Building a block from elements (``init(elements:)``,
/// ``set(id:data:)``) picks the one-byte form when every id is 1–14 and every length is 1–16, and the two-byte
/// form otherwise. Equality compares what the block means, not its bytes: two element-form blocks are equal when
/// they hold the same elements in the same order, whatever their form, padding or appbits.
public struct RTPHeaderExtension: Sendable, Sequence {
    /// The profile value of the one-byte element form (RFC 8285 §4.2).
    public static let oneByteProfile: UInt16 = 0xBEDE
    /// The profile value of the two-byte element form (RFC 8285 §4.3); the low four bits carry "appbits".
    public static let twoByteProfile: UInt16 = 0x1000

    /// One extension element: a local identifier and its data.
    public struct Element: Sendable, Hashable {
        public var id: UInt8
        public var data: ByteBuffer

        public init(id: UInt8, data: ByteBuffer) {
            self.id = id
            self.data = data
        }
    }

    /// How the block lays out its data.
    public enum Form: Sendable, Hashable {
        /// RFC 8285 §4.2, profile 0xBEDE.
        case oneByte
        /// RFC 8285 §4.3, profile 0x100X.
        case twoByte(appBits: UInt8)
        /// A profile this implementation does not interpret; the data is kept as it is.
        case raw
    }

    /// The 16-bit "defined by profile" field.
    public private(set) var profile: UInt16
    /// The block's data as on the wire, without the 4-byte profile/length header; always a multiple of 4 bytes.
    public private(set) var data: ByteBuffer

    /// The layout implied by ``profile``.
    public var form: Form {
        if profile == Self.oneByteProfile { return .oneByte }
        if profile & 0xFFF0 == Self.twoByteProfile { return .twoByte(appBits: UInt8(profile & 0x000F)) }
        return .raw
    }

    /// An empty one-byte-form block.
    public init() {
        self.profile = Self.oneByteProfile
        self.data = ByteBuffer()
    }

    /// A block with this profile and data as they are (meant for profiles this implementation does not
    /// interpret; with 0xBEDE or 0x100X the data is read as elements but not validated — an element that runs
    /// past the end ends the iteration). `data` is zero-padded to a multiple of 4.
    public init(profile: UInt16, data: ByteBuffer) {
        self.profile = profile
        var data = data
        let pad = (4 - data.readableBytes % 4) % 4
        if pad > 0 {
            data.writeRepeatingByte(0, count: pad)
        }
        self.data = data
    }

    /// A block holding `elements` in this order, in the one-byte form when every id is 1–14 and every length
    /// 1–16, otherwise in the two-byte form.
    /// - Throws: ``WireError/Code/malformed`` for id 0 (reserved for padding), ``WireError/Code/tooLarge`` for
    ///   data longer than 255 bytes.
    public init(elements: some Collection<Element>) throws(WireError) {
        let oneByte = elements.allSatisfy { (1...14).contains($0.id) && (1...16).contains($0.data.readableBytes) }
        var size = 0
        for element in elements {
            guard element.id != 0 else {
                throw WireError(.rtp, .malformed, "header extension id 0 is reserved for padding")
            }
            guard element.data.readableBytes <= 255 else {
                throw WireError(.rtp, .tooLarge, "header extension \(element.id): \(element.data.readableBytes) bytes > 255")
            }
            size += (oneByte ? 1 : 2) + element.data.readableBytes
        }
        let padded = (size + 3) & ~3
        guard padded / 4 <= Int(UInt16.max) else {
            throw WireError(.rtp, .tooLarge, "header extension block of \(padded) bytes")
        }
        var data = ByteBuffer()
        data.reserveCapacity(padded)
        for element in elements {
            if oneByte {
                data.writeInteger(element.id << 4 | UInt8(element.data.readableBytes - 1))
            } else {
                data.writeInteger(element.id)
                data.writeInteger(UInt8(element.data.readableBytes))
            }
            data.writeImmutableBuffer(element.data)
        }
        data.writeRepeatingByte(0, count: padded - size)
        self.profile = oneByte ? Self.oneByteProfile : Self.twoByteProfile
        self.data = data
    }

    /// A parsed block whose element layout (if any) has been validated.
    init(validatedProfile profile: UInt16, data: ByteBuffer) {
        self.profile = profile
        self.data = data
    }

    /// Reads the 4-byte header and the data of a block (RFC 3550 §5.3.1) and validates the element layout.
    public init(parsing buffer: inout ByteBuffer) throws(WireError) {
        let profile = try buffer.readWireInteger(as: UInt16.self, .rtp, field: "extension profile")
        let words = try buffer.readWireInteger(as: UInt16.self, .rtp, field: "extension length")
        let data = try buffer.readWireSlice(length: Int(words) * 4, .rtp, field: "extension data")
        self.init(validatedProfile: profile, data: data)
        try self.validate()
    }

    /// Writes the 4-byte header and the data. ``RTPPacket/write(to:)`` refuses blocks over 65535 words first.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(profile)
        buffer.writeInteger(UInt16(truncatingIfNeeded: data.readableBytes / 4))
        buffer.writeImmutableBuffer(data)
    }

    /// Checks that every element fits in the data (RFC 8285 §4.2, §4.3).
    private func validate() throws(WireError) {
        var iterator = makeIterator()
        while iterator.next() != nil {}
        if iterator.overrun {
            throw WireError(.rtp, .malformed, "header extension element runs past the extension block")
        }
    }

    /// The elements in order (empty for a raw block). Allocates an array; iterate the block itself to avoid that.
    public var elements: [Element] { Array(self) }

    /// The data of the first element with this id, or nil.
    public subscript(id id: UInt8) -> ByteBuffer? {
        for element in self where element.id == id {
            return element.data
        }
        return nil
    }

    /// Replaces the data of the element with this id (keeping its place) or appends the element; re-encodes the
    /// block, choosing its form as ``init(elements:)`` does.
    /// - Throws: ``WireError/Code/unsupported`` on a raw block, and what ``init(elements:)`` throws.
    public mutating func set(id: UInt8, data: ByteBuffer) throws(WireError) {
        guard form != .raw else {
            throw WireError(.rtp, .unsupported, "cannot set element \(id) in a raw header extension block")
        }
        var elements = self.elements
        if let index = elements.firstIndex(where: { $0.id == id }) {
            elements[index].data = data
        } else {
            elements.append(Element(id: id, data: data))
        }
        self = try RTPHeaderExtension(elements: elements)
    }

    /// Removes every element with this id; re-encodes the block if one was removed.
    public mutating func remove(id: UInt8) {
        guard self.contains(where: { $0.id == id }) else { return }
        // Removing never makes an element too large, so re-encoding cannot fail.
        if let rebuilt = try? RTPHeaderExtension(elements: self.elements.filter { $0.id != id }) {
            self = rebuilt
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(form: form, data: data)
    }

    /// Walks the elements of the block without allocating (RFC 8285 §4.2, §4.3).
    public struct Iterator: IteratorProtocol {
        private let twoByte: Bool
        private var data: ByteBuffer
        /// Set when an element's declared length ran past the block.
        private(set) var overrun = false

        init(form: Form, data: ByteBuffer) {
            switch form {
            case .oneByte:
                self.twoByte = false
                self.data = data
            case .twoByte:
                self.twoByte = true
                self.data = data
            case .raw:
                self.twoByte = false
                self.data = ByteBuffer()
            }
        }

        public mutating func next() -> Element? {
            while let first = data.readInteger(as: UInt8.self) {
                // Id 0 is padding, one byte at a time, in both forms (RFC 8285 §4.2, §4.3); in the one-byte form
                // the length nibble of such a byte is ignored.
                if first == 0 || (!twoByte && first >> 4 == 0) { continue }
                let id: UInt8
                let length: Int
                if twoByte {
                    guard let len = data.readInteger(as: UInt8.self) else {
                        overrun = true
                        return nil
                    }
                    id = first
                    length = Int(len)
                } else {
                    id = first >> 4
                    // Id 15 ends processing of the block (RFC 8285 §4.2).
                    if id == 15 {
                        data.moveReaderIndex(forwardBy: data.readableBytes)
                        return nil
                    }
                    length = Int(first & 0x0F) + 1
                }
                guard let value = data.readSlice(length: length) else {
                    overrun = true
                    data.moveReaderIndex(forwardBy: data.readableBytes)
                    return nil
                }
                return Element(id: id, data: value)
            }
            return nil
        }
    }
}

extension RTPHeaderExtension: Equatable {
    /// Raw blocks compare profile and bytes; element-form blocks compare their elements in order.
    public static func == (lhs: RTPHeaderExtension, rhs: RTPHeaderExtension) -> Bool {
        if lhs.form == .raw || rhs.form == .raw {
            return lhs.profile == rhs.profile && lhs.data == rhs.data
        }
        return lhs.elementsEqual(rhs)
    }
}
