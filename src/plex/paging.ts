// Reading a listing a server pages (a section's items, a show's allLeaves, a season's children),
// with an end that does not depend on the server telling the truth. totalSize alone is never
// trusted: a server that claimed 10^12 items and sent the same 100 on every page once drew
// 24,202 requests and 2.2 GB from the helper. A listing ends at the first of:
// - an empty page;
// - a page that brings no entry not seen before (the server repeats itself);
// - the offset reaching totalSize, or a page without totalSize (a server that did not page);
// - `maxPages` pages or `maxItems` entries (then `cut` says which).
// An entry already seen is dropped as it comes, so memory grows with the distinct entries only,
// and they are bounded too.

export interface PageLimits {
  /** Entries asked for per page (X-Plex-Container-Size); a server may send fewer, or more. */
  readonly pageSize: number;
  /** Requests at most, for one listing. */
  readonly maxPages: number;
  /** Distinct entries at most, for one listing. */
  readonly maxItems: number;
}

/**
 * python-plexapi asks for 100 at a time. A library of 200,000 items fits these with room to
 * spare, even from a server that pages at 50: 4,000 pages at most.
 */
export const DEFAULT_PAGE_LIMITS: PageLimits = { pageSize: 100, maxPages: 5_000, maxItems: 250_000 };

export interface Page {
  readonly entries: readonly unknown[];
  /** What the server says the whole listing holds; null when it does not say. */
  readonly totalSize: number | null;
}

/** Asks for the page of `size` entries that starts at offset `start`. */
export type PageReader = (start: number, size: number) => Promise<Page>;

export interface PagedListing {
  /** Each distinct entry once, in the order first seen, with its offset in the listing. */
  readonly entries: readonly { readonly entry: unknown; readonly offset: number }[];
  /** Why the listing ended short of what the server claimed, when a bound ended it. */
  readonly cut: 'pages' | 'items' | null;
  /** Requests made. */
  readonly pages: number;
}

/** How a listing walked entry by entry ended (walkPages). */
export interface PageWalk {
  /** Why the listing ended short of what the server claimed, when a bound ended it. */
  readonly cut: 'pages' | 'items' | null;
  /** Requests made. */
  readonly pages: number;
  /** Distinct entries handed over. */
  readonly entries: number;
}

/**
 * Reads every page of a listing within `limits`. `keyOf` names an entry (Plex's ratingKey); an
 * entry without a name is kept, but never counts as new, so it cannot keep a listing going.
 */
export async function readPages(readPage: PageReader, keyOf: (entry: unknown) => string | null, limits: PageLimits = DEFAULT_PAGE_LIMITS): Promise<PagedListing> {
  const entries: { entry: unknown; offset: number }[] = [];
  const walk = await walkPages(readPage, keyOf, limits, (entry, offset) => void entries.push({ entry, offset }));
  return { entries, cut: walk.cut, pages: walk.pages };
}

/**
 * readPages without holding the listing: each distinct entry goes to `visit` as its page comes,
 * and only the page being read and the names seen (for the repeat rule) stay in memory. The part
 * index lists 100,000 items this way and keeps only what it needs of each.
 */
export async function walkPages(
  readPage: PageReader,
  keyOf: (entry: unknown) => string | null,
  limits: PageLimits,
  visit: (entry: unknown, offset: number) => void,
): Promise<PageWalk> {
  checkPageLimits(limits);
  const seen = new Set<string>();
  let count = 0;
  let start = 0;
  let pages = 0;
  for (;;) {
    if (pages >= limits.maxPages) return { cut: 'pages', pages, entries: count };
    if (count >= limits.maxItems) return { cut: 'items', pages, entries: count };
    const page = await readPage(start, limits.pageSize);
    pages += 1;
    let fresh = 0;
    for (const [index, entry] of page.entries.entries()) {
      const key = keyOf(entry);
      if (key !== null) {
        if (seen.has(key)) continue;
        seen.add(key);
        fresh += 1;
      }
      if (count >= limits.maxItems) return { cut: 'items', pages, entries: count };
      count += 1;
      visit(entry, start + index);
    }
    start += page.entries.length;
    if (fresh === 0 || page.totalSize === null || start >= page.totalSize) return { cut: null, pages, entries: count };
  }
}

/** Throws a TypeError naming the first bound that is not a positive integer. */
export function checkPageLimits(limits: PageLimits): void {
  for (const name of ['pageSize', 'maxPages', 'maxItems'] as const) {
    const value = limits[name];
    if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`limits.${name} must be a positive integer, got ${String(value)}`);
  }
}

/** Plex's ratingKey of a listing entry, a string or a number; null when it has none. */
export function ratingKeyOf(entry: unknown): string | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const key = (entry as { ratingKey?: unknown }).ratingKey;
  return typeof key === 'string' || typeof key === 'number' ? String(key) : null;
}
