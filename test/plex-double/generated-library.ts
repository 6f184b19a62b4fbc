// A big library for the Plex double, generated: N items (movies and episodes, one Media/Part
// each with a file path and a part id) in a few movie and show sections, made on demand from
// their number, so that 100,000 items cost the double a few KB until a page of them is asked
// for. Items added or removed later (an episode that arrived a minute ago, a film deleted) are
// kept apart and move their section's updatedAt, as Plex's sections report it.
//
// Listings page by X-Plex-Container-Start/-Size and honour the filters the part index sends
// (`addedAt>=`, `updatedAt>=`, the operator in the name as Plex's filter grammar has it).

/** JSON values the double answers with (server.ts renders them as JSON or XML). */
export type GeneratedJson = string | number | boolean | undefined | GeneratedObject | GeneratedJson[];
export interface GeneratedObject {
  [key: string]: GeneratedJson;
}

export interface GeneratedLibraryOptions {
  /** Items in all, movies and episodes. */
  readonly items: number;
  /** @default 2 */
  readonly movieSections?: number;
  /** @default 2 */
  readonly showSections?: number;
  /** The share of items that are movies; the rest are episodes. @default 0.25 */
  readonly movieShare?: number;
  /** Keys of the sections, counting up; keep clear of the double's other sections. @default 101 */
  readonly firstSectionKey?: number;
  /** @default 1_000_000 */
  readonly firstRatingKey?: number;
  /** @default 5_000_000 */
  readonly firstPartId?: number;
  /** Epoch seconds: the last generated item was added then, each earlier one a second before. @default 30 days ago */
  readonly addedUntil?: number;
}

/** Episodes of a season, seasons of a show. */
const EPISODES_PER_SEASON = 10;
const SEASONS_PER_SHOW = 5;
/** About what a real listing's summary weighs. */
const SUMMARY = 'A generated item of the double, with a summary about as long as a real one: '.repeat(4);

interface GeneratedSection {
  readonly key: string;
  readonly type: 'movie' | 'show';
  readonly title: string;
  readonly root: string;
  /** Generated items g in [first, first + count). */
  readonly first: number;
  readonly count: number;
  updatedAt: number;
}

/** An item added after generation. */
interface AddedItem {
  readonly ratingKey: number;
  readonly partId: number;
  readonly sectionKey: string;
  readonly type: 'movie' | 'episode';
  readonly title: string;
  readonly file: string;
  readonly addedAt: number;
}

/** What a test needs to know of an item. */
export interface GeneratedItemFacts {
  readonly ratingKey: string;
  readonly partId: number;
  readonly file: string;
  readonly sectionKey: string;
  readonly type: 'movie' | 'episode';
}

export class GeneratedLibrary {
  readonly #sections: GeneratedSection[] = [];
  readonly #total: number;
  readonly #firstRatingKey: number;
  readonly #firstPartId: number;
  readonly #addedUntil: number;
  readonly #added: AddedItem[] = [];
  readonly #removed = new Set<number>();
  /** Items whose file was renamed later: the new file, and the updatedAt it brought. */
  readonly #renamed = new Map<number, { readonly file: string; readonly updatedAt: number }>();

  constructor(options: GeneratedLibraryOptions) {
    const { items, movieSections = 2, showSections = 2, movieShare = 0.25, firstSectionKey = 101, firstRatingKey = 1_000_000, firstPartId = 5_000_000 } = options;
    if (!Number.isInteger(items) || items < 0) throw new TypeError('options.items must be a whole number');
    if (!Number.isInteger(movieSections) || movieSections < 1 || !Number.isInteger(showSections) || showSections < 1) {
      throw new TypeError('options.movieSections and options.showSections must be positive whole numbers');
    }
    if (!(movieShare >= 0 && movieShare <= 1)) throw new TypeError('options.movieShare must be between 0 and 1');
    this.#total = items;
    this.#firstRatingKey = firstRatingKey;
    this.#firstPartId = firstPartId;
    this.#addedUntil = options.addedUntil ?? Math.floor(Date.now() / 1000) - 30 * 86_400;
    const movies = Math.round(items * movieShare);
    let first = 0;
    const layout = (type: 'movie' | 'show', sections: number, count: number): void => {
      for (let n = 0; n < sections; n += 1) {
        const share = Math.floor(count / sections) + (n < count % sections ? 1 : 0);
        const key = String(firstSectionKey + this.#sections.length);
        const root = type === 'movie' ? `/data/movies-${n + 1}` : `/data/tv-${n + 1}`;
        this.#sections.push({ key, type, title: `${type === 'movie' ? 'Movies' : 'TV'} ${n + 1}`, root, first, count: share, updatedAt: this.#addedUntil });
        first += share;
      }
    };
    layout('movie', movieSections, movies);
    layout('show', showSections, items - movies);
  }

  /** Sections as /library/sections lists them. */
  sections(): GeneratedObject[] {
    return this.#sections.map((section) => ({
      key: section.key,
      type: section.type,
      title: section.title,
      agent: section.type === 'movie' ? 'tv.plex.agents.movie' : 'tv.plex.agents.series',
      scanner: section.type === 'movie' ? 'Plex Movie' : 'Plex TV Series',
      language: 'en-US',
      updatedAt: section.updatedAt,
      createdAt: this.#addedUntil - this.#total,
      Location: [{ id: Number(section.key), path: section.root }],
    }));
  }

  hasSection(key: string): boolean {
    return this.#section(key) !== undefined;
  }

  /** A section's key by its place among the sections of its type (0 the first). */
  sectionKey(type: 'movie' | 'show', nth = 0): string {
    const section = this.#sections.filter((candidate) => candidate.type === type)[nth];
    if (!section) throw new Error(`generated library: no ${type} section ${nth}`);
    return section.key;
  }

  /**
   * A page of a section's listing of `type` (movie or episode), filtered: `query` holds Plex's
   * `addedAt>` / `updatedAt>` (meaning >=) when asked. Undefined for a section not generated here.
   */
  listing(sectionKey: string, type: 'movie' | 'episode' | undefined, query: URLSearchParams, start: number, size: number): { page: GeneratedObject[]; totalSize: number } | undefined {
    const section = this.#section(sectionKey);
    if (!section) return undefined;
    if (type !== (section.type === 'movie' ? 'movie' : 'episode')) return { page: [], totalSize: 0 };
    const addedFrom = atLeast(query.get('addedAt>'));
    const updatedFrom = atLeast(query.get('updatedAt>'));
    // Items are in id order (sort=id): the generated ones, then the ones added later.
    const ids: number[] = [];
    const passes = (g: number): boolean => !this.#removed.has(g) && this.#addedAtOf(g) >= addedFrom && this.#updatedAtOf(g) >= updatedFrom;
    for (let g = section.first; g < section.first + section.count; g += 1) if (passes(g)) ids.push(g);
    for (const [n, added] of this.#added.entries()) if (added.sectionKey === sectionKey && passes(this.#total + n)) ids.push(this.#total + n);
    const from = Math.min(start, ids.length);
    const page = ids.slice(from, from + size).map((g) => this.#metadata(g));
    return { page, totalSize: ids.length };
  }

  /** /library/metadata/<ratingKey> of a generated or added item; undefined for any other (or a removed one). */
  metadata(ratingKey: string): GeneratedObject | undefined {
    const g = this.#indexOf(ratingKey);
    return g === undefined ? undefined : this.#metadata(g);
  }

  /** The facts of the item at place `nth` (0 the first) of a section, for a test to look it up by. */
  itemAt(sectionKey: string, nth: number): GeneratedItemFacts {
    const section = this.#section(sectionKey);
    if (!section || nth < 0 || nth >= section.count) throw new Error(`generated library: no item ${nth} in section ${sectionKey}`);
    return this.#facts(section.first + nth);
  }

  /** An episode added now to a show section: its section's updatedAt moves to now. */
  addEpisode(sectionKey: string, file: string, title = 'A New Episode'): GeneratedItemFacts {
    const section = this.#section(sectionKey);
    if (section?.type !== 'show') throw new Error(`generated library: ${sectionKey} is no show section`);
    return this.#add({ sectionKey, type: 'episode', file, title });
  }

  /** A movie added now to a movie section (two items may share a file name, as in real libraries). */
  addMovie(sectionKey: string, file: string, title = 'A New Movie'): GeneratedItemFacts {
    const section = this.#section(sectionKey);
    if (section?.type !== 'movie') throw new Error(`generated library: ${sectionKey} is no movie section`);
    return this.#add({ sectionKey, type: 'movie', file, title });
  }

  /** The item's file is renamed (a new release replaced it): its updatedAt and its section's move to now. */
  rename(ratingKey: string, file: string): GeneratedItemFacts {
    const g = this.#indexOf(ratingKey);
    if (g === undefined) throw new Error(`generated library: no item ${ratingKey}`);
    this.#renamed.set(g, { file, updatedAt: now() });
    const facts = this.#facts(g);
    const section = this.#section(facts.sectionKey);
    if (section) section.updatedAt = now();
    return facts;
  }

  /** The item leaves the library: its metadata answers 404, and its section's updatedAt moves. */
  remove(ratingKey: string): void {
    const g = this.#indexOf(ratingKey);
    if (g === undefined) throw new Error(`generated library: no item ${ratingKey}`);
    this.#removed.add(g);
    const section = this.#section(this.#facts(g).sectionKey);
    if (section) section.updatedAt = now();
  }

  #add(fields: { sectionKey: string; type: 'movie' | 'episode'; file: string; title: string }): GeneratedItemFacts {
    const g = this.#total + this.#added.length;
    const added: AddedItem = { ...fields, ratingKey: this.#firstRatingKey + g, partId: this.#firstPartId + g, addedAt: now() };
    this.#added.push(added);
    const section = this.#section(fields.sectionKey);
    if (section) section.updatedAt = added.addedAt;
    return this.#facts(g);
  }

  #section(key: string): GeneratedSection | undefined {
    return this.#sections.find((section) => section.key === key);
  }

  #indexOf(ratingKey: string): number | undefined {
    if (!/^\d+$/.test(ratingKey)) return undefined;
    const g = Number(ratingKey) - this.#firstRatingKey;
    if (!Number.isSafeInteger(g) || g < 0 || g >= this.#total + this.#added.length || this.#removed.has(g)) return undefined;
    return g;
  }

  #addedAtOf(g: number): number {
    return g < this.#total ? this.#addedUntil - (this.#total - 1 - g) : (this.#added[g - this.#total] as AddedItem).addedAt;
  }

  #updatedAtOf(g: number): number {
    return this.#renamed.get(g)?.updatedAt ?? this.#addedAtOf(g);
  }

  #facts(g: number): GeneratedItemFacts {
    const renamed = this.#renamed.get(g);
    const facts = this.#bornFacts(g);
    return renamed ? { ...facts, file: renamed.file } : facts;
  }

  /** The facts of an item as it was generated or added. */
  #bornFacts(g: number): GeneratedItemFacts {
    if (g >= this.#total) {
      const added = this.#added[g - this.#total] as AddedItem;
      return { ratingKey: String(added.ratingKey), partId: added.partId, file: added.file, sectionKey: added.sectionKey, type: added.type };
    }
    const section = this.#sections.find((candidate) => g >= candidate.first && g < candidate.first + candidate.count) as GeneratedSection;
    const i = g - section.first;
    const file =
      section.type === 'movie'
        ? `${section.root}/Movie ${i} (${movieYear(i)})/Movie ${i} (${movieYear(i)}).mkv`
        : `${section.root}/Show ${showOf(i)}/Season ${pad(seasonOf(i))}/S${pad(seasonOf(i))}E${pad(episodeOf(i))}.mkv`;
    return { ratingKey: String(this.#firstRatingKey + g), partId: this.#firstPartId + g, file, sectionKey: section.key, type: section.type === 'movie' ? 'movie' : 'episode' };
  }

  #metadata(g: number): GeneratedObject {
    const facts = this.#facts(g);
    const addedAt = this.#addedAtOf(g);
    const section = this.#section(facts.sectionKey) as GeneratedSection;
    const i = g - section.first;
    const generated = g < this.#total;
    const episode = facts.type === 'episode';
    const title = generated ? (episode ? `Episode ${episodeOf(i)}` : `Movie ${i}`) : (this.#added[g - this.#total] as AddedItem).title;
    const duration = episode ? 1_440_000 : 6_000_000;
    return {
      ratingKey: facts.ratingKey,
      key: `/library/metadata/${facts.ratingKey}`,
      guid: `plex://${facts.type}/generated${facts.ratingKey}`,
      type: facts.type,
      title,
      grandparentTitle: episode && generated ? `Show ${showOf(i)}` : undefined,
      parentTitle: episode && generated ? `Season ${seasonOf(i)}` : undefined,
      parentIndex: episode && generated ? seasonOf(i) : undefined,
      index: episode && generated ? episodeOf(i) : undefined,
      year: episode ? undefined : movieYear(i),
      summary: SUMMARY,
      librarySectionID: Number(section.key),
      librarySectionTitle: section.title,
      duration,
      addedAt,
      updatedAt: this.#updatedAtOf(g),
      Media: [
        {
          id: facts.partId,
          duration,
          bitrate: 4_000,
          width: 1920,
          height: 1080,
          videoResolution: '1080',
          videoCodec: 'h264',
          audioCodec: 'aac',
          container: 'mkv',
          Part: [{ id: facts.partId, key: `/library/parts/${facts.partId}/${addedAt}/file.mkv`, file: facts.file, size: 1_234_567_890, duration, container: 'mkv' }],
        },
      ],
    };
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** A filter's bound; no filter lets everything through. */
function atLeast(value: string | null): number {
  const bound = value === null ? Number.NaN : Number(value);
  return Number.isFinite(bound) ? bound : -Infinity;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function movieYear(i: number): number {
  return 1950 + (i % 70);
}

function showOf(i: number): number {
  return Math.floor(i / (EPISODES_PER_SEASON * SEASONS_PER_SHOW));
}

function seasonOf(i: number): number {
  return Math.floor((i % (EPISODES_PER_SEASON * SEASONS_PER_SHOW)) / EPISODES_PER_SEASON) + 1;
}

function episodeOf(i: number): number {
  return (i % EPISODES_PER_SEASON) + 1;
}
