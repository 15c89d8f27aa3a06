// RTCMedia: frames, tracks, codecs, resampling (DESIGN.md); jitter buffer, NACK/RTX history and rate control to come.
