@testable import AsyncRTC
import Testing

/// The loss Opus's in-band FEC is tuned for follows the peer's report (libwebrtc's steps), 0 % until one arrives.
@Suite struct SenderOpusLossTests {
    @Test func packetLossPercentFollowsTheReportedFractionInSteps() {
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: nil) == 0)
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: 0) == 0)
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: 2) == 0)  // 0.8 %
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: 3) == 1)  // 1.2 %
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: 13) == 5)  // 5.1 %
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: 26) == 10)  // 10.2 %
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: 52) == 20)  // 20.3 %
        #expect(RTCRtpSender.opusPacketLossPercent(fractionLost: 255) == 20)
    }
}
