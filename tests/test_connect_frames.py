"""The seam with aiortc's receiver (proxim_tray/connect/aiortc_frames.py): a frame leaves the jitter buffer once its
last packet is in, not when the next frame starts arriving, and never with a packet missing."""

from __future__ import annotations

from aiortc import RTCPeerConnection
from aiortc.rtp import RtpPacket

from proxim_tray.connect.aiortc_frames import MarkerJitterBuffer, hand_over_whole_frames


def packet(sequence: int, timestamp: int, last: bool) -> RtpPacket:
    rtp = RtpPacket(payload_type=96, marker=int(last), sequence_number=sequence, timestamp=timestamp)
    rtp._data = bytes([sequence])  # type: ignore[attr-defined]  # what aiortc's depayloader leaves there
    return rtp


def test_a_frame_leaves_with_its_last_packet() -> None:
    buffer = MarkerJitterBuffer(capacity=512, is_video=True)
    assert buffer.add(packet(10, 1000, last=False)) == (False, None)
    assert buffer.add(packet(12, 1000, last=True)) == (False, None), "packet 11 is missing"
    _, frame = buffer.add(packet(11, 1000, last=False))  # resent
    assert frame is not None and (frame.data, frame.timestamp) == (bytes([10, 11, 12]), 1000)
    _, frame = buffer.add(packet(13, 4000, last=True))
    assert frame is not None and (frame.data, frame.timestamp) == (bytes([13]), 4000)
    _, frame = buffer.add(packet(14, 7000, last=False))
    assert frame is None, "nothing is handed over twice"


async def test_the_seam_holds_in_this_aiortc() -> None:
    pc = RTCPeerConnection()
    try:
        assert hand_over_whole_frames(pc.addTransceiver("video", direction="recvonly").receiver)
    finally:
        await pc.close()
