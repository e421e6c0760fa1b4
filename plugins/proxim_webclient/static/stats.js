// The optional overlay with what the connection does: frame rate, bitrate, round-trip time, codec and resolution.
'use strict';

(() => {
  const { session } = window.Proxim;
  const overlay = document.getElementById('stats');
  const INTERVAL_MS = 1000;
  let timer = 0;
  let previous = null; // the last inbound video report, for the bitrate

  async function sample() {
    if (!session.pc || session.state !== 'live') return;
    const report = await session.pc.getStats();
    let video = null;
    let pair = null;
    report.forEach((entry) => {
      if (entry.type === 'inbound-rtp' && entry.kind === 'video') video = entry;
      if (entry.type === 'transport' && entry.selectedCandidatePairId) pair = report.get(entry.selectedCandidatePairId);
      if (!pair && entry.type === 'candidate-pair' && entry.nominated && entry.state === 'succeeded') pair = entry;
    });
    if (!video) return;
    const codec = video.codecId && report.get(video.codecId);
    const seconds = previous ? (video.timestamp - previous.timestamp) / 1000 : 0;
    const bitrate = seconds > 0 ? ((video.bytesReceived - previous.bytesReceived) * 8) / seconds : null;
    previous = video;
    const fields = {
      fps: video.framesPerSecond ? String(Math.round(video.framesPerSecond)) : '–',
      bitrate: bitrate === null ? '–' : `${(bitrate / 1e6).toFixed(2)} Mbit/s`,
      rtt: pair?.currentRoundTripTime !== undefined ? `${Math.round(pair.currentRoundTripTime * 1000)} ms` : '–',
      codec: codec?.mimeType ? codec.mimeType.replace(/^video\//i, '') : '–',
      resolution: video.frameWidth ? `${video.frameWidth}×${video.frameHeight}` : '–',
    };
    for (const [name, value] of Object.entries(fields)) {
      overlay.querySelector(`[data-stat=${name}]`).textContent = value;
    }
  }

  const tick = () => sample().catch((err) => console.warn('Proxim: no connection stats', err));

  window.Proxim.stats = {
    show(visible) {
      overlay.hidden = !visible;
      clearInterval(timer);
      previous = null;
      if (visible) {
        tick();
        timer = setInterval(tick, INTERVAL_MS);
      }
    },
  };

  session.on('state', () => {
    if (session.state !== 'live') clearInterval(timer);
  });
})();
