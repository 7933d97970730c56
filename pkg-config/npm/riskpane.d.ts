// Hand-written types of the riskpane package (the generated riskpane_wasm.d.ts holds the option
// and event types it re-exports).
import type { RiskpaneMountOptions, RiskpaneScoredDetail, RiskpaneUser, RiskpaneSource } from './riskpane_wasm.js';

export type { RiskpaneMountOptions, RiskpaneScoredDetail, RiskpaneUser, RiskpaneSource };

export interface RiskpaneHandle {
  /** Resolves once the widget is mounted; rejects with the reason if mounting failed. */
  readonly ready: Promise<RiskpaneHandle>;
  update(options: RiskpaneMountOptions): void;
  refresh(): void;
  unmount(): void;
}

/** Mounts the widget into a new element appended to `target`. Calls made before the wasm has loaded are queued. */
export function mount(target: Element, options: RiskpaneMountOptions): RiskpaneHandle;
/** The package version. */
export function version(): string;
/** Resolves when the wasm module is loaded. */
export function ready(): Promise<unknown>;

export class RiskPaneElement extends HTMLElement {
  /** Options attributes cannot carry: inline packs, case values, theme, callbacks. */
  options: Partial<RiskpaneMountOptions>;
  refresh(): void;
}

export type RiskpaneCommand =
  | ['mount', Element, RiskpaneMountOptions, ((handle: RiskpaneHandle) => void)?]
  | ['ready', () => void];

declare global {
  interface HTMLElementTagNameMap {
    'risk-pane': RiskPaneElement;
  }
  interface HTMLElementEventMap {
    'riskpane:scored': CustomEvent<RiskpaneScoredDetail>;
    'riskpane:decision': CustomEvent<unknown>;
  }
  interface Window {
    riskpane: RiskpaneCommand[] | { mount: typeof mount; version: typeof version; ready: typeof ready; push(command: RiskpaneCommand): unknown };
  }
}
