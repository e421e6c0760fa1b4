// Pure helpers shared by the page's scripts: encodings, fingerprints, the verification code, the device name.
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

  const fromFingerprintHex = (hex) => Uint8Array.from(hex.split(':'), (pair) => parseInt(pair, 16));

  /** Uppercase values of every `a=fingerprint:sha-256` line of an SDP. */
  function sha256Fingerprints(sdp) {
    return Array.from(sdp.matchAll(/^a=fingerprint:sha-256[ \t]+(\S+)/gim), (m) => m[1].toUpperCase());
  }

  function verificationCode(hostHex, clientHex) {
    const digest = sha256(new TextEncoder().encode(`proxim-v1|${hostHex}|${clientHex}`));
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
    base64urlDecode, base64urlEncode, toFingerprintHex, fromFingerprintHex, sha256Fingerprints,
    verificationCode, parseJson, formatCode, deviceName, codeForChar,
  };
})();
