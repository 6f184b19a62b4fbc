// The Plex menu inside mpv: opened by `script-binding plex_sync/menu` (key_menu, Alt+p), drawn
// with osd-overlay, fed by the helper. This file only carries out what menu-model.ts decides:
// it binds the keys while the menu is open (menu-keys.ts), asks the helper for pages and plays,
// draws (menu-draw.ts), and says plainly when the helper does not answer. mpv is reached only
// through MenuPorts, so unit tests drive it with fakes.

import type { MenuPageKind, MenuPagePayload, MenuPlayedPayload, MenuPlayPayload, MenuRequestPayload } from '../../src/protocol/messages.js';
import { bindingsToRemove, menuBindings, type MenuBinding } from './menu-keys.js';
import { drawMenu, menuResX, MENU_RES_Y } from './menu-draw.js';
import { awaiting, onKey, openedView, pageAnswered, pageRequest, playAnswered, requestFailed, type MenuAction, type MenuKey, type MenuView } from './menu-model.js';

export interface MenuPorts {
  sendPage(request: MenuRequestPayload): void;
  sendPlay(play: MenuPlayPayload): void;
  /** Shows the ASS events (osd-overlay, format ass-events) in a space resX × MENU_RES_Y. */
  draw(ass: string, resX: number, resY: number): void;
  /** Takes the overlay away. */
  clear(): void;
  bind(binding: MenuBinding, onKey: (key: MenuKey) => void): void;
  unbind(name: string): void;
  osdSize(): { readonly width: number | undefined; readonly height: number | undefined };
  /** Why the helper cannot answer now (not running, failed to start), or null when it may. */
  helperDown(): string | null;
  playbackId(): string | null;
  newId(): string;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  log(text: string): void;
}

export interface MenuOptions {
  /** How long an answer may take before the menu says the helper did not answer. */
  readonly answerTimeoutMs: number;
}

export class PlexMenu {
  private view: MenuView | null = null;
  private bound: MenuBinding[] = [];
  private timer: unknown = null;
  /** The request awaiting its answer, sent again to a helper that attaches meanwhile. */
  private pending: { readonly page: MenuRequestPayload } | { readonly play: MenuPlayPayload } | null = null;

  constructor(
    private readonly ports: MenuPorts,
    private readonly options: MenuOptions,
  ) {}

  isOpen(): boolean {
    return this.view !== null;
  }

  /** The key binding: opens on Continue Watching, or closes an open menu (the same key toggles). */
  toggle(): void {
    if (this.view) return this.close();
    const view = openedView();
    this.view = view;
    this.rebind();
    this.act(pageRequest(view));
    this.redraw();
  }

  close(): void {
    if (!this.view) return;
    this.view = null;
    this.pending = null;
    this.stopTimer();
    for (let i = 0; i < this.bound.length; i++) this.ports.unbind((this.bound[i] as MenuBinding).name);
    this.bound = [];
    this.ports.clear();
  }

  pageAnswered(page: MenuPagePayload): void {
    const view = this.view;
    if (!view || !pageAnswered(view, page)) {
      this.ports.log('menu: ignoring the answer to ' + page.requestId + ' (not awaited)');
      return;
    }
    this.stopTimer();
    this.pending = null;
    this.ports.log('menu: ' + view.page + ' page, ' + view.rows.length + ' rows' + (page.status === 'error' ? ' (' + (page.error || 'failed') + ')' : ''));
    this.redraw();
  }

  playAnswered(played: MenuPlayedPayload): void {
    const view = this.view;
    if (!view || !playAnswered(view, played.requestId, played.ok, played.text)) return;
    this.stopTimer();
    this.pending = null;
    this.ports.log('menu: ' + (played.ok ? 'playing ' : 'could not play: ') + played.text);
    // mpv is loading the chosen item: the menu has done its job.
    if (played.ok) return this.close();
    this.redraw();
  }

  /**
   * A helper has just attached (the menu was opened before it did, or while it restarted): it
   * never heard the request awaited, so it hears it now, with a fresh wait.
   */
  helperReady(): void {
    const pending = this.pending;
    if (!this.view || pending === null) return;
    if ('page' in pending) {
      this.ports.sendPage(pending.page);
      this.waitFor(pending.page.requestId);
    } else {
      this.ports.sendPlay(pending.play);
      this.waitFor(pending.play.requestId);
    }
  }

  private onKey(key: MenuKey): void {
    const view = this.view;
    if (!view) return;
    const page = view.page;
    this.act(onKey(view, key));
    if (!this.view) return;
    if (view.page !== page) this.rebind();
    this.redraw();
  }

  private act(action: MenuAction): void {
    const view = this.view;
    if (!view) return;
    if (action.kind === 'close') return this.close();
    if (action.kind === 'request') return this.request(view, action.page, action.query);
    if (action.kind === 'play') return this.play(view, action.row.id);
  }

  private request(view: MenuView, page: MenuPageKind, query: string): void {
    const requestId = this.ports.newId();
    awaiting(view, requestId);
    if (this.failIfDown(view, requestId)) return;
    const request: MenuRequestPayload = { requestId: requestId, page: page, query: query, playbackId: this.ports.playbackId() };
    this.pending = { page: request };
    this.ports.sendPage(request);
    this.waitFor(requestId);
  }

  private play(view: MenuView, itemId: string): void {
    const requestId = this.ports.newId();
    awaiting(view, requestId);
    if (this.failIfDown(view, requestId)) return;
    const play: MenuPlayPayload = { requestId: requestId, itemId: itemId };
    this.pending = { play: play };
    this.ports.sendPlay(play);
    this.waitFor(requestId);
  }

  /** A helper known not to answer is said at once, not after a wait. */
  private failIfDown(view: MenuView, requestId: string): boolean {
    const down = this.ports.helperDown();
    if (down === null) return false;
    requestFailed(view, requestId, 'The helper is not running (' + down + '): Plex cannot be asked.');
    return true;
  }

  private waitFor(requestId: string): void {
    this.stopTimer();
    const menu = this;
    this.timer = this.ports.setTimeout(function () {
      menu.timer = null;
      const view = menu.view;
      const seconds = Math.round(menu.options.answerTimeoutMs / 1000);
      menu.pending = null;
      if (!view || !requestFailed(view, requestId, 'No answer from the helper (mpv-plex-sync) in ' + seconds + ' s: is it running?')) return;
      menu.ports.log('menu: no answer to ' + requestId);
      menu.redraw();
    }, this.options.answerTimeoutMs);
  }

  private stopTimer(): void {
    if (this.timer === null) return;
    this.ports.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Binds the keys of the view's page, removing those it no longer takes. */
  private rebind(): void {
    const view = this.view;
    if (!view) return;
    const next = menuBindings(view.page);
    const gone = bindingsToRemove(this.bound, next);
    for (let i = 0; i < gone.length; i++) this.ports.unbind(gone[i] as string);
    const menu = this;
    const had = Object.create(null) as { [name: string]: boolean };
    for (let i = 0; i < this.bound.length; i++) had[(this.bound[i] as MenuBinding).name] = true;
    for (let i = 0; i < next.length; i++) {
      const binding = next[i] as MenuBinding;
      if (had[binding.name]) continue;
      this.ports.bind(binding, function (key) {
        menu.onKey(key);
      });
    }
    this.bound = next;
  }

  private redraw(): void {
    const view = this.view;
    if (!view) return;
    const size = this.ports.osdSize();
    const resX = menuResX(size.width, size.height);
    this.ports.draw(drawMenu(view, resX), resX, MENU_RES_Y);
  }
}
