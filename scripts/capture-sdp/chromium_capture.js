// Evaluated in a headless Chromium page by chromium_capture.py (Runtime.evaluate, awaitPromise). Two local
// RTCPeerConnections negotiate; the SDPs after gathering completes and every trickled candidate line come back
// as one JSON string.
(async () => {
  function gathered(pc) {
    return new Promise(resolve => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const timer = setTimeout(resolve, 5000);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
      });
    });
  }

  async function negotiate(name, setup, result) {
    const a = new RTCPeerConnection(), b = new RTCPeerConnection();
    for (const pc of [a, b]) {
      pc.addEventListener('icecandidate', e => {
        if (e.candidate && e.candidate.candidate) result.candidates.push(e.candidate.candidate);
      });
    }
    setup(a);
    await a.setLocalDescription(await a.createOffer());
    await gathered(a);
    result[name + '_offer'] = a.localDescription.sdp;
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await gathered(b);
    result[name + '_answer'] = b.localDescription.sdp;
    a.close(); b.close();
  }

  const result = { candidates: [], userAgent: navigator.userAgent };
  try {
    await negotiate('av_data', pc => {
      pc.addTransceiver('audio');
      pc.addTransceiver('video');
      pc.createDataChannel('chat');
    }, result);
    await negotiate('data', pc => pc.createDataChannel('chat'), result);
    await negotiate('simulcast', pc => {
      pc.addTransceiver('video', { direction: 'sendonly', sendEncodings: [
        { rid: 'hi' }, { rid: 'mid', scaleResolutionDownBy: 2 }, { rid: 'lo', scaleResolutionDownBy: 4 }] });
    }, result);
  } catch (e) {
    result.error = String(e);
  }
  return JSON.stringify(result);
})()
