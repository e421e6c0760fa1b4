"""The seam where Proxim leans on aiortc's private internals (proxim_tray/aiortc_internals.py): each function still
finds what it reaches for in the pinned aiortc, and the receiver's buffer hands a frame over once it is whole. What
they are for is tested through the product (test_streaming.py:
keyframes on request and on NACKs that cannot be answered; test_network_resume.py: the DTLS certificate kept)."""

from __future__ import annotations

from importlib.metadata import version

from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.rtp import RtpPacket

from proxim_tray.aiortc_internals import (
    AIORTC_VERSION,
    MarkerJitterBuffer,
    SendRtp,
    dtls_certificates,
    hand_over_whole_frames,
    on_keyframe_request,
    on_nack,
    request_keyframe,
    retransmission_kept,
    use_dtls_certificates,
    wrap_rtp_sending,
)


def test_aiortc_is_the_version_the_internals_were_read_in() -> None:
    assert version("aiortc") == AIORTC_VERSION, "re-read proxim_tray/aiortc_internals.py against this aiortc"


async def test_each_internal_is_where_the_seam_reaches_for_it() -> None:
    pc, other = RTCPeerConnection(RTCConfiguration(iceServers=[])), RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        certificates = dtls_certificates(pc)
        assert certificates
        use_dtls_certificates(other, certificates)
        assert dtls_certificates(other) == certificates
        sender = pc.addTransceiver("video", direction="sendonly").sender
        requested: list[str] = []
        on_keyframe_request(sender, lambda: requested.append("keyframe"))
        request_keyframe(sender)
        assert requested == ["keyframe"]
        nacked: list[tuple[int, bool]] = []
        on_nack(sender, lambda sequence, kept: nacked.append((sequence, kept)))
        await sender._retransmit(5)  # what aiortc calls for each sequence number of a NACK
        assert nacked == [(5, False)]  # nothing sent yet, so nothing kept
        assert not retransmission_kept(sender, 5)
        wrapped: list[SendRtp] = []

        def wrap(send: SendRtp) -> SendRtp:
            wrapped.append(send)
            return send

        wrap_rtp_sending(sender, wrap)
        assert wrapped and callable(wrapped[0])
        receiver = pc.addTransceiver("video", direction="recvonly").receiver
        assert hasattr(receiver, "_RTCRtpReceiver__jitter_buffer"), "the buffer hand_over_whole_frames replaces"
        hand_over_whole_frames(receiver)
        assert isinstance(receiver._RTCRtpReceiver__jitter_buffer, MarkerJitterBuffer)
    finally:
        await pc.close()
        await other.close()


def packet(sequence: int, timestamp: int, last: bool) -> RtpPacket:
    rtp = RtpPacket(payload_type=96, marker=int(last), sequence_number=sequence, timestamp=timestamp)
    rtp._data = bytes([sequence])  # type: ignore[attr-defined]  # what aiortc's depayloader leaves there
    return rtp


def test_a_frame_leaves_the_receivers_buffer_with_its_last_packet_and_never_with_one_missing() -> None:
    buffer = MarkerJitterBuffer(capacity=512, is_video=True)
    assert buffer.add(packet(10, 1000, last=False)) == (False, None)
    assert buffer.add(packet(12, 1000, last=True)) == (False, None), "packet 11 is missing"
    _, frame = buffer.add(packet(11, 1000, last=False))  # resent
    assert frame is not None and (frame.data, frame.timestamp) == (bytes([10, 11, 12]), 1000)
    _, frame = buffer.add(packet(13, 4000, last=True))
    assert frame is not None and (frame.data, frame.timestamp) == (bytes([13]), 4000)
    _, frame = buffer.add(packet(14, 7000, last=False))
    assert frame is None, "nothing is handed over twice"
