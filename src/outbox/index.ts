// The durable outbox: every sync is queued here before it is sent, and removed on a 2xx.
export type { OutboxStore } from './store.js';
export { OutboxError } from './store.js';
export type { EntryPatch, OutboxEntry, PositionEntry, PutResult, UnwatchEntry, WatchEntry } from './entry.js';
export { OutboxEntrySchema, freshEntryBase, positionEntryId, sameVersion, unwatchEntryId, watchEntryId } from './entry.js';
export type { OutboxDocument } from './document.js';
export { MemoryOutboxStore } from './memory-store.js';
export type { Options as MemoryOutboxStoreOptions } from './memory-store.js';
export { FileOutboxStore } from './file-store.js';
export type { Options as FileOutboxStoreOptions } from './file-store.js';
export type { OutboxDamage } from './damaged-files.js';
export { findDamagedOutboxFiles } from './damaged-files.js';
export { readOutboxText } from './salvage.js';
export { readOutboxFiles } from './read-files.js';
export type { OutboxFiles } from './read-files.js';
