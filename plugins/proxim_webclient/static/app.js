// Proxim browser client: starts the session once every part of the page is listening. A handle for tests and
// for debugging from the browser's console is window.proxim.
'use strict';

(() => {
  const { session, view, touch } = window.Proxim;
  window.proxim = {
    get state() { return session.state; },
    get pc() { return session.pc; },
    get dc() { return session.dc; },
    get ws() { return session.ws; },
    get hello() { return session.hello; },
    get permissions() { return [...session.permissions]; },
    view,
    touch,
  };
  session.start();
})();
