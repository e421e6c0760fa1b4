// The session menu: touch mode, zoom, the stats overlay, the system commands and clipboard the host offers, and the
// sections the host's plugins add.
'use strict';

(() => {
  const { session, view, touch } = window.Proxim;
  const $ = (id) => document.getElementById(id);
  const menu = $('menu');
  const menuButton = $('menu-toggle');
  const commandsSection = $('commands-section');
  const commandList = $('commands');
  const clipboardSection = $('clipboard-section');
  const grantsSection = $('grants-section');
  const grantList = $('grants');
  const clipText = $('clip-text');
  const clipStatus = $('clip-status');

  function setOpen(open) {
    menu.hidden = !open;
    menuButton.setAttribute('aria-expanded', String(open));
    if (open) menu.querySelector('input, button')?.focus({ preventScroll: true });
  }

  menuButton.addEventListener('click', () => setOpen(menu.hidden));
  $('menu-close').addEventListener('click', () => setOpen(false));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !menu.hidden) {
      setOpen(false);
      menuButton.focus();
    }
  });

  // Touch modes mean nothing to a mouse; a touchscreen laptop still gets them.
  $('touch-modes').hidden = navigator.maxTouchPoints === 0;
  for (const radio of menu.querySelectorAll('input[name=touch-mode]')) {
    radio.checked = radio.value === touch.mode;
    radio.addEventListener('change', () => touch.setMode(radio.value));
  }
  $('zoom-reset').addEventListener('click', () => view.reset());
  $('stats-toggle').addEventListener('change', (event) => window.Proxim.stats.show(event.target.checked));

  /** Rebuilds the parts that depend on what the host offers and what this session may do. */
  function render() {
    const allowed = session.can('commands');
    commandList.replaceChildren(...session.commands.filter((c) => typeof c?.name === 'string').map((command) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = String(command.label || command.name);
      button.addEventListener('click', () => {
        if (session.send({ t: 'cmd', name: command.name })) setOpen(false);
      });
      return button;
    }));
    commandsSection.hidden = !allowed || !session.commands.length;
    // what the host's plugins let this session do: each is off unless the host's user allowed it
    const optional = session.optional.filter((p) => typeof p?.name === 'string' && typeof p?.label === 'string');
    grantList.replaceChildren(...optional.map((permission) => {
      const item = document.createElement('li');
      const granted = session.can(permission.name);
      item.dataset.granted = String(granted);
      item.textContent = `${permission.label}: ${granted ? 'allowed' : 'not allowed (the host\u2019s user can allow it)'}`;
      return item;
    }));
    grantsSection.hidden = !optional.length;
    clipboardSection.hidden = !allowed || !session.capabilities.includes('clipboard');
  }

  $('clip-send').addEventListener('click', () => {
    const text = clipText.value;
    if (!text) {
      clipStatus.textContent = 'Type or paste the text to send first.';
    } else if (session.send({ t: 'clip_set', text })) {
      clipStatus.textContent = session.can('control')
        ? 'Sent to the host, which puts it on its clipboard and pastes it.'
        : 'Sent to the host\u2019s clipboard (without control the host does not paste it).';
    }
  });
  $('clip-get').addEventListener('click', () => {
    if (session.send({ t: 'clip_get' })) clipStatus.textContent = 'Asking the host…';
  });
  session.on('clip', (text) => {
    clipText.value = text;
    clipText.select();
    clipStatus.textContent = text
      ? 'The host\u2019s clipboard is in the box: copy it from there.'
      : 'The host\u2019s clipboard is empty.';
  });
  session.on('refused', (message) => {
    if (message.code === 'unknown_command' || message.code === 'not_permitted') {
      clipStatus.textContent = message.message || 'The host refused.';
    }
  });

  // for the host's plugins (see docs/plugin_hooks.md): a section of the menu each, and a way to close it
  window.Proxim.menu = {
    addSection(title) {
      const section = document.createElement('section');
      const heading = document.createElement('h3');
      heading.textContent = title;
      section.append(heading);
      section.hidden = true;
      menu.append(section);
      return section;
    },
    close() {
      setOpen(false);
    },
  };

  session.on('hello', render);
  session.on('permissions', render);
  session.on('state', () => {
    if (session.state !== 'live') setOpen(false);
  });
})();
