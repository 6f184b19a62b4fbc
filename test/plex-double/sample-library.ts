// The library `npm run double` serves: what the end-to-end tests play, so that each README
// example works against it by hand. Every item plays the one media file; the times of markers
// follow its length, since the double serves that file whatever the item says it is.
import type { PlexDouble } from './server.js';

/** What a person can try, for the line the double prints at start. */
export interface SampleLibrary {
  readonly movie: string;
  readonly twoVersions: string;
  readonly show: string;
  /** The show's episodes in order, season after season. */
  readonly episodes: readonly string[];
  /** Shows and a movie in several states, for search and Continue Watching (seedWatchStates). */
  readonly states: WatchStates;
}

/** What seedWatchStates adds: Continue Watching lists inProgressEpisode, inProgressMovie, then halfWatchedNext. */
export interface WatchStates {
  /** "Long Night" (1979), a movie watched to 30 %. */
  readonly inProgressMovie: string;
  /** "Harbour Lights" (2022): S01E01 watched, S01E02 in progress at 40 %, S01E03 not started. */
  readonly inProgressShow: string;
  readonly inProgressEpisode: string;
  /** "Night Shift" (2018): S01E01 and S01E02 watched, S01E03 and season 2 not. */
  readonly halfWatchedShow: string;
  /** Its next episode: S01E03. */
  readonly halfWatchedNext: string;
}

/**
 * Adds to sections added before (a movie one, a show one) a movie in progress and two shows in
 * other states than an untouched one: "Harbour Lights" (700) with an episode in progress, and
 * "Night Shift" (600) half watched. Every item plays `mediaPath`, `durationMs` long.
 */
export function seedWatchStates(double: PlexDouble, mediaPath: string, durationMs: number, sections: { readonly movies: string; readonly shows: string }): WatchStates {
  const at = (fraction: number) => Math.round(durationMs * fraction);
  const now = Math.floor(Date.now() / 1000);
  const hoursAgo = (hours: number) => now - hours * 3600;
  double.addItem({
    ratingKey: '103',
    type: 'movie',
    title: 'Long Night',
    year: 1979,
    sectionKey: sections.movies,
    durationMs,
    partId: 1030,
    file: '/data/movies/Long Night (1979).mkv',
    mediaPath,
    viewOffset: at(0.3),
    lastViewedAt: hoursAgo(2),
  });
  const shows: ReadonlyArray<{ key: string; title: string; year: number; seasons: ReadonlyArray<readonly [string, number, number]> }> = [
    { key: '600', title: 'Night Shift', year: 2018, seasons: [['610', 1, 3], ['620', 2, 2]] },
    { key: '700', title: 'Harbour Lights', year: 2022, seasons: [['710', 1, 3]] },
  ];
  /** Each episode's state that is not "not started". */
  const seen: Readonly<Record<string, { viewCount?: number; viewOffset?: number; lastViewedAt: number }>> = {
    '611': { viewCount: 1, lastViewedAt: hoursAgo(72) },
    '612': { viewCount: 1, lastViewedAt: hoursAgo(48) },
    '711': { viewCount: 1, lastViewedAt: hoursAgo(24) },
    '712': { viewOffset: at(0.4), lastViewedAt: hoursAgo(1) },
  };
  for (const show of shows) {
    double.addShow({ ratingKey: show.key, title: show.title, year: show.year, sectionKey: sections.shows });
    for (const [seasonKey, season, count] of show.seasons) {
      double.addSeason({ ratingKey: seasonKey, showRatingKey: show.key, index: season });
      for (let index = 1; index <= count; index += 1) {
        const ratingKey = String(Number(seasonKey) + index);
        double.addItem({
          ratingKey,
          type: 'episode',
          title: `Chapter ${index}`,
          parentRatingKey: seasonKey,
          index,
          sectionKey: sections.shows,
          durationMs,
          partId: Number(ratingKey) * 10,
          file: `/data/tv/${show.title}/Season 0${season}/${show.title} - s0${season}e0${index}.mkv`,
          mediaPath,
          ...seen[ratingKey],
        });
      }
    }
  }
  return { inProgressMovie: '103', inProgressShow: '700', inProgressEpisode: '712', halfWatchedShow: '600', halfWatchedNext: '613' };
}

/**
 * Movies 101 ("Clip", with an intro and final credits) and 102 ("Two Cuts", in two versions), and
 * "The Show" (500, not started): season 1 (510) with 511 and 512, season 2 (520) with 521, 522 and
 * 523, each episode with an intro; then what seedWatchStates adds (103, 600, 700). The ratingKeys
 * are those of test/support/shows.ts and the e2e tests.
 */
export function seedSampleLibrary(double: PlexDouble, mediaPath: string, durationMs: number): SampleLibrary {
  const at = (fraction: number) => Math.round(durationMs * fraction);
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  double.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  double.addItem({
    ratingKey: '101',
    type: 'movie',
    title: 'Clip',
    year: 2019,
    sectionKey: '1',
    durationMs,
    partId: 1010,
    file: '/data/movies/Clip.mkv',
    mediaPath,
    markers: [
      { type: 'intro', startTimeOffset: at(0.05), endTimeOffset: at(0.2) },
      { type: 'credits', startTimeOffset: at(0.9), endTimeOffset: durationMs, final: true },
    ],
  });
  double.addItem({
    ratingKey: '102',
    type: 'movie',
    title: 'Two Cuts',
    sectionKey: '1',
    durationMs,
    partId: 1020,
    file: '/data/movies/Two Cuts (1080p).mkv',
    mediaPath,
    media: { videoResolution: '1080', videoCodec: 'h264', audioCodec: 'aac', width: 1920, height: 1080 },
    versions: [{ partId: 1021, file: '/data/movies/Two Cuts (720p).mkv', mediaPath, videoResolution: '720', videoCodec: 'hevc', audioCodec: 'aac', width: 1280, height: 720 }],
  });
  double.addShow({ ratingKey: '500', title: 'The Show', year: 2020, sectionKey: '2' });
  const seasons: ReadonlyArray<readonly [string, number, readonly string[]]> = [
    ['510', 1, ['511', '512']],
    ['520', 2, ['521', '522', '523']],
  ];
  const episodes: string[] = [];
  for (const [seasonKey, season, keys] of seasons) {
    double.addSeason({ ratingKey: seasonKey, showRatingKey: '500', index: season });
    keys.forEach((ratingKey, index) => {
      double.addItem({
        ratingKey,
        type: 'episode',
        title: `Episode ${index + 1}`,
        parentRatingKey: seasonKey,
        index: index + 1,
        sectionKey: '2',
        durationMs,
        partId: Number(ratingKey) * 10,
        file: `/data/tv/The Show/Season 0${season}/The Show - s0${season}e0${index + 1}.mkv`,
        mediaPath,
        markers: [{ type: 'intro', startTimeOffset: at(0.05), endTimeOffset: at(0.2) }],
      });
      episodes.push(ratingKey);
    });
  }
  const states = seedWatchStates(double, mediaPath, durationMs, { movies: '1', shows: '2' });
  return { movie: '101', twoVersions: '102', show: '500', episodes, states };
}
