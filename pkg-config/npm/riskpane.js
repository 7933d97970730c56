// riskpane: the package's one entry module. It starts loading the wasm at once, defines the
// <risk-pane> custom element, returns handles from mount() that queue calls until the wasm is
// ready, and runs commands a host page queued before this script loaded:
//   (window.riskpane = window.riskpane || []).push(['mount', element, options, handle => { ... }]);
import init, { mount as wasmMount } from './riskpane_wasm.js';

// Hosts (and `cargo xtask bench`) measure from here: script start → first score painted.
globalThis.performance?.mark?.('riskpane:start');

const VERSION = '{{version}}';
let loading = null;

/** Starts (once) and awaits loading the wasm module. */
export function ready() {
  if (!loading) {
    loading = init({ module_or_path: new URL('./riskpane_wasm_bg.wasm', import.meta.url) });
  }
  return loading;
}

/** A pack or profile URL's JSON text, fetched while the wasm compiles; the URL itself when that
 *  fails or takes over 5 s (the widget then loads it itself and reports any error), so the
 *  prefetch can only make loading faster, never stall it. Inline objects pass through. */
function prefetch(source) {
  if (typeof source !== 'string' || source.trimStart().startsWith('{')) return Promise.resolve(source);
  const signal = globalThis.AbortSignal?.timeout?.(5000);
  return fetch(source, { credentials: 'same-origin', cache: 'no-cache', signal })
    .then((response) => (response.ok ? response.text() : source))
    .catch(() => source);
}

class WidgetHandle {
  #real = null;
  #pending = [];
  #gone = false;
  /** URL → fetched text, so update() with the same URLs does not reload. */
  #texts = new Map();

  constructor(target, options) {
    const texts = Promise.all([prefetch(options?.pack), prefetch(options?.profile)]);
    /** Resolves with this handle once the widget is mounted; rejects if mounting failed. */
    this.ready = Promise.all([ready(), texts]).then(([, [pack, profile]]) => {
      if (this.#gone) return this;
      if (pack !== options?.pack) this.#texts.set(options.pack, pack);
      if (profile !== options?.profile) this.#texts.set(options.profile, profile);
      this.#real = wasmMount(target, this.#withTexts(options));
      for (const [method, args] of this.#pending) this.#apply(method, args);
      this.#pending = [];
      return this;
    });
    this.ready.catch((error) => console.error('riskpane:', error));
  }

  #call(method, args) {
    if (this.#gone) return;
    if (this.#real) this.#apply(method, args);
    else this.#pending.push([method, args]);
  }

  /** Calls the mounted widget; option URLs already fetched are passed as their text. */
  #apply(method, args) {
    this.#real[method](...(method === 'update' ? [this.#withTexts(args[0])] : args));
  }

  #withTexts(options) {
    if (!options) return options;
    const text = (source) => this.#texts.get(source) ?? source;
    return { ...options, pack: text(options.pack), profile: text(options.profile) };
  }

  /** Applies new options (same shape as mount's). */
  update(options) { this.#call('update', [options]); }

  /** Reads the case from the page again and re-scores it. */
  refresh() { this.#call('refresh', []); }

  /** Removes the widget and everything it created. Safe to call twice. */
  unmount() {
    if (this.#gone) return;
    this.#gone = true;
    this.#pending = [];
    if (this.#real) {
      this.#real.unmount();
      this.#real.free();
      this.#real = null;
    }
  }
}

/** Mounts the widget into a new element appended to `target`. */
export function mount(target, options) {
  return new WidgetHandle(target, options);
}

/** The package version. */
export function version() {
  return VERSION;
}

const ATTRIBUTES = ['pack', 'profile', 'lang', 'shadow', 'nonce', 'user-id', 'user-name', 'user-role'];

/** <risk-pane pack="…/demo.json" profile="…/demo.json" lang="de" user-id="u1" user-name="…" user-role="agent"> */
export class RiskPaneElement extends HTMLElement {
  static observedAttributes = ATTRIBUTES;
  #handle = null;
  #options = {};

  /** Options that attributes cannot carry (inline packs, case values, theme, callbacks). */
  get options() { return this.#options; }
  set options(value) {
    this.#options = value || {};
    if (this.#handle) this.#handle.update(this.#collect());
  }

  connectedCallback() {
    if (!this.#handle) this.#handle = mount(this, this.#collect());
  }

  disconnectedCallback() {
    if (this.#handle) this.#handle.unmount();
    this.#handle = null;
  }

  attributeChangedCallback() {
    if (this.#handle) this.#handle.update(this.#collect());
  }

  refresh() {
    if (this.#handle) this.#handle.refresh();
  }

  #collect() {
    const options = { ...this.#options };
    for (const name of ['pack', 'profile', 'lang', 'shadow', 'nonce']) {
      if (this.hasAttribute(name)) options[name] = this.getAttribute(name);
    }
    if (this.hasAttribute('user-id')) {
      options.user = {
        id: this.getAttribute('user-id'),
        name: this.getAttribute('user-name') || this.getAttribute('user-id'),
        role: this.getAttribute('user-role') || 'agent',
      };
    }
    return options;
  }
}

if (!customElements.get('risk-pane')) customElements.define('risk-pane', RiskPaneElement);

function run(command) {
  const [name, ...args] = command;
  if (name === 'mount') {
    const [target, options, onHandle] = args;
    const handle = mount(target, options);
    if (typeof onHandle === 'function') onHandle(handle);
    return handle;
  }
  if (name === 'ready' && typeof args[0] === 'function') return ready().then(() => args[0]());
  console.error(`riskpane: unknown command ${String(name)}`);
  return undefined;
}

const queued = globalThis.riskpane;
globalThis.riskpane = { mount, version, ready, push: run };
if (Array.isArray(queued)) for (const command of queued) run(command);
ready();
