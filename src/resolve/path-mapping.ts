// A local file as the Plex server names it: the person's path mappings (config `pathMappings`)
// turn a mount on this machine into the server's own folder, so the part index can find it.

/** Maps a local path to the path Plex knows, using the first matching prefix mapping. */
export function toPlexPath(localPath: string, mappings: readonly { plex: string; local: string }[]): string {
  for (const mapping of mappings) {
    const local = mapping.local.replace(/\/+$/, '');
    if (localPath === local || localPath.startsWith(`${local}/`)) return mapping.plex.replace(/\/+$/, '') + localPath.slice(local.length);
  }
  return localPath;
}
