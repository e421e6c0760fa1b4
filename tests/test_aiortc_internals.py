"""The seam where Proxim leans on aiortc's private internals (proxim_tray/aiortc_internals.py): each function still
finds what it reaches for in the pinned aiortc, and the receiver's buffer hands a frame over once it is whole. What
they are for is tested through the product (test_streaming.py:
keyframes on request and on NACKs that cannot be answered; test_network_resume.py: the DTLS certificate kept)."""

from __future__ import annotations

from importlib.metadata import version

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpParameters
from aiortc.rtp import HeaderExtensions, RtpPacket, unpack_header_extensions
from aiortc.sdp import SessionDescription

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
    send_header_extension,
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


PLAYOUT_DELAY = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"


async def test_a_header_extension_aiortc_does_not_know_is_answered_and_on_every_packet_when_offered() -> None:
    for offer_it in (True, False):
        host, client = RTCPeerConnection(), RTCPeerConnection()
        try:
            client.addTransceiver("video", direction="recvonly")
            offer = (await client.createOffer()).sdp
            if offer_it:  # as Chromium offers it
                offer = offer.replace("a=mid:0\r\n", f"a=mid:0\r\na=extmap:7 {PLAYOUT_DELAY}\r\n")
            transceiver = host.addTransceiver("video", direction="sendonly")
            await host.setRemoteDescription(RTCSessionDescription(offer, "offer"))
            offered = [ext for media in SessionDescription.parse(offer).media for ext in media.rtp.headerExtensions]
            assert send_header_extension(transceiver, offered, PLAYOUT_DELAY, b"\x00\x00\x05") is offer_it
            answer = (await host.createAnswer()).sdp
            assert (f"a=extmap:7 {PLAYOUT_DELAY}" in answer) is offer_it
            # the sender configures its map from the negotiated extensions and packs every packet's with it
            extensions = transceiver.sender._RTCRtpSender__rtp_header_extensions_map  # type: ignore[attr-defined]
            extensions.configure(RTCRtpParameters(headerExtensions=transceiver._headerExtensions))
            rtp = RtpPacket(payload_type=96, sequence_number=1, timestamp=0, payload=b"frame")
            rtp.extensions = HeaderExtensions(mid="0")
            wire = rtp.serialize(extensions)
            assert wire[0] & 0x10, "the packet carries header extensions"
            profile, words = int.from_bytes(wire[12:14], "big"), int.from_bytes(wire[14:16], "big")
            sent = dict(unpack_header_extensions(profile, wire[16 : 16 + 4 * words]))
            assert (sent.get(7) == b"\x00\x00\x05") is offer_it
            assert b"0" in sent.values(), "aiortc's own extensions stay"
        finally:
            await host.close()
            await client.close()


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
