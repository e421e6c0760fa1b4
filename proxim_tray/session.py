"""The one session of a host and its state machine.

waiting -> pending -> approved -> connecting -> connected -> ended -> a fresh waiting with a new link.
A connected session whose connection drops goes reconnecting; its client may resume it (a new connection, no new
approval) within ``resume_window`` seconds (30 by default): reconnecting -> connecting -> connected; else it ends
(``connection_lost``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import gc
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from proxim_tray import memory, protocol
from proxim_tray.approval import ApprovalRequest, DeviceInfo, PairingAttempt, Permission
from proxim_tray.control import RemoteControl, hello_message
from proxim_tray.errors import BackendUnavailable, ProtocolError
from proxim_tray.fingerprint import sdp_fingerprint
from proxim_tray.iceservers import CREDENTIAL_LIFETIME, IceSettings
from proxim_tray.links import NO_ADDRESS
from proxim_tray.media import ScreenVideoTrack, StreamSettings
from proxim_tray.pairing import Pairing, commitment_matches, new_nonce, verification_code
from proxim_tray.peer import HostPeer
from proxim_tray.ratelimit import FailureLimiter
from proxim_tray.resume import ResumeTicket
from proxim_tray.useragent import describe

if TYPE_CHECKING:
    from aiortc import RTCDataChannel

    from proxim_tray.app import App
    from proxim_tray.backends import CaptureSource

logger = logging.getLogger(__name__)

# seconds a client has to reveal the nonce it committed to once it has the host's
REVEAL_TIMEOUT = 10.0
# seconds after the answer within which ICE must find a working pair of addresses; past them there is no network path
NETWORK_PATH_TIMEOUT = 15.0
PAUSED_BY_HOST = {"t": "paused", "reason": "host"}
RESUMED_BY_HOST = {"t": "resumed", "reason": "host"}
# with no address that answers, the host looks again this often (seconds)
NO_LINK_RECHECK = 3.0


class SessionState(enum.StrEnum):
    WAITING = "waiting"
    PENDING = "pending"
    APPROVED = "approved"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ENDED = "ended"


class ClientLink(Protocol):
    """The signaling connection of one client, as the signaling plugin provides it."""

    address: str
    user_agent: str

    async def send(self, message: dict[str, Any]) -> None: ...

    async def close(self) -> None: ...


def _loop_future() -> asyncio.Future[str]:
    return asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class Session:
    """One client's session, from its valid ``hello`` to its end."""

    device: DeviceInfo
    link: ClientLink = field(repr=False)
    peer: HostPeer = field(repr=False)
    offer: str = field(repr=False)
    client_fingerprint: str = field(repr=False)
    commitment: str = field(repr=False)
    host_nonce: str = field(default_factory=new_nonce, repr=False)
    revealed: asyncio.Future[str] = field(default_factory=_loop_future, repr=False)  # the client's nonce
    code: str = ""  # known once the client has revealed its nonce
    state: SessionState = SessionState.WAITING
    permissions: frozenset[Permission] = frozenset()
    end_reason: str | None = None
    end_message: str | None = None  # for people, when the reason alone does not say enough
    control: RemoteControl | None = field(default=None, repr=False)
    channel: RTCDataChannel | None = field(default=None, repr=False)
    paused: bool = False
    track: ScreenVideoTrack | None = field(default=None, repr=False)
    capture: CaptureSource | None = field(default=None, repr=False)
    approval: ApprovalRequest | None = field(default=None, repr=False)
    connected: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    pairing_id: str = field(default="", repr=False)  # the session id of the link it used: a resume names it
    resume: ResumeTicket | None = field(default=None, repr=False)
    # the end of the resume window while the connection is down (set when it drops, cleared when it is back)
    reconnect_timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    @property
    def is_live(self) -> bool:
        return self.state is not SessionState.ENDED


class SessionManager:
    """Owns the pairing link and the session; the signaling plugin hands it each client's messages."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.pairing: Pairing | None = None
        # why there is no pairing link (no address answers), or None
        self.no_link_reason: str | None = None
        self._renewing = asyncio.Lock()
        self.session: Session | None = None
        self._peer: HostPeer | None = None
        # the socket that asked for the ICE servers with the link shown now: it sent the secret 1-3 s before its hello
        # will, so nobody who saw the secret go by may present the link first; freed when that socket leaves
        self._holder: ClientLink | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        # loop time, not wall time: it is monotonic, and tests can fast-forward it
        self.failures = FailureLimiter(clock=lambda: asyncio.get_running_loop().time())
        self.ice = IceSettings.from_config(app.config)

    @property
    def live_session(self) -> Session | None:
        """The session, unless there is none or it has ended."""
        session = self.session
        return session if session is not None and session.is_live else None

    @property
    def state(self) -> SessionState:
        session = self.live_session
        return session.state if session is not None else SessionState.WAITING

    # -- pairing -----------------------------------------------------------------------------------------------------

    async def new_pairing(self) -> Pairing | None:
        """Retire the link and show a new one through an address that answers; with none, say why (once) and check
        again every few seconds. Returns the new link, or None."""
        async with self._renewing:
            await self._retire_pairing()
            if self._peer is not None:  # an unused link's peer; a used one belongs to its session
                await self._peer.close()
                self._peer = None
            assert self.app.find_links is not None, "the signaling plugin sets find_links before the first link"
            links = await self.app.find_links()
            if self._closing:
                return None
            loop = asyncio.get_running_loop()
            if links.base_url is None:
                problem = links.problem or NO_ADDRESS
                if problem != self.no_link_reason:
                    self.no_link_reason = problem
                    logger.warning("no pairing link: %s", problem)
                    await self.app.plugins.call("proxim_pairing_unavailable", app=self.app, reason=problem)
                    self.app.state_changed()
                self._expiry = loop.call_later(NO_LINK_RECHECK, self._on_expiry, None)
                return None
            self.no_link_reason = None
            # the host's TURN credentials must still open an allocation when it answers: after the link's whole life
            # and the approval's
            config = self.app.config
            self._peer = HostPeer(
                self.ice.servers(config.link_ttl + config.approve_timeout + CREDENTIAL_LIFETIME), config.media_port
            )
            pairing = Pairing(links.base_url, self._peer.fingerprint, self.app.config.link_ttl, links.alternatives)
            self.pairing = pairing
            self._expiry = loop.call_later(self.app.config.link_ttl, self._on_expiry, pairing)
        logger.info("state waiting: new pairing link %s through %s", pairing.session_id, pairing.base_url)
        await self.app.plugins.call("proxim_show_pairing", app=self.app, pairing=pairing)
        self.app.state_changed()
        return pairing

    def _cancel_expiry(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None

    async def _retire_pairing(self) -> None:
        self._cancel_expiry()
        self._holder = None
        pairing, self.pairing = self.pairing, None
        if pairing is not None:
            await self.app.plugins.call("proxim_hide_pairing", app=self.app, pairing=pairing)

    def _on_expiry(self, pairing: Pairing | None) -> None:
        """The link expired, or (None) it is time to look again for an address that answers."""
        if self.pairing is pairing:
            if pairing is not None:
                logger.info("pairing link %s expired", pairing.session_id)
            self._spawn(self.new_pairing())

    # -- signaling ---------------------------------------------------------------------------------------------------

    async def handle_message(self, link: ClientLink, raw: str | bytes) -> None:
        """Handle one WebSocket message; a protocol error is answered and changes nothing else."""
        try:
            message = protocol.parse_signaling(raw)
        except ProtocolError as exc:
            await link.send({"type": "error", "code": exc.code, "message": exc.message})
            return
        if isinstance(message, protocol.Hello):
            await self._handle_hello(link, message)
        elif isinstance(message, protocol.Reveal):
            await self._handle_reveal(link, message)
        elif isinstance(message, protocol.Resume):
            await self._handle_resume(link, message)
        elif isinstance(message, protocol.IceRequest):
            await self._handle_ice_request(link, message)
        else:  # `bye`: the client leaves, perhaps because its ICE found no path first
            session = self.live_session
            if session is not None and session.link is link:
                if message.reason == "no_network_path":
                    await self._end_without_path(session)
                await self.end_session(session, "client_left")

    async def _handle_hello(self, link: ClientLink, hello: protocol.Hello) -> None:
        try:
            self._accept_hello(link, hello)
            outcome = "accepted"
        except ProtocolError as exc:
            outcome = exc.code
            await self._refuse(link, exc)
        logger.info("pairing attempt from %s: %s", link.address, outcome)
        attempt = PairingAttempt(link.address, hello.device_name, link.user_agent, outcome)
        await self.app.plugins.call("proxim_pairing_attempt", app=self.app, attempt=attempt)

    async def _handle_reveal(self, link: ClientLink, reveal: protocol.Reveal) -> None:
        session = self.live_session
        if session is None or session.link is not link or session.revealed.done():
            await link.send({"type": "error", "code": "bad_message", "message": "a reveal answers a challenge, once"})
            return
        session.revealed.set_result(reveal.nonce)

    async def _handle_ice_request(self, link: ClientLink, request: protocol.IceRequest) -> None:
        """The link's holder learns the STUN and TURN servers (and fresh TURN credentials); the link stays unused."""
        try:
            self._presented_peer(link, request.session, request.secret)
        except ProtocolError as exc:
            await self._refuse(link, exc)
            logger.info("ICE servers request from %s: %s", link.address, exc.code)
            attempt = PairingAttempt(link.address, "", link.user_agent, exc.code)
            await self.app.plugins.call("proxim_pairing_attempt", app=self.app, attempt=attempt)
            return
        self._holder = link
        await link.send(protocol.ice_servers_message(self.ice.servers(CREDENTIAL_LIFETIME)))

    async def _refuse(self, link: ClientLink, refusal: ProtocolError) -> None:
        """Answer a refused link; a wrong link counts as a failed attempt, and a client that cannot pair is dropped."""
        if refusal.code in ("unknown_session", "bad_secret"):
            self.failures.record_failure(link.address)
        await link.send({"type": "error", "code": refusal.code, "message": refusal.message})
        if refusal.code in ("busy", "unknown_session", "bad_secret", "rate_limited"):
            await link.close()

    def owns(self, link: ClientLink) -> bool:
        """Whether ``link`` belongs to the live session."""
        session = self.live_session
        return session is not None and session.link is link

    async def link_closed(self, link: ClientLink, *, dropped: bool) -> None:
        """The client's connection closed. Closed by the client (a tab closing), its session ends; ``dropped``
        (silent past the heartbeat, reset), or closed while resuming, a connected session waits for a resume."""
        if link is self._holder:
            self._holder = None
        session = self.live_session
        if session is None or session.link is not link or session.state is SessionState.RECONNECTING:
            return
        if dropped or session.reconnect_timer is not None:
            await self._connection_lost(session, "the signaling connection dropped")
        else:
            await self.end_session(session, "client_left")

    def _presented_peer(self, link: ClientLink, session_id: str, secret: str) -> HostPeer:
        """The peer of the unused link ``link`` presents, or the ProtocolError that refuses it."""
        if self.live_session is not None:
            if self.owns(link):
                raise ProtocolError("bad_message", "this connection has already said hello")
            raise ProtocolError("busy", "the host is already in a session; try again when it ends")
        _refuse_while_waiting(self.failures.address_wait(link.address))
        pairing, peer = self.pairing, self._peer
        # the cap on everyone's failures only refuses failures: the live link's secret is never refused by it
        if pairing is None or peer is None or session_id != pairing.session_id:
            _refuse_while_waiting(self.failures.global_wait())
            raise ProtocolError("unknown_session", "this pairing link is no longer valid; scan the host's new QR code")
        if not pairing.secret_matches(secret):
            _refuse_while_waiting(self.failures.global_wait())
            raise ProtocolError("bad_secret", "the pairing secret is wrong; scan the host's QR code again")
        if self._holder is not None and self._holder is not link:
            raise ProtocolError("busy", "another device is already using this pairing link; try again when it ends")
        return peer

    def _accept_hello(self, link: ClientLink, hello: protocol.Hello) -> None:
        peer = self._presented_peer(link, hello.session, hello.secret)
        client_fingerprint = sdp_fingerprint(hello.offer)
        system, browser = describe(link.user_agent)
        device = DeviceInfo(hello.device_name, link.address, link.user_agent, system, browser)
        # the link is used: nobody else may present it, whatever the host's user decides
        self._peer = None
        self._cancel_expiry()
        session = Session(
            device, link, peer, hello.offer, client_fingerprint, hello.commitment, pairing_id=hello.session
        )
        self.session = session
        self._spawn(self._run(session))

    # -- the session -------------------------------------------------------------------------------------------------

    async def _run(self, session: Session) -> None:
        try:
            await self._retire_pairing()
            if await self._verify(session) and await self._approve(session):
                await self._connect(session)
        except Exception:
            logger.exception("session failed")
            await self.end_session(session, "error")

    async def _verify(self, session: Session) -> bool:
        """Reveal the host's nonce, then take the client's, which must match its commitment: neither side can steer
        the code, since each fixed its part before it saw the other's (see docs/security.md)."""
        await session.link.send({"type": "challenge", "nonce": session.host_nonce})
        try:
            client_nonce = await asyncio.wait_for(asyncio.shield(session.revealed), REVEAL_TIMEOUT)
        except asyncio.CancelledError:
            if session.is_live:
                raise
            return False  # the session ended meanwhile
        except TimeoutError:
            client_nonce = ""  # matches no commitment
        if commitment_matches(session.commitment, session.client_fingerprint, client_nonce):
            session.code = verification_code(
                session.peer.fingerprint, session.client_fingerprint, client_nonce, session.host_nonce
            )
            return True
        logger.warning("%s did not reveal the nonce it committed to; refused", session.device.describe())
        self.failures.record_failure(session.link.address)
        message = "the client did not reveal the nonce it committed to; scan the host's QR code again"
        await session.link.send({"type": "error", "code": "bad_commitment", "message": message})
        await self.end_session(session, "rejected")
        return False

    async def _approve(self, session: Session) -> bool:
        timeout = self.app.config.approve_timeout
        request = ApprovalRequest(device=session.device, code=session.code, timeout=timeout)
        session.approval = request
        self._transition(session, SessionState.PENDING)
        await session.link.send({"type": "pending", "timeout": timeout, "code": session.code})
        # surfaces are told in the background: the timeout runs from the request, however long a plugin takes
        self._spawn(self.app.plugins.call("proxim_request_approval", app=self.app, request=request))
        try:
            try:
                decision = await asyncio.wait_for(request.decided(), timeout)
            except TimeoutError:
                request.reject(by="timeout")
                decision = await request.decided()
        except asyncio.CancelledError:
            if session.is_live:
                raise
            return False  # the session ended while pending (client left, host stopped)
        if not session.is_live:
            return False
        await self.app.plugins.call("proxim_approval_decided", app=self.app, request=request, decision=decision)
        if not decision.approved:
            reason = "timeout" if decision.by == "timeout" else "rejected"
            await session.link.send({"type": "rejected", "reason": reason})
            await self.end_session(session, reason)
            return False
        session.permissions = decision.permissions
        self._transition(session, SessionState.APPROVED)
        approved: dict[str, Any] = {"type": "approved", "permissions": sorted(session.permissions)}
        window = self.app.config.resume_window
        if window > 0:
            session.resume = ResumeTicket(session.client_fingerprint)
            approved.update(resume=session.resume.token, resume_window=window)
        await session.link.send(approved)
        return True

    async def _connect(self, session: Session) -> None:
        loop = asyncio.get_running_loop()
        try:
            # a portal asks the person at the desktop here: off the loop, and the session waits for the answer
            session.capture = await loop.run_in_executor(None, self._start_capture)
        except BackendUnavailable as exc:
            logger.error("%s", exc)
            session.end_message = str(exc)
            await self.end_session(session, "error")
            return
        answer = await self._negotiate(session, session.offer)
        await session.link.send({"type": "answer", "sdp": answer})
        # without a deadline a session whose ends cannot reach each other would hang: aioice waits for more candidates
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.connected.wait(), NETWORK_PATH_TIMEOUT)
        if session.state is SessionState.CONNECTING:
            await self._end_without_path(session)

    def _start_capture(self) -> CaptureSource:
        capture = self.app.capture_sources.create(self.app.config.capture, self.app.config)
        try:
            capture.start()
        except BaseException:
            capture.close()
            raise
        return capture

    async def _end_without_path(self, session: Session) -> None:
        """ICE found no pair of addresses that works within the deadline (or gave up sooner): say what to try. (A
        resumed connection that does not come up is the resume window's business.)"""
        if session.state is not SessionState.CONNECTING or session.reconnect_timer is not None:
            return
        if session.peer.pc.iceConnectionState in ("connected", "completed"):
            reason = "error"
            session.end_message = "the two ends reached each other but could not set up the encrypted connection"
        else:
            reason = "no_network_path"
            session.end_message = (
                f"no network path between the device and this host (no pair of their addresses worked within "
                f"{NETWORK_PATH_TIMEOUT:g} s); {self.ice.no_path_advice()}"
            )
        logger.warning("session with %s: %s", session.device.describe(), session.end_message)
        await self.end_session(session, reason)

    async def _negotiate(self, session: Session, offer: str) -> str:
        """Answer ``offer`` with a new track of the session's capture on the session's peer; returns the answer."""
        assert session.capture is not None
        session.track = ScreenVideoTrack(session.capture, StreamSettings.from_config(self.app.config))
        session.track.paused = session.paused
        peer = session.peer
        peer.pc.on("datachannel", lambda channel: self._on_datachannel(session, channel))
        peer.pc.on("connectionstatechange", lambda: self._on_connection_state(session, peer))
        answer = await peer.answer(offer, session.track, client_address=session.device.address)
        self._transition(session, SessionState.CONNECTING)
        return answer

    def _on_connection_state(self, session: Session, peer: HostPeer) -> None:
        state = peer.pc.connectionState
        logger.info("peer connection %s", state)
        if not session.is_live:
            return
        if state == "connected" and session.state is SessionState.CONNECTING:
            self._transition(session, SessionState.CONNECTED)
            session.connected.set()
            if session.reconnect_timer is None:
                self._spawn(self.app.plugins.call("proxim_session_started", app=self.app, session=session))
            else:
                session.reconnect_timer.cancel()
                session.reconnect_timer = None
                if session.resume is not None:
                    session.resume.confirm()
                logger.info("reconnected: %s", session.device.describe())
                self._spawn(self.app.plugins.call("proxim_session_reconnected", app=self.app, session=session))
        elif state == "failed" and session.state is SessionState.CONNECTING and session.reconnect_timer is None:
            self._spawn(self._end_without_path(session))
        elif state in ("failed", "closed"):
            self._spawn(self._connection_lost(session, f"the peer connection {state}"))

    # -- network blips -----------------------------------------------------------------------------------------------

    def _resumable(self, session: Session) -> bool:
        """Connected, or reconnecting through a resume whose new connection is not up yet; and given a ticket."""
        if session.resume is None:
            return False
        return session.state is SessionState.CONNECTED or (
            session.state is SessionState.CONNECTING and session.reconnect_timer is not None
        )

    async def _connection_lost(self, session: Session, why: str) -> None:
        """The connection dropped: a resumable session waits for its client to resume, any other ends."""
        if session.state is SessionState.RECONNECTING or not session.is_live:
            return
        if not self._resumable(session):
            await self.end_session(session, "client_left")
            return
        if session.reconnect_timer is None:
            window = self.app.config.resume_window
            logger.info("%s: waiting up to %g s for %s to resume", why, window, session.device.describe())
            session.reconnect_timer = asyncio.get_running_loop().call_later(
                window, lambda: self._spawn(self._resume_window_over(session))
            )
        else:
            logger.info("%s while %s was resuming", why, session.device.describe())
        self._transition(session, SessionState.RECONNECTING)
        await self._drop_connection(session)
        await self.app.plugins.call("proxim_session_reconnecting", app=self.app, session=session)

    async def _drop_connection(self, session: Session) -> None:
        """Let go of the session's connection (WebSocket, peer, track, control), releasing all it held; keep the
        capture, the permissions and the host's certificate for a resume."""
        control, track, peer, link = session.control, session.track, session.peer, session.link
        session.control = session.channel = session.track = None
        peer.pc.remove_all_listeners()  # its closing is no news: the session is reconnecting already
        if control is not None:
            await control.close()
        if track is not None:
            track.stop()
        await peer.close()
        with contextlib.suppress(Exception):
            await link.close()

    async def _resume_window_over(self, session: Session) -> None:
        if session.reconnect_timer is not None:
            logger.info("%s did not come back in time", session.device.describe())
            await self.end_session(session, "connection_lost")

    async def _handle_resume(self, link: ClientLink, resume: protocol.Resume) -> None:
        try:
            session = self._accept_resume(link, resume)
        except ProtocolError as exc:
            logger.info("resume attempt from %s refused: %s", link.address, exc.code)
            if exc.code != "rate_limited":
                self.failures.record_failure(link.address)
            await link.send({"type": "error", "code": exc.code, "message": exc.message})
            await link.close()
            return
        logger.info("resume from %s accepted for %s", link.address, session.device.describe())
        try:
            if session.state is not SessionState.RECONNECTING:  # the host had not noticed the drop yet
                await self._connection_lost(session, "the client resumed on a new connection")
            await self._reconnect(session, link, resume.offer)
        except Exception:
            logger.exception("resume failed")
            await self.end_session(session, "error")

    def _accept_resume(self, link: ClientLink, resume: protocol.Resume) -> Session:
        _refuse_while_waiting(self.failures.address_wait(link.address))
        session = self.live_session
        if session is None or session.pairing_id != resume.session or session.resume is None:
            raise ProtocolError("session_ended", "this session has ended; scan the host's QR code to connect again")
        if session.link is link or not (session.state is SessionState.RECONNECTING or self._resumable(session)):
            raise ProtocolError("bad_message", "this session cannot be resumed from here")
        session.resume.check(resume.token, resume.offer)
        return session

    async def _reconnect(self, session: Session, link: ClientLink, offer: str) -> None:
        """Answer a resume: the same session on a new connection that keeps the host's certificate."""
        assert session.resume is not None
        session.link = link
        session.device = dataclasses.replace(session.device, address=link.address)  # it may have moved
        config = self.app.config
        servers = self.ice.servers(CREDENTIAL_LIFETIME)
        session.peer = HostPeer(servers, config.media_port, same_identity_as=session.peer)
        answer = await self._negotiate(session, offer)
        resumed = {"type": "resumed", "permissions": sorted(session.permissions), "resume": session.resume.next_token()}
        await link.send(resumed)
        await link.send({"type": "answer", "sdp": answer})

    def _on_datachannel(self, session: Session, channel: RTCDataChannel) -> None:
        if channel.label != "control" or session.control is not None or session.capture is None:
            return
        try:
            backend = self.app.input_backend()
            refusal = backend.unavailable_reason()  # a desktop may grant input per session
            if refusal:
                raise BackendUnavailable(refusal)
        except BackendUnavailable as exc:
            logger.error("remote input disabled: %s", exc)
            if Permission.CONTROL in session.permissions:
                session.permissions = frozenset({Permission.VIEW})
                self.app.state_changed()  # the tray says "viewed", not "controlled"
            view_only = hello_message(session.capture.geometry(), frozenset({Permission.VIEW}), [], [])
            channel.send(json.dumps(view_only))
            channel.send(json.dumps({"t": "error", "code": "input_unavailable", "message": str(exc)}))
            return
        geometry = session.capture.geometry()

        def reply(message: dict[str, Any]) -> None:
            if channel.readyState == "open":
                channel.send(json.dumps(message))

        session.channel = channel
        commands = self.app.commands.available()
        local_priority = self.app.config.local_priority
        # the channel starts as the session is now: the host's user may have paused before the client opened it
        session.control = RemoteControl(
            backend, geometry, session.permissions, reply, commands, local_priority, paused=session.paused
        )
        channel.on("message", session.control.handle)
        channel.on("close", session.control.release_all)
        channel.send(json.dumps(session.control.hello()))
        if session.paused:
            channel.send(json.dumps(PAUSED_BY_HOST))

    def _tell_client(self, session: Session, message: dict[str, Any]) -> None:
        channel = session.channel
        if channel is not None and channel.readyState == "open":
            channel.send(json.dumps(message))

    def set_permissions(self, permissions: frozenset[Permission]) -> bool:
        """Change what the live session may do (the host's user decides); False when there is no session."""
        session = self.live_session
        if session is None:
            return False
        session.permissions = frozenset(permissions) | {Permission.VIEW}
        logger.info("permissions of %s now %s", session.device.describe(), sorted(session.permissions))
        if session.control is not None:
            session.control.set_permissions(session.permissions)
        self._tell_client(session, {"t": "perm", "permissions": sorted(session.permissions)})
        self.app.state_changed()
        return True

    def set_paused(self, paused: bool) -> bool:
        """Pause or resume sharing: the picture freezes and remote input is refused while paused."""
        session = self.live_session
        if session is None or session.paused == paused:
            return False
        session.paused = paused
        if session.track is not None:
            session.track.paused = paused
        if session.control is not None:
            session.control.set_paused(paused)
        self._tell_client(session, PAUSED_BY_HOST if paused else RESUMED_BY_HOST)
        logger.info("sharing %s", "paused" if paused else "resumed")
        self.app.state_changed()
        return True

    def _transition(self, session: Session, state: SessionState) -> None:
        logger.info("state %s -> %s (%s)", session.state, state, session.device.describe())
        session.state = state
        self.app.state_changed()

    async def end_session(self, session: Session, reason: str) -> None:
        """End ``session`` for ``reason``, release all it held, tell the client and plugins, show a new link."""
        if not session.is_live:
            return
        session.end_reason = reason
        if session.reconnect_timer is not None:
            session.reconnect_timer.cancel()
        self._transition(session, SessionState.ENDED)
        if session.approval is not None:
            session.approval.cancel()
        session.revealed.cancel()
        if reason in ("host_stopped", "host_shutdown") or session.end_message is not None:
            ended = {"type": "ended", "reason": reason}
            if session.end_message is not None:
                ended["message"] = session.end_message
            with contextlib.suppress(Exception):
                await session.link.send(ended)
        if session.control is not None:
            await session.control.close()
        if session.track is not None:
            session.track.stop()
        await session.peer.close()
        if session.capture is not None:
            session.capture.close()
        with contextlib.suppress(Exception):
            await session.link.close()
        await self.app.plugins.call("proxim_session_ended", app=self.app, session=session, reason=reason)
        # the peer connection, its encoder's threads and buffers sit in reference cycles: free them now, not when the
        # cyclic collector next runs (measured: 10 sessions, 40 threads and ~250 MB later)
        gc.collect()
        memory.give_back_freed()
        if not self._closing:
            await self.new_pairing()

    async def stop_session(self) -> bool:
        """The host's user stops sharing. Returns False when there was no session."""
        session = self.live_session
        if session is None:
            return False
        await self.end_session(session, "host_stopped")
        return True

    async def close(self) -> None:
        self._closing = True
        session = self.live_session
        if session is not None:
            await self.end_session(session, "host_shutdown")
        await self._retire_pairing()
        if self._peer is not None:
            await self._peer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _refuse_while_waiting(wait: float) -> None:
    if wait > 0:
        raise ProtocolError("rate_limited", f"too many failed pairing attempts; try again in {wait:.0f} s")
