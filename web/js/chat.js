// Chat: relayed by the server to the people present, never stored there nor
// here (it is gone when the page closes).

export class Chat {
  constructor(root, send) {
    this.log = root.querySelector('#chat-log');
    this.to = root.querySelector('#chat-to');
    this.text = root.querySelector('#chat-text');
    root.querySelector('#chat-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = this.text.value.trim();
      if (!text) return;
      const to = this.to.value || undefined;
      try {
        await send(text, to);
        this.add('You', text, to ? this.to.selectedOptions[0].textContent : '');
        this.text.value = '';
      } catch (err) {
        this.add('Not sent', err.message, '');
      }
    });
  }

  add(from, text, privateTo) {
    const li = document.createElement('li');
    const who = document.createElement('strong');
    who.textContent = privateTo ? `${from} (privately${privateTo === true ? '' : ` to ${privateTo}`})` : from;
    li.append(who, document.createTextNode(`: ${text}`));
    this.log.append(li);
    li.scrollIntoView({ block: 'nearest' });
  }

  // The people one may write to privately.
  setPeople(people) {
    const chosen = this.to.value;
    const options = [new Option('Everyone', '')];
    for (const p of people) options.push(new Option(p.display_name, p.participant_id));
    this.to.replaceChildren(...options);
    this.to.value = [...this.to.options].some((o) => o.value === chosen) ? chosen : '';
  }
}
