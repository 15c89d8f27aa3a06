import NIOCore
import RTCTransport
import RTCWire
import Testing

@Suite struct TURNStreamFramerTests {
    @Test func splitsSTUNAndPaddedChannelDataFedByteByByte() throws {
        let stun = try STUNMessage(type: .bindingRequest, attributes: [.software("framer")]).bytes()
        let channel: [UInt8] = [0x40, 0x01, 0x00, 0x03, 7, 8, 9, 0]  // 3 bytes of data, 1 byte of padding
        let empty: [UInt8] = [0x4F, 0xFF, 0x00, 0x00]
        let stream = stun + channel + empty + stun
        var framer = TURNStreamFramer()
        var frames: [[UInt8]] = []
        for byte in stream {
            framer.append(ByteBuffer(bytes: [byte]))
            while let frame = try framer.nextFrame() { frames.append(Array(frame.readableBytesView)) }
        }
        #expect(frames == [stun, channel, empty, stun])
        #expect(framer.bufferedBytes == 0)
        var padded = ByteBuffer(bytes: channel)
        let parsed = try TURNChannelData(parsing: &padded, framing: .stream)
        #expect(parsed.channelNumber == 0x4001)
        #expect(Array(parsed.data.readableBytesView) == [7, 8, 9])
    }

    @Test func wholeChunksAndPartialTails() throws {
        let stun = try STUNMessage(type: .bindingRequest).bytes()
        var framer = TURNStreamFramer()
        framer.append(ByteBuffer(bytes: stun + stun.prefix(5)))
        #expect(try framer.nextFrame().map { Array($0.readableBytesView) } == stun)
        #expect(try framer.nextFrame() == nil)
        #expect(framer.bufferedBytes == 5)
        framer.append(ByteBuffer(bytes: stun.dropFirst(5)))
        #expect(try framer.nextFrame().map { Array($0.readableBytesView) } == stun)
    }

    @Test func rejectsAStreamOutOfStep() {
        var framer = TURNStreamFramer()
        framer.append(ByteBuffer(bytes: [0x80, 0, 0, 0]))
        #expect(throws: WireError.self) { try framer.nextFrame() }
    }

    @Test func lostConnectionFailsTheAllocation() throws {
        let t0 = NIODeadline.uptimeNanoseconds(0)
        var turn = try FakeTURNServer.allocated(at: t0)
        let actions = turn.transportClosed()
        guard case .failed(let error)? = actions.first else { Issue.record("\(actions)"); return }
        #expect(error.code == .closed)
        #expect(turn.nextTimeout == nil)
    }
}
