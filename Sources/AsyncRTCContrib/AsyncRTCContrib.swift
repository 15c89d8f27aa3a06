// AsyncRTCContrib: media helpers and signaling (API.md, "Contrib").
@_exported public import AsyncRTC
