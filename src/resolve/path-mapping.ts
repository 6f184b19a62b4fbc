// A local file as the Plex server names it: the person's path mappings (config `pathMappings`)
// turn a mount on this machine into the server's own folder, so the part index can find it; and
// back, so that the resume hints can name a file as mpv on this machine will open it.

type PathMapping = { readonly plex: string; readonly local: string };

/** Maps a local path to the path Plex knows, using the first matching prefix mapping. */
export function toPlexPath(localPath: string, mappings: readonly PathMapping[]): string {
  return remapped(localPath, mappings, 'local', 'plex');
}

/** Maps a path Plex knows to the file on this machine, using the first matching prefix mapping. */
export function toLocalPath(plexPath: string, mappings: readonly PathMapping[]): string {
  return remapped(plexPath, mappings, 'plex', 'local');
}

function remapped(path: string, mappings: readonly PathMapping[], from: keyof PathMapping, to: keyof PathMapping): string {
  for (const mapping of mappings) {
    const prefix = mapping[from].replace(/\/+$/, '');
    if (path === prefix || path.startsWith(`${prefix}/`)) return mapping[to].replace(/\/+$/, '') + path.slice(prefix.length);
  }
  return path;
}
