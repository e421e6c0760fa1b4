"""Every place where Proxim leans on aiortc's private internals, read in the version pyproject.toml pins
(``AIORTC_VERSION``); tests/test_aiortc_internals.py fails if aiortc moves any of them.

aiortc offers no public way to choose a sender's encoder, to give a connection a DTLS certificate, to hear of a
receiver's keyframe request or NACK, to keep more packets for retransmission, to send an RTP header extension it does
not know, or to have a receiver decode a frame as soon as it is whole; each of those is one function here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiortc import RTCCertificate, RTCPeerConnection, RTCRtpTransceiver, rtcrtpsender, rtp
from aiortc.codecs.base import Encoder
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpparameters import RTCRtpHeaderExtensionParameters, RTCRtpParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.rtp import HeaderExtensions, RtpPacket

AIORTC_VERSION = "1.16.0"
SendRtp = Callable[[bytes], Awaitable[None]]


def install_encoder(sender: RTCRtpSender, encoder: Encoder) -> None:
    """Make ``sender`` encode with ``encoder``.

    RTCRtpSender creates its encoder with ``aiortc.codecs.get_encoder`` on the first frame, only when it has none.
    Setting its (name-mangled) encoder before the first frame touches this sender only, unlike replacing
    ``get_encoder`` for the whole process.
    """
    sender._RTCRtpSender__encoder = encoder  # type: ignore[attr-defined]


def dtls_certificates(pc: RTCPeerConnection) -> list[RTCCertificate]:
    """The DTLS certificates of ``pc``. aiortc creates them with the connection and offers no public accessor."""
    return pc._RTCPeerConnection__certificates  # type: ignore[attr-defined,no-any-return]


def use_dtls_certificates(pc: RTCPeerConnection, certificates: list[RTCCertificate]) -> None:
    """Make ``pc`` present ``certificates``. aiortc offers no way to pass them (RTCConfiguration has no
    ``certificates``); its DTLS transports read this attribute when they are created, at the first transceiver or
    remote description, so it must be set before either."""
    pc._RTCPeerConnection__certificates = list(certificates)  # type: ignore[attr-defined]


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` after ``sender`` flags its next frame as a keyframe (a PLI or FIR arrived, or Proxim asked
    through :func:`request_keyframe`)."""
    flag_keyframe = sender._send_keyframe

    def flagged() -> None:
        flag_keyframe()
        callback()

    sender._send_keyframe = flagged  # type: ignore[method-assign]


def request_keyframe(sender: RTCRtpSender) -> None:
    """Make ``sender``'s next frame a keyframe, as a PLI would (callbacks of :func:`on_keyframe_request` included)."""
    sender._send_keyframe()


def on_nack(sender: RTCRtpSender, callback: Callable[[int, bool], Awaitable[None] | None]) -> None:
    """Call ``callback(sequence_number, kept)`` for each packet a receiver asks for again (a NACK), before ``sender``
    retransmits it; ``kept`` says whether the packet is still in the retransmission history (if not, aiortc ignores
    the request)."""
    retransmit = sender._retransmit

    async def asked(sequence_number: int) -> None:
        result = callback(sequence_number, retransmission_kept(sender, sequence_number))
        if result is not None:
            await result
        await retransmit(sequence_number)

    sender._retransmit = asked  # type: ignore[method-assign]


def retransmission_kept(sender: RTCRtpSender, sequence_number: int) -> bool:
    history = sender._RTCRtpSender__rtp_history  # type: ignore[attr-defined]
    packet = history.get(sequence_number % rtcrtpsender.RTP_HISTORY_SIZE)  # type: ignore[attr-defined]
    return packet is not None and bool(packet.sequence_number == sequence_number)


def wrap_rtp_sending(sender: RTCRtpSender, wrap: Callable[[SendRtp], SendRtp]) -> None:
    """Route every RTP packet ``sender``'s transport sends (media and retransmissions, SRTP not yet applied) through
    ``wrap(original send)``: the benchmark drops packets there."""
    transport = sender.transport
    transport._send_rtp = wrap(transport._send_rtp)  # type: ignore[method-assign,assignment]


def keep_for_retransmission(packets: int) -> None:
    """Keep the last ``packets`` RTP packets of every sender for retransmission (aiortc keeps 128: less than one
    1080p keyframe, so a NACK for an early packet of a keyframe could not be answered)."""
    rtcrtpsender.RTP_HISTORY_SIZE = packets  # type: ignore[attr-defined]


class _WithConstantExtension(rtp.HeaderExtensionsMap):
    """aiortc's header extensions of a sender's packets, and one more with a constant value on each of them."""

    def __init__(self, uri: str, value: bytes) -> None:
        super().__init__()
        self._uri, self._value = uri, value
        self._id = 0

    def configure(self, parameters: RTCRtpParameters) -> None:
        super().configure(parameters)
        self._id = next((ext.id for ext in parameters.headerExtensions if ext.uri == self._uri), 0)

    def set(self, values: HeaderExtensions) -> tuple[int, bytes]:
        profile, data = super().set(values)
        if not self._id:
            return profile, data
        extensions = rtp.unpack_header_extensions(profile, data) if data else []
        return rtp.pack_header_extensions([*extensions, (self._id, self._value)])


def send_header_extension(
    transceiver: RTCRtpTransceiver, offered: list[RTCRtpHeaderExtensionParameters], uri: str, value: bytes
) -> bool:
    """Answer the header extension ``uri`` if the remote side ``offered`` it, and put ``value`` in it on every packet
    the transceiver's sender sends; False when it was not offered. Call between setting the remote offer and
    creating the answer: aiortc answers only the extensions it knows (``transceiver._headerExtensions``) and packs
    only those (the sender's name-mangled extensions map)."""
    extension = next((ext for ext in offered if ext.uri == uri), None)
    if extension is None:
        return False
    transceiver._headerExtensions.append(extension)
    sender = transceiver.sender
    sender._RTCRtpSender__rtp_header_extensions_map = _WithConstantExtension(uri, value)  # type: ignore[attr-defined]
    return True


class MarkerJitterBuffer(JitterBuffer):
    """A receiver's jitter buffer that hands a video frame over once its last packet (the RTP marker bit) is in.

    aiortc's own knows a frame is whole only when the first packet of the NEXT frame arrives. The host sends frames
    only when its screen changes, so a change could wait for the next change (hundreds of milliseconds)."""

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


def hand_over_whole_frames(receiver: RTCRtpReceiver) -> None:
    """Make ``receiver`` decode each video frame as soon as its last packet is in (aiortc's own size for video)."""
    receiver._RTCRtpReceiver__jitter_buffer = MarkerJitterBuffer(capacity=512, is_video=True)  # type: ignore[attr-defined]
