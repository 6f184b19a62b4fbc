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
}

/**
 * Movies 101 ("Clip", with an intro and final credits) and 102 ("Two Cuts", in two versions), and
 * "The Show" (500): season 1 (510) with 511 and 512, season 2 (520) with 521, 522 and 523, each
 * episode with an intro. The ratingKeys are those of test/support/shows.ts and the e2e tests.
 */
export function seedSampleLibrary(double: PlexDouble, mediaPath: string, durationMs: number): SampleLibrary {
  const at = (fraction: number) => Math.round(durationMs * fraction);
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  double.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  double.addItem({
    ratingKey: '101',
    type: 'movie',
    title: 'Clip',
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
  double.addShow({ ratingKey: '500', title: 'The Show', sectionKey: '2' });
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
  return { movie: '101', twoVersions: '102', show: '500', episodes };
}
