// A line the person sees on the OSD, printed on the terminal too, for headless and audio-only
// users, but once: with no video shown, mpv prints OSD text on the terminal itself (term-osd=auto,
// or force), and a second copy from the script would repeat it.

/** True when mpv puts OSD text on the terminal by itself now. */
export function osdOnTerminal(): boolean {
  const mode = mp.get_property('term-osd');
  if (mode === 'force') return true;
  if (mode === 'no') return false;
  // auto: the terminal gets the OSD while no video is shown.
  return mp.get_property_native('vo-configured') !== true;
}

/** Prints an OSD line on the terminal (as the script's own info line) unless mpv does already. */
export function printOsdLine(text: string): void {
  if (!osdOnTerminal()) mp.msg.info(text);
}
