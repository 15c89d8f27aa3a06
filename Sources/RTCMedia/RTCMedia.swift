// RTCMedia: frames, tracks, codecs, jitter buffer, NACK/RTX history and rate control (DESIGN.md).
