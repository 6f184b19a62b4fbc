// The plex.tv double's public face, for end-to-end tests.
export {
  startPlexTvDouble,
  type AccountInput,
  type ConnectionInput,
  type HomeUserInput,
  type PinRef,
  type PinSnapshot,
  type PinState,
  type PlanOptions,
  type PlexTvDouble,
  type PlexTvDoubleOptions,
  type RecordedRequest,
  type ResourceInput,
} from './server.js';
