// The remote screen on this page: the video fitted with its aspect ratio kept, pinch zoom and pan of it, and the
// mapping from page coordinates to the host's screen.
'use strict';

(() => {
  const MAX_SCALE = 5;
  const video = document.getElementById('screen');
  const stage = document.getElementById('stage');

  const view = {
    scale: 1,
    x: 0, // translation of the zoomed video inside the stage, CSS pixels
    y: 0,

    /** The displayed video content (object-fit: contain, zoom included) in viewport coordinates, or null. */
    contentBox() {
      const box = video.getBoundingClientRect();
      if (!video.videoWidth || !video.videoHeight || !box.width || !box.height) return null;
      const scale = Math.min(box.width / video.videoWidth, box.height / video.videoHeight);
      const width = video.videoWidth * scale;
      const height = video.videoHeight * scale;
      return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2, width, height };
    },

    /** The normalised host position under a viewport point, or null outside the picture. */
    hostPoint(clientX, clientY) {
      const box = this.contentBox();
      if (!box) return null;
      const x = (clientX - box.left) / box.width;
      const y = (clientY - box.top) / box.height;
      if (x < 0 || x > 1 || y < 0 || y > 1) return null;
      return { x: Math.round(x * 1e5) / 1e5, y: Math.round(y * 1e5) / 1e5 };
    },

    /** Host pixels per CSS pixel of the picture as it is shown now. */
    hostPixelsPerCssPixel(hostWidth) {
      const box = this.contentBox();
      return box && hostWidth ? hostWidth / box.width : 1;
    },

    /** Zooms to `scale`, keeping the stage point (`anchorX`, `anchorY`) still, then moves by (`panX`, `panY`). */
    zoom(scale, anchorX, anchorY, panX = 0, panY = 0) {
      const next = Math.min(MAX_SCALE, Math.max(1, scale));
      const ratio = next / this.scale;
      this.x = anchorX - (anchorX - this.x) * ratio + panX;
      this.y = anchorY - (anchorY - this.y) * ratio + panY;
      this.scale = next;
      this.apply();
    },

    reset() {
      this.scale = 1;
      this.x = 0;
      this.y = 0;
      this.apply();
    },

    /** Keeps the zoomed video covering the stage, then shows it. */
    apply() {
      const width = stage.clientWidth;
      const height = stage.clientHeight;
      this.x = Math.min(0, Math.max(width - width * this.scale, this.x));
      this.y = Math.min(0, Math.max(height - height * this.scale, this.y));
      video.style.transform = this.scale === 1 ? '' : `translate(${this.x}px, ${this.y}px) scale(${this.scale})`;
      document.body.classList.toggle('zoomed', this.scale > 1);
    },

    /** A viewport point in stage coordinates. */
    stagePoint(clientX, clientY) {
      const box = stage.getBoundingClientRect();
      return { x: clientX - box.left, y: clientY - box.top };
    },
  };

  // Orientation changes and resizes: keep the zoomed picture inside the new stage.
  window.addEventListener('resize', () => view.apply());
  // Safari does not shrink the layout for the on-screen keyboard: fit the page to what stays visible above it.
  window.visualViewport?.addEventListener('resize', () => {
    document.body.style.height = `${window.visualViewport.height}px`;
    view.apply();
  });

  window.Proxim.view = view;
})();
