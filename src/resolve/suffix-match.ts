// The rule for a local file whose path no mapping turns into Plex's: the same file name in the
// same folder, and as many folders up as both paths share. A person who mounts the server's
// /data/Movies at /mnt/nas/Movies, without a pathMappings entry, still gets
// "Movies/Alien (1979)/Alien.mkv" in common, and that names one Plex file. A wrong item is worse
// than none (its watch would be counted on someone else's episode), so the match needs the file
// name and its folder at least, and the longest match must belong to one item alone:
// "Season 01/S01E01.mkv" is in every show, and is no match.

/** Folder and file name: the least a suffix match holds. */
export const MIN_SUFFIX_COMPONENTS = 2;

/** The last component of a path, split at either separator (a Windows server's paths use `\`). */
export function fileNameOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? path : path.slice(cut + 1);
}

/**
 * The last `count` components of a path joined by `/` (either separator, runs as one), the key
 * under which the part table files a path; null when the path has fewer.
 */
export function trailingKey(path: string, count: number): string | null {
  // Most paths are plain (`/` only, no runs inside the key, none at the end): their key is a
  // slice, which V8 keeps as a view of the path instead of a copy (two keys a part).
  if (path.length === 0 || path.charCodeAt(path.length - 1) === 47) return slowTrailingKey(path, count);
  let found = 0;
  let afterSeparator = false;
  for (let i = path.length - 1; i >= 0; i -= 1) {
    const code = path.charCodeAt(i);
    if (code === 92) return slowTrailingKey(path, count);
    if (code !== 47) {
      afterSeparator = false;
      continue;
    }
    if (afterSeparator) return slowTrailingKey(path, count);
    found += 1;
    if (found === count) return path.slice(i + 1);
    afterSeparator = true;
  }
  // The start: a relative path's first component has no separator before it.
  return path.charCodeAt(0) !== 47 && found + 1 === count ? path : null;
}

function slowTrailingKey(path: string, count: number): string | null {
  const parts: string[] = [];
  let end = path.length;
  for (let i = path.length - 1; i >= -1 && parts.length < count; i -= 1) {
    if (i >= 0 && !isSeparator(path.charCodeAt(i))) continue;
    if (end > i + 1) parts.push(path.slice(i + 1, end));
    end = i;
  }
  return parts.length < count ? null : parts.reverse().join('/');
}

function isSeparator(code: number): boolean {
  return code === 47 /* / */ || code === 92 /* \ */;
}

/**
 * How many whole path components `a` and `b` share at their ends, compared from the end without
 * splitting (a name shared by thousands of files is compared thousands of times per lookup).
 * `/` and `\` are the same separator; runs of separators count as one.
 */
export function commonTrailingComponents(a: string, b: string): number {
  let i = a.length - 1;
  let j = b.length - 1;
  // A trailing separator is no component.
  while (i >= 0 && isSeparator(a.charCodeAt(i))) i -= 1;
  while (j >= 0 && isSeparator(b.charCodeAt(j))) j -= 1;
  if (i < 0 || j < 0) return 0;
  let shared = 0;
  for (;;) {
    // Walk one component back in both, as long as they agree.
    while (i >= 0 && j >= 0 && !isSeparator(a.charCodeAt(i)) && a.charCodeAt(i) === b.charCodeAt(j)) {
      i -= 1;
      j -= 1;
    }
    const aEnded = i < 0 || isSeparator(a.charCodeAt(i));
    const bEnded = j < 0 || isSeparator(b.charCodeAt(j));
    if (!aEnded || !bEnded) return shared;
    shared += 1;
    while (i >= 0 && isSeparator(a.charCodeAt(i))) i -= 1;
    while (j >= 0 && isSeparator(b.charCodeAt(j))) j -= 1;
    // A path that ended is a root, an empty component which counts for nothing.
    if (i < 0 || j < 0) return shared;
  }
}

/**
 * The one candidate whose path shares the most trailing components with `path`, at least
 * MIN_SUFFIX_COMPONENTS; null when none does, or when a candidate of another owner (item) shares
 * as many. Candidates are read through `fileOf` and `ownerOf`, so that a popular name's thousands
 * of candidates cost no object each.
 */
export function uniqueSuffixMatch<T>(path: string, candidates: Iterable<T>, fileOf: (candidate: T) => string | null, ownerOf: (candidate: T) => string): T | null {
  let best: T | null = null;
  let bestOwner = '';
  let bestShared = MIN_SUFFIX_COMPONENTS - 1;
  let tied = false;
  for (const candidate of candidates) {
    const file = fileOf(candidate);
    if (file === null) continue;
    const shared = commonTrailingComponents(path, file);
    if (shared < bestShared) continue;
    const owner = ownerOf(candidate);
    if (shared > bestShared) {
      best = candidate;
      bestOwner = owner;
      bestShared = shared;
      tied = false;
    } else if (best !== null && owner !== bestOwner) {
      tied = true;
    }
  }
  return tied ? null : best;
}
