// The host panel: the waiting room (admit, deny), the people present (mute,
// lock, back to the waiting room, remove; in workshops, grant a raised
// hand), who is expected but not here, and ending the session. The server checks every action again.

function button(label, className, onClick, accessibleName) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (className) b.className = className;
  if (accessibleName) b.setAttribute('aria-label', accessibleName);
  b.addEventListener('click', onClick);
  return b;
}

function personItem(p, extra = '') {
  const li = document.createElement('li');
  li.dataset.key = p.participant_id ?? `entry-${p.roster_entry_id}`;
  const name = document.createElement('span');
  name.className = 'who';
  name.textContent = `${p.display_name} \u00b7 ${p.role}${extra}`;
  li.append(name);
  return li;
}

// Updates a list in place: an item whose content did not change keeps its
// node (and the keyboard focus, and any pointer on its way to a button);
// only changed, new and gone items are touched.
function replaceList(list, items) {
  const old = new Map([...list.children].map((li) => [li.dataset.key, li]));
  const focused = list.contains(document.activeElement) ? document.activeElement.getAttribute('aria-label') : null;
  const next = items.map((li) => {
    const kept = old.get(li.dataset.key);
    return kept && kept.innerHTML === li.innerHTML ? kept : li;
  });
  next.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] ?? null);
  });
  while (list.children.length > next.length) list.lastElementChild.remove();
  if (focused && !list.contains(document.activeElement)) {
    const again = [...list.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === focused);
    (again ?? list.closest('section')?.querySelector('h2'))?.focus();
  }
}

export class HostPanel {
  // actions: admit(id), deny(id, name), mute(id, kind, lock), unmute(id, kind),
  // toWaiting(id), remove(id, name), grant(id), revoke(id), end()
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.waitingList = root.querySelector('#waiting-list');
    this.waitingEmpty = root.querySelector('#waiting-empty');
    this.participantList = root.querySelector('#participant-list');
    this.absentList = root.querySelector('#absent-list');
    root.querySelector('#end-session').addEventListener('click', () => actions.end());
  }

  render({ waiting, participants, roster, hands, workshop }) {
    replaceList(
      this.waitingList,
      [...waiting.values()].map((p) => {
        const li = personItem(p);
        li.append(
          button('Admit', 'primary', () => this.actions.admit(p.participant_id), `Admit ${p.display_name}`),
          button('Deny', '', () => this.actions.deny(p.participant_id, p.display_name), `Deny ${p.display_name}`),
        );
        return li;
      }),
    );
    this.waitingEmpty.hidden = waiting.size > 0;

    replaceList(
      this.participantList,
      [...participants.values()].map((p) => {
        const hand = hands.has(p.participant_id);
        const li = personItem(p, hand ? ' \u00b7 hand raised' : '');
        const muted = p.muted ?? [];
        for (const kind of ['audio', 'video']) {
          const what = kind === 'audio' ? 'microphone' : 'camera';
          if (muted.includes(kind)) {
            li.append(button(`Allow ${what}`, '', () => this.actions.unmute(p.participant_id, kind), `Allow ${p.display_name}'s ${what}`));
          } else {
            li.append(
              button(`Mute ${what}`, '', () => this.actions.mute(p.participant_id, kind, false), `Mute ${p.display_name}'s ${what}`),
              button(`Mute and lock ${what}`, '', () => this.actions.mute(p.participant_id, kind, true), `Mute and lock ${p.display_name}'s ${what}`),
            );
          }
        }
        if (workshop && p.role !== 'host' && p.role !== 'cohost') {
          if (p.granted) li.append(button('Stop their sharing', '', () => this.actions.revoke(p.participant_id), `Take back ${p.display_name}'s permission to speak`));
          else li.append(button(hand ? 'Let them speak' : 'Invite to speak', hand ? 'primary' : '', () => this.actions.grant(p.participant_id), `Let ${p.display_name} speak`));
        }
        li.append(button('Back to waiting room', '', () => this.actions.toWaiting(p.participant_id), `Send ${p.display_name} back to the waiting room`));
        li.append(button('Remove', 'danger', () => this.actions.remove(p.participant_id, p.display_name), `Remove ${p.display_name}`));
        return li;
      }),
    );

    const present = new Set([...participants.values()].map((p) => p.roster_entry_id));
    const waitingIds = new Set([...waiting.values()].map((p) => p.roster_entry_id));
    replaceList(
      this.absentList,
      roster
        .filter((r) => !present.has(r.roster_entry_id) && !waitingIds.has(r.roster_entry_id) && !r.self)
        .map((r) => personItem(r)),
    );
  }
}
