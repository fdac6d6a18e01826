// The video grid: one tile per person (camera and microphone), one per
// shared screen, and our own view. Tiles carry the name and what is off.
// It shows one page of tiles at a time, as many as fit at a useful size
// (at least TILE_MIN_W x TILE_MIN_H CSS pixels, at most MAX_PER_PAGE), so
// that a group of 16 is not 16 postage stamps; the tiles of other pages
// are hidden (display: none), so their videos are reported hidden
// (hints.js) and the server sends them nothing. Their sound plays on.

const TILE_MIN_W = 240;
const TILE_MIN_H = 180;
const GAP = 8; // .grid's gap and padding
const MAX_PER_PAGE = 9;

// The active speaker's tile is outlined and, with three tiles or more
// (and room for it), twice as large and first on the first page; what is
// shown changes at most once a second.
const SPEAKER_SETTLE_MS = 1000;

function el(tag, attrs = {}, text = '') {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

class Tile {
  constructor(key, label, self) {
    this.node = el('div', { class: 'tile', role: 'listitem', 'data-key': key });
    this.video = el('video', { autoplay: '', playsinline: '' });
    this.video.muted = self; // never play our own microphone back
    this.avatar = el('div', { class: 'avatar', 'aria-hidden': 'true' });
    this.caption = el('div', { class: 'caption' });
    this.name = el('span', { class: 'name' });
    this.marks = el('span', { class: 'marks' });
    this.caption.append(this.name, this.marks);
    this.node.append(this.video, this.avatar, this.caption);
    this.stream = new MediaStream();
    this.video.srcObject = this.stream;
    this.speaking = false;
    this.setLabel(label);
  }

  setLabel(label) {
    this.label = label;
    this.name.textContent = label;
    this.avatar.textContent = (label.trim()[0] || '?').toUpperCase();
    this.updateAriaLabel();
  }

  // Screen readers hear "speaking" when they reach the tile, never as an
  // announcement of each change.
  updateAriaLabel() {
    this.node.setAttribute('aria-label', `${this.label}${this.marks.textContent}${this.speaking ? ', speaking' : ''}`);
  }

  setSpeaking(on) {
    this.speaking = on;
    this.node.classList.toggle('speaking', on);
    this.updateAriaLabel();
  }

  // Shows exactly these tracks.
  setTracks(tracks) {
    const have = this.stream.getTracks();
    for (const t of have) if (!tracks.includes(t)) this.stream.removeTrack(t);
    for (const t of tracks) if (!have.includes(t)) this.stream.addTrack(t);
    // Some browsers do not notice tracks added to a playing stream.
    if (tracks.length && this.video.srcObject !== this.stream) this.video.srcObject = this.stream;
    this.video.play().catch(() => {});
  }

  setState({ audio, video, muted = [], reconnecting = false, hand = false }) {
    const videoShown = video && !muted.includes('video');
    this.node.classList.toggle('video-off', !videoShown);
    this.node.classList.toggle('reconnecting', reconnecting);
    const marks = [];
    if (!audio || muted.includes('audio')) marks.push(muted.includes('audio') ? 'muted by host' : 'microphone off');
    if (!videoShown) marks.push(muted.includes('video') ? 'camera stopped by host' : 'camera off');
    if (reconnecting) marks.push('reconnecting');
    if (hand) marks.push('hand raised');
    this.marks.textContent = marks.length ? ` (${marks.join(', ')})` : '';
    this.node.dataset.audio = audio && !muted.includes('audio') ? 'on' : 'off';
    this.node.dataset.video = videoShown ? 'on' : 'off';
    this.updateAriaLabel();
  }
}

export class Grid {
  // onPages(page, pages) after each layout: for the pager.
  constructor(container, onPages = () => {}) {
    this.container = container;
    this.tiles = new Map(); // key: participant id, participant id + "/screen", or "self"
    this.sinkId = '';
    this.speakerWanted = null; // the active speaker's tile key, as last announced
    this.speakerShown = null; // the one shown
    this.speakerShownAt = 0;
    this.speakerTimer = null;
    this.page = 0;
    this.onPages = onPages;
    this.resize = new ResizeObserver(() => this.layout());
    this.resize.observe(container);
  }

  tile(key, label, self = false) {
    let tile = this.tiles.get(key);
    if (!tile) {
      tile = new Tile(key, label, self);
      if (this.sinkId && tile.video.setSinkId) tile.video.setSinkId(this.sinkId).catch(() => {});
      this.tiles.set(key, tile);
      tile.setSpeaking(key === this.speakerShown);
      if (self) this.container.prepend(tile.node);
      else this.container.append(tile.node);
      this.layout();
    } else if (tile.label !== label) {
      tile.setLabel(label);
    }
    return tile;
  }

  remove(key) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    tile.setTracks([]);
    tile.node.remove();
    this.tiles.delete(key);
    this.layout();
  }

  // How many tiles fit the grid at TILE_MIN_W x TILE_MIN_H: [cols, rows].
  fits() {
    const w = this.container.clientWidth;
    const h = this.container.clientHeight;
    if (!w || !h) return [3, 3];
    const cols = Math.max(1, Math.floor((w - GAP) / (TILE_MIN_W + GAP)));
    const rows = Math.max(1, Math.floor((h - GAP) / (TILE_MIN_H + GAP)));
    return [cols, rows];
  }

  // The current page's tiles shown, in columns as square as fits; the
  // others hidden. The active speaker (not ourselves) comes first, on the
  // first page, and with three tiles or more takes the room of four when
  // the page has it.
  layout() {
    const nodes = [...this.container.children].filter((n) => n.classList.contains('tile'));
    const speaker = this.speakerShown !== null && this.speakerShown !== 'self' ? this.tiles.get(this.speakerShown)?.node : null;
    if (speaker && nodes.includes(speaker)) {
      nodes.splice(nodes.indexOf(speaker), 1);
      nodes.unshift(speaker);
    }
    const [fitCols, fitRows] = this.fits();
    const perPage = Math.min(MAX_PER_PAGE, fitCols * fitRows);
    const pages = Math.max(1, Math.ceil(nodes.length / perPage));
    this.page = Math.min(this.page, pages - 1);
    nodes.forEach((node, i) => (node.hidden = Math.floor(i / perPage) !== this.page));
    const n = Math.max(1, Math.min(perPage, nodes.length - this.page * perPage));
    const enlarged = n >= 3 && speaker && !speaker.hidden && n + 3 <= fitCols * fitRows;
    const slots = enlarged ? n + 3 : n;
    const cols = Math.min(fitCols, Math.max(Math.ceil(Math.sqrt(slots)), Math.ceil(slots / fitRows)));
    this.container.style.setProperty('--cols', cols);
    this.container.dataset.count = n;
    if (enlarged) this.container.dataset.speaker = 'enlarged';
    else delete this.container.dataset.speaker;
    this.onPages(this.page, pages);
  }

  // The active speaker (docs/protocol.md, "Active speaker"): key is its
  // tile's ("self" for ourselves), or null for nobody. Shown at once when
  // the last change is a second old, else when it is.
  setActiveSpeaker(key) {
    this.speakerWanted = key ?? null;
    if (this.speakerTimer) return;
    const wait = this.speakerShownAt + SPEAKER_SETTLE_MS - Date.now();
    if (wait > 0) {
      this.speakerTimer = setTimeout(() => {
        this.speakerTimer = null;
        this.setActiveSpeaker(this.speakerWanted);
      }, wait);
      return;
    }
    if (this.speakerWanted === this.speakerShown) return;
    this.speakerShown = this.speakerWanted;
    this.speakerShownAt = Date.now();
    for (const [k, tile] of this.tiles) tile.setSpeaking(k === this.speakerShown);
    this.layout();
  }

  turnPage(delta) {
    this.page = Math.max(0, this.page + delta);
    this.layout();
  }

  setSelf(stream, label, state) {
    const tile = this.tile('self', `${label} (you)`, true);
    tile.setTracks(stream ? stream.getVideoTracks() : []);
    tile.node.classList.add('self');
    tile.setState(state);
  }

  // A participant's camera tile, made before any media arrives.
  setPerson(p, state) {
    this.tile(p.participant_id, p.display_name).setState(state);
  }

  // The tracks the subscriber receives, grouped into tiles. Returns the
  // videos shown: their m-line's mid -> the <video> element.
  setStreams(streams, sourceOf, nameOf) {
    const byTile = new Map();
    const videos = new Map();
    for (const s of streams) {
      const screen = sourceOf(s) === 'screen';
      const key = screen ? `${s.participantId}/screen` : s.participantId;
      if (!byTile.has(key)) byTile.set(key, { screen, participantId: s.participantId, tracks: [], mids: [] });
      byTile.get(key).tracks.push(s.track);
      if (s.kind === 'video' && s.mid !== undefined) byTile.get(key).mids.push(s.mid);
    }
    for (const [key, t] of byTile) {
      const name = nameOf(t.participantId);
      if (name === null) continue; // left meanwhile
      const tile = this.tile(key, t.screen ? `${name}\u2019s screen` : name);
      tile.setTracks(t.tracks);
      for (const mid of t.mids) videos.set(mid, tile.video);
    }
    for (const [key, tile] of this.tiles) {
      if (key === 'self' || byTile.has(key)) continue;
      if (key.endsWith('/screen')) this.remove(key);
      else tile.setTracks([]);
    }
    return videos;
  }

  removePerson(id) {
    this.remove(id);
    this.remove(`${id}/screen`);
  }

  // Remote videos replaced by names and avatars ("Audio only").
  setAudioOnly(on) {
    this.container.classList.toggle('audio-only', on);
  }

  stop() {
    this.resize.disconnect();
  }

  setSpeaker(sinkId) {
    this.sinkId = sinkId;
    for (const tile of this.tiles.values())
      if (tile.video.setSinkId) tile.video.setSinkId(sinkId).catch(() => {});
  }
}
