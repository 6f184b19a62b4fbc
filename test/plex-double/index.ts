// The Plex double's public face, for end-to-end tests and the demo.
export { startPlexDouble, type PlexDouble, type PlexDoubleOptions, type PlexUserInput, type RecordedRequest, type TransientToken, type UserOption } from './server.js';
export type { ConcurrencyFault, DelayFault, DropFault, FaultRule, RedirectFault, StatusFault, TimeoutFault } from './faults.js';
export {
  MAIN_USER,
  OTHER_DEVICE_CLIENT,
  type DirectorySnapshot,
  type ItemInput,
  type MediaFacts,
  type SeasonInput,
  type ShowInput,
  type VersionInput,
  type ItemSnapshot,
  type ItemType,
  type PlaybackState,
  type SectionInput,
  type SectionType,
  type SessionSnapshot,
  type StreamInput,
  type StreamSelection,
  type WatchRecord,
} from './library.js';
export { GeneratedLibrary, type GeneratedItemFacts, type GeneratedLibraryOptions } from './generated-library.js';
