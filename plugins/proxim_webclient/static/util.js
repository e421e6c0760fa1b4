// Pure helpers shared by the page's scripts: encodings, fingerprints, the verification code, the device name.
// The fingerprint and code rules are those of proxim_tray/fingerprint.py and proxim_tray/pairing.py (docs/protocol.md).
'use strict';

window.Proxim = {};

(() => {
  function base64urlDecode(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    try {
      const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
      return Uint8Array.from(binary, (c) => c.charCodeAt(0));
    } catch {
      return null;
    }
  }

  function base64urlEncode(bytes) {
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  const toFingerprintHex = (bytes) =>
    Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');

  const FINGERPRINT_RE = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

  /** Uppercase SHA-256 fingerprints of the `a=fingerprint` lines of one part of an SDP. */
  const sha256Values = (text) => Array.from(text.matchAll(/^a=fingerprint:(\S+)[ \t]+(\S+)/gim))
    .filter((m) => m[1].toLowerCase() === 'sha-256')
    .map((m) => m[2].toUpperCase());

  /**
   * The one SHA-256 fingerprint every media section of an SDP names (session-level lines count for every section),
   * or null: DTLS checks one section, so an SDP naming two certificates could show one and connect the other.
   */
  function sdpFingerprint(sdp) {
    const [session, ...sections] = sdp.split(/\r?\n(?=m=)/);
    const inherited = sha256Values(session);
    const named = new Set(inherited);
    for (const section of sections) {
      const values = [...inherited, ...sha256Values(section)];
      if (!values.length) return null;
      values.forEach((value) => named.add(value));
    }
    const [value] = named;
    return sections.length && named.size === 1 && FINGERPRINT_RE.test(value) ? value : null;
  }

  const sha256Text = (text) => sha256(new TextEncoder().encode(text));

  /** 16 random bytes, base64url: this page's part of the verification code (getRandomValues works over http). */
  const newNonce = () => base64urlEncode(crypto.getRandomValues(new Uint8Array(16)));

  /** Sent in `hello`, before the page may learn the host's nonce. */
  const commitment = (clientHex, clientNonce) =>
    base64urlEncode(sha256Text(`proxim-v2-commit|${clientHex}|${clientNonce}`));

  function verificationCode(hostHex, clientHex, clientNonce, hostNonce) {
    const digest = sha256Text(`proxim-v2|${hostHex}|${clientHex}|${clientNonce}|${hostNonce}`);
    const value = new DataView(digest.buffer).getUint32(0);
    return String(value % 1000000).padStart(6, '0');
  }

  function parseJson(text) {
    try {
      return JSON.parse(text);
    } catch {
      console.warn('Proxim: ignoring a message that is not JSON');
      return null;
    }
  }

  const formatCode = (code) => `${code.slice(0, 3)} ${code.slice(3)}`;

  function deviceName() {
    const ua = navigator.userAgent;
    const browsers = [
      [/Edg(A|iOS)?\//, 'Edge'], [/OPR\/|Opera/, 'Opera'], [/SamsungBrowser/, 'Samsung Internet'],
      [/Firefox|FxiOS/, 'Firefox'], [/Chrome|CriOS/, 'Chrome'], [/Safari/, 'Safari'],
    ];
    const systems = [
      [/Android/, 'Android'], [/iPhone|iPad|iPod/, 'iOS'], [/CrOS/, 'ChromeOS'], [/Windows/, 'Windows'],
      [/Macintosh/, navigator.maxTouchPoints > 1 ? 'iPadOS' : 'macOS'], [/Linux/, 'Linux'],
    ];
    const pick = (table) => table.find(([pattern]) => pattern.test(ua))?.[1];
    const browser = pick(browsers) || 'Browser';
    const system = pick(systems);
    return (system ? `${browser} on ${system}` : browser).slice(0, 64);
  }

  /** The KeyboardEvent.code a US layout gives a character, or '' (the host then goes by `key`). */
  function codeForChar(char) {
    if (/^[a-z]$/i.test(char)) return `Key${char.toUpperCase()}`;
    if (/^[0-9]$/.test(char)) return `Digit${char}`;
    return char === ' ' ? 'Space' : '';
  }

  window.Proxim.util = {
    base64urlDecode, toFingerprintHex, sdpFingerprint, newNonce, commitment,
    verificationCode, parseJson, formatCode, deviceName, codeForChar,
  };
})();
