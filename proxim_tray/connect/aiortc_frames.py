"""The one place `proxim connect` leans on aiortc's private internals (tested for aiortc 1.16, the version pinned).

aiortc's receiver hands a video frame to its decoder only when the first packet of the NEXT frame arrives: its jitter
buffer knows a frame is whole when the timestamp changes. The host sends frames only when its screen changes, so a
change could wait a whole screen change (hundreds of milliseconds) before it is shown. The RTP marker bit already says
"last packet of this frame": this buffer hands the frame over then, when every packet of it is in.
"""

from __future__ import annotations

import logging
from importlib.metadata import version

from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket

logger = logging.getLogger(__name__)
TESTED = "1.16."
VIDEO_CAPACITY = 512  # aiortc's own for video
_PRIVATE_BUFFER = "_RTCRtpReceiver__jitter_buffer"


class MarkerJitterBuffer(JitterBuffer):
    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        pli_flag, frame = super().add(packet)
        return pli_flag, frame or self._whole_first_frame()

    def _whole_first_frame(self) -> JitterFrame | None:
        """The oldest frame, taken out of the buffer, once every packet of it up to its marked last one is in."""
        if self._origin is None:
            return None
        packets: list[RtpPacket] = []
        for count in range(self.capacity):
            packet = self._packets[(self._origin + count) % self.capacity]
            if packet is None or (packets and packet.timestamp != packets[0].timestamp):
                return None  # a packet is missing (it may be resent), or the frame lost its last packet
            packets.append(packet)
            if packet.marker:
                self.remove(count + 1)
                data = b"".join(p._data for p in packets)  # type: ignore[attr-defined]
                return JitterFrame(data=data, timestamp=packet.timestamp)
        return None


def hand_over_whole_frames(receiver: RTCRtpReceiver) -> bool:
    """Makes ``receiver`` decode each frame as soon as its last packet is in; False where this aiortc is not known."""
    if not version("aiortc").startswith(TESTED) or not hasattr(receiver, _PRIVATE_BUFFER):
        logger.info("aiortc %s: each frame is shown when the next one starts arriving", version("aiortc"))
        return False
    setattr(receiver, _PRIVATE_BUFFER, MarkerJitterBuffer(capacity=VIDEO_CAPACITY, is_video=True))
    return True
