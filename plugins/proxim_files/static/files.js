// Proxim file transfer, the page's side (a plugin script): send files to the host from the menu or by dropping them
// on the page, and save the files the host sends. One file at a time each way, the others queued; progress with
// bytes, rate and time left; cancel either way. The messages of the `files` channel are in docs/files.md.
'use strict';

(() => {
  const { session, menu, page } = window.Proxim;
  const CHUNK = 64 * 1024; // bytes per binary message
  const WINDOW = 16 * 1024 * 1024; // bytes sent ahead of the receiver's last `progress`
  const PROGRESS_STEP = 1024 * 1024; // a receiver acknowledges at least this often
  const READ_BLOCK = 1024 * 1024; // bytes read from a file at once
  const HIGH_WATER = 4 * 1024 * 1024; // the channel's send buffer is let drain below LOW_WATER past this
  const LOW_WATER = 1024 * 1024;
  const FOLD = 16 * 1024 * 1024; // a download's pieces are folded into one Blob this often (the browser may page it)
  const RATE_SPAN_MS = 3000;
  const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

  let dc = null;
  const queue = []; // [{file, row}] waiting to be sent
  let sending = null; // the file being sent
  let receiving = null; // the file being received
  let ids = 0;

  // ------------------------------------------------------------------ what the user sees

  const section = menu.addSection('Files');
  const note = document.createElement('p');
  note.className = 'label';
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.hidden = true;
  const pick = document.createElement('button');
  pick.type = 'button';
  pick.id = 'files-send';
  pick.textContent = 'Send files…';
  pick.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    enqueue([...picker.files]);
    picker.value = '';
    menu.close();
  });
  section.append(pick, picker, note);
  const panel = page.addPanel();
  panel.classList.add('files-panel');

  page.addDropTarget({
    text: 'Drop files to send them to the computer',
    accepts: () => isOpen(),
    drop: (files) => enqueue(files),
  });

  function render() {
    const live = session.state === 'live';
    section.hidden = !live;
    pick.hidden = !isOpen();
    note.textContent = isOpen()
      ? 'Files you send land in the Downloads folder of the computer. You can also drop files on the picture.'
      : 'The computer\u2019s user did not allow file transfer in this session.';
  }

  function formatBytes(bytes) {
    const units = ['bytes', 'KB', 'MB', 'GB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
  }

  /** A row in the panel for one file: its name, a progress bar, a status line and a Cancel button. */
  function addRow(name, direction) {
    const row = document.createElement('div');
    row.className = 'files-row';
    row.dataset.direction = direction;
    const title = document.createElement('span');
    title.className = 'files-name';
    title.textContent = `${direction === 'up' ? '\u2191' : '\u2193'} ${name}`;
    const bar = document.createElement('progress');
    bar.max = 1;
    bar.value = 0;
    const status = document.createElement('span');
    status.className = 'files-status';
    status.setAttribute('role', 'status');
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'quiet';
    cancel.textContent = 'Cancel';
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'quiet';
    close.textContent = '\u2715';
    close.setAttribute('aria-label', `Remove ${name} from the list`);
    close.hidden = true;
    close.addEventListener('click', () => row.remove());
    row.append(title, bar, status, cancel, close);
    panel.append(row);
    const samples = [];
    return {
      element: row,
      onCancel(handler) { cancel.onclick = handler; },
      progress(done, size) {
        const now = performance.now();
        samples.push([now, done]);
        while (samples.length > 2 && now - samples[0][0] > RATE_SPAN_MS) samples.shift();
        bar.value = size ? done / size : 1;
        let text = `${formatBytes(done)} of ${formatBytes(size)}`;
        const [[t0, b0], [t1, b1]] = [samples[0], samples[samples.length - 1]];
        if (t1 > t0 && b1 > b0) {
          const rate = ((b1 - b0) * 1000) / (t1 - t0);
          text += ` \u00b7 ${formatBytes(rate)}/s \u00b7 ${Math.ceil((size - done) / rate)} s left`;
        }
        status.textContent = text;
      },
      finish(text, outcome) {
        status.textContent = text;
        row.dataset.outcome = outcome;
        cancel.hidden = true;
        close.hidden = false;
        if (outcome === 'done') bar.value = 1;
      },
      status,
    };
  }

  // ------------------------------------------------------------------ the channel

  const isOpen = () => dc?.readyState === 'open';

  function send(message) {
    if (isOpen()) dc.send(JSON.stringify(message));
  }

  session.on('channel', (channel) => {
    if (channel.label !== 'files') return;
    dc = channel;
    dc.binaryType = 'arraybuffer';
    dc.bufferedAmountLowThreshold = LOW_WATER;
    dc.addEventListener('message', (event) => {
      if (channel !== dc) return;
      if (typeof event.data === 'string') onMessage(parse(event.data));
      else onBytes(event.data);
    });
    dc.addEventListener('bufferedamountlow', () => sending?.wake());
    dc.addEventListener('open', render);
    dc.addEventListener('close', () => {
      if (channel !== dc) return;
      dc = null;
      stopAll('the connection to the computer closed');
      render();
    });
    render();
  });
  session.on('state', render);
  session.on('permissions', render);

  function parse(text) {
    try {
      const message = JSON.parse(text);
      return message && typeof message === 'object' && typeof message.t === 'string' ? message : null;
    } catch {
      return null;
    }
  }

  function reasonOf(message, fallback) {
    return typeof message.message === 'string' && message.message ? message.message : fallback;
  }

  function onMessage(message) {
    if (!message) return;
    if (message.t === 'offer') {
      offered(message);
      return;
    }
    if (message.t === 'error' && message.id === undefined) {
      console.warn('Proxim files: the host refused a message:', message.code, message.message);
      return;
    }
    if (sending && message.id === sending.id) onSendingMessage(sending, message);
    else if (receiving && message.id === receiving.id) onReceivingMessage(receiving, message);
  }

  // ------------------------------------------------------------------ sending

  function enqueue(files) {
    if (!isOpen()) return;
    for (const file of files) {
      const item = { file, row: addRow(file.name, 'up') };
      item.row.status.textContent = 'Waiting…';
      item.row.onCancel(() => {
        const index = queue.indexOf(item);
        if (index >= 0) queue.splice(index, 1);
        item.row.finish('Cancelled', 'cancelled');
      });
      queue.push(item);
    }
    if (!sending) sendNext();
  }

  function sendNext() {
    const next = queue.shift();
    if (!next || !isOpen()) return;
    sendFile(next.file, next.row).finally(() => {
      sending = null;
      sendNext();
    });
  }

  async function sendFile(file, row) {
    ids += 1;
    const transfer = {
      id: `p${ids}`, row, size: file.size, sent: 0, acked: 0, accepted: false, savedAs: null, stopped: null, waiter: null,
      wake() {
        const waiter = this.waiter;
        this.waiter = null;
        waiter?.();
      },
    };
    sending = transfer;
    const until = async (condition) => {
      for (;;) {
        if (transfer.stopped) throw new Error(transfer.stopped);
        if (condition()) return;
        await new Promise((resolve) => { transfer.waiter = resolve; });
      }
    };
    row.onCancel(() => {
      send({ t: 'cancel', id: transfer.id, code: 'cancelled', message: 'cancelled on the device' });
      transfer.stopped = 'Cancelled';
      transfer.wake();
    });
    row.status.textContent = 'Asking the computer…';
    send({ t: 'offer', id: transfer.id, name: file.name, size: file.size, mime: file.type || '' });
    try {
      await until(() => transfer.accepted);
      row.progress(0, file.size);
      for (let offset = 0; offset < file.size;) {
        const block = await file.slice(offset, offset + READ_BLOCK).arrayBuffer();
        for (let start = 0; start < block.byteLength; start += CHUNK) {
          await until(() => transfer.sent - transfer.acked < WINDOW && dc.bufferedAmount <= HIGH_WATER);
          const length = Math.min(CHUNK, block.byteLength - start);
          dc.send(new Uint8Array(block, start, length));
          transfer.sent += length;
        }
        offset += block.byteLength;
      }
      send({ t: 'done', id: transfer.id });
      await until(() => transfer.savedAs !== null);
      row.finish(`Saved on the computer as ${transfer.savedAs}`, 'done');
    } catch (err) {
      row.finish(err.message, transfer.stopped === 'Cancelled' ? 'cancelled' : 'failed');
    }
  }

  function onSendingMessage(transfer, message) {
    switch (message.t) {
      case 'accept':
        transfer.accepted = true;
        break;
      case 'progress':
        if (Number.isSafeInteger(message.bytes) && message.bytes > transfer.acked) {
          transfer.acked = Math.min(message.bytes, transfer.size);
          transfer.row.progress(transfer.acked, transfer.size);
        }
        break;
      case 'received':
        transfer.savedAs = typeof message.name === 'string' ? message.name : '';
        break;
      case 'refuse':
        transfer.stopped = `Refused: ${reasonOf(message, 'the computer did not accept it')}`;
        break;
      case 'cancel':
        transfer.stopped = `Cancelled: ${reasonOf(message, 'cancelled on the computer')}`;
        break;
      case 'error':
        transfer.stopped = `Failed: ${reasonOf(message, 'the computer could not save it')}`;
        break;
      default:
        return;
    }
    transfer.wake();
  }

  // ------------------------------------------------------------------ receiving

  function offered(message) {
    const valid = ID_RE.test(message.id) && typeof message.name === 'string' && Number.isSafeInteger(message.size)
      && message.size >= 0;
    if (!valid) {
      send({ t: 'error', code: 'bad_message', message: 'an offer needs an id, a name and a size' });
      return;
    }
    if (receiving) {
      send({ t: 'refuse', id: message.id, code: 'busy', message: 'one file at a time' });
      return;
    }
    const mime = typeof message.mime === 'string' ? message.mime : '';
    const row = addRow(message.name, 'down');
    receiving = {
      id: message.id, name: message.name, size: message.size, mime, blob: new Blob([], { type: mime }), parts: [],
      partBytes: 0, got: 0, acked: 0, row,
    };
    const transfer = receiving;
    row.onCancel(() => {
      send({ t: 'cancel', id: transfer.id, code: 'cancelled', message: 'cancelled on the device' });
      stopReceiving(transfer, 'Cancelled', 'cancelled');
    });
    row.progress(0, transfer.size);
    send({ t: 'accept', id: transfer.id });
  }

  function onBytes(data) {
    const transfer = receiving;
    if (!transfer) return; // chunks of a transfer that was cancelled, still on their way
    if (transfer.got + data.byteLength > transfer.size) {
      send({ t: 'error', id: transfer.id, code: 'size_mismatch', message: 'more bytes than announced' });
      stopReceiving(transfer, 'Failed: the computer sent more than it announced', 'failed');
      return;
    }
    transfer.parts.push(data);
    transfer.partBytes += data.byteLength;
    transfer.got += data.byteLength;
    if (transfer.partBytes >= FOLD) fold(transfer);
    if (transfer.got - transfer.acked >= PROGRESS_STEP || transfer.got === transfer.size) {
      transfer.acked = transfer.got;
      send({ t: 'progress', id: transfer.id, bytes: transfer.got });
      transfer.row.progress(transfer.got, transfer.size);
    }
  }

  function fold(transfer) {
    transfer.blob = new Blob([transfer.blob, ...transfer.parts], { type: transfer.mime });
    transfer.parts = [];
    transfer.partBytes = 0;
  }

  function onReceivingMessage(transfer, message) {
    if (message.t === 'done') {
      if (transfer.got !== transfer.size) {
        send({ t: 'error', id: transfer.id, code: 'size_mismatch', message: `${transfer.got} bytes arrived` });
        stopReceiving(transfer, 'Failed: the file arrived incomplete', 'failed');
        return;
      }
      fold(transfer);
      receiving = null;
      send({ t: 'received', id: transfer.id, name: transfer.name });
      offerDownload(transfer);
    } else if (message.t === 'cancel' || message.t === 'error') {
      stopReceiving(transfer, `Cancelled: ${reasonOf(message, 'cancelled on the computer')}`, 'cancelled');
    }
  }

  function stopReceiving(transfer, text, outcome) {
    if (receiving === transfer) receiving = null;
    transfer.parts = [];
    transfer.blob = null;
    transfer.row.finish(text, outcome);
  }

  /** The file is here: a link saves it (a download needs the user's click on most phones). */
  function offerDownload(transfer) {
    const url = URL.createObjectURL(transfer.blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = transfer.name;
    link.className = 'files-save';
    link.textContent = `Save ${transfer.name}`;
    transfer.row.finish(`Received ${formatBytes(transfer.size)}`, 'done');
    transfer.row.element.append(link);
  }

  // ------------------------------------------------------------------ the channel closes

  function stopAll(reason) {
    if (sending) {
      sending.stopped = `Interrupted: ${reason}`;
      sending.wake();
    }
    if (receiving) stopReceiving(receiving, `Interrupted: ${reason}`, 'failed');
    queue.splice(0).forEach((item) => item.row.finish(`Not sent: ${reason}`, 'failed'));
  }

  render();
  window.proximFiles = { get channel() { return dc; } }; // for tests and the browser's console
})();
