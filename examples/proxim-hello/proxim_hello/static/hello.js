// proxim-hello's part of the page: a menu section with a button that greets the desktop over the `hello` channel,
// and a panel that shows the desktop's answers.
'use strict';

(() => {
  const { session, menu, page } = window.Proxim;
  const section = menu.addSection('Hello');
  const button = document.createElement('button');
  button.type = 'button';
  button.id = 'hello-greet';
  button.textContent = 'Say hello to the desktop';
  section.append(button);
  const panel = page.addPanel();

  function render() {
    section.hidden = session.state !== 'live' || !session.channel('hello');
  }

  session.on('channel', (channel) => {
    if (channel.label !== 'hello') return;
    channel.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      if (message.t === 'greeting') panel.textContent = String(message.text);
    });
    channel.addEventListener('open', render);
    channel.addEventListener('close', render);
    render();
  });
  session.on('state', render);
  button.addEventListener('click', () => {
    session.channel('hello')?.send(JSON.stringify({ t: 'greet', name: 'desktop' }));
    menu.close();
  });
})();
