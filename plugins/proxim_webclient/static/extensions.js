// What the host's plugins add to the live page (see docs/plugin_hooks.md): drop targets for files dragged onto the
// page, and panels in a strip above the toolbar for their progress.
'use strict';

(() => {
  const { session } = window.Proxim;
  const stage = document.getElementById('stage');
  const targets = [];
  const overlay = document.createElement('p');
  overlay.id = 'drop-overlay';
  overlay.hidden = true;
  const strip = document.createElement('div');
  strip.id = 'plugin-panels';
  stage.append(overlay, strip);

  const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes('Files');
  const accepting = () => (session.state === 'live' ? targets.find((target) => target.accepts()) : undefined);

  function over(event) {
    const target = carriesFiles(event) && accepting();
    if (!target) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    overlay.textContent = target.text;
    overlay.hidden = false;
  }
  document.addEventListener('dragenter', over);
  document.addEventListener('dragover', over);
  document.addEventListener('dragleave', (event) => {
    if (!event.relatedTarget) overlay.hidden = true; // left the window
  });
  document.addEventListener('drop', (event) => {
    overlay.hidden = true;
    const target = carriesFiles(event) && accepting();
    if (!target) return;
    event.preventDefault();
    target.drop([...event.dataTransfer.files]);
  });

  window.Proxim.page = {
    /** `{text, accepts: () => boolean, drop: (files) => void}`: the first target that accepts takes a drop. */
    addDropTarget(target) {
      targets.push(target);
    },
    /** An element of the strip above the toolbar, for the plugin to fill; an empty one takes no room. */
    addPanel() {
      const panel = document.createElement('div');
      panel.className = 'plugin-panel';
      strip.append(panel);
      return panel;
    },
  };
})();
