public import NIOCore

extension ByteBuffer {
    /// Reads a big-endian integer or throws ``WireError/Code/truncated`` naming the field.
    @inlinable
    public mutating func readWireInteger<T: FixedWidthInteger>(
        as: T.Type = T.self, _ layer: WireError.Layer, field: StaticString,
        file: String = #fileID, line: UInt = #line
    ) throws(WireError) -> T {
        guard let value = self.readInteger(endianness: .big, as: T.self) else {
            throw WireError(layer, .truncated, "\(field): needs \(MemoryLayout<T>.size) bytes, \(self.readableBytes) left",
                            file: file, line: line)
        }
        return value
    }

    /// Reads `length` bytes as a slice (no copy) or throws ``WireError/Code/truncated`` naming the field.
    @inlinable
    public mutating func readWireSlice(
        length: Int, _ layer: WireError.Layer, field: StaticString,
        file: String = #fileID, line: UInt = #line
    ) throws(WireError) -> ByteBuffer {
        guard length >= 0, let slice = self.readSlice(length: length) else {
            throw WireError(layer, .truncated, "\(field): needs \(length) bytes, \(self.readableBytes) left",
                            file: file, line: line)
        }
        return slice
    }

    /// Reads `length` bytes into an array or throws ``WireError/Code/truncated``. The length is checked against
    /// the readable bytes before anything is allocated.
    @inlinable
    public mutating func readWireBytes(
        length: Int, _ layer: WireError.Layer, field: StaticString,
        file: String = #fileID, line: UInt = #line
    ) throws(WireError) -> [UInt8] {
        guard length >= 0, length <= self.readableBytes, let bytes = self.readBytes(length: length) else {
            throw WireError(layer, .truncated, "\(field): needs \(length) bytes, \(self.readableBytes) left",
                            file: file, line: line)
        }
        return bytes
    }
}
