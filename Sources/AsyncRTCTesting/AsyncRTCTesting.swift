// AsyncRTCTesting: loopback transport pairs, seeded impairment, virtual clock and fixtures for users' tests.
@_exported public import AsyncRTC
