internal import CRTCSRTP
@testable import RTCTransport
import Testing

/// libsrtp's process-wide initialisation: `srtp_init` may already have run — called by the application, or by
/// another library in the process — and SRTP must still work (libsrtp 2.5 answers a repeated `srtp_init` with
/// `bad_param`).
@Suite struct SRTPLibraryTests {
    @Test func srtpInitializedByTheApplicationFirstStillGivesSessions() throws {
        // What an application using libsrtp directly does; whether it is first or not in this process, the
        // library must accept that libsrtp is already up.
        let applicationStatus = srtp_init()
        #expect(applicationStatus == srtp_err_status_ok || applicationStatus == srtp_err_status_bad_param)
        try SRTPLibrary.start()  // a repeated srtp_init: libsrtp answers bad_param, which means "already up"
        try SRTPLibrary.start()
        try SRTPLibrary.initialize()
        let (sender, receiver) = try sessionPair(.aeadAes128Gcm)
        let plain = rtpPacket(sequence: 1)
        var packet = plain
        try sender.protect(rtp: &packet)
        try receiver.unprotect(srtp: &packet)
        #expect(packet == plain)
    }
}
