import { palette, useColor } from './color.js';
import { jsonRenderer } from './json.js';
import { liveRenderer } from './live.js';
import { plainRenderer, type Renderer } from './plain.js';

export type { Renderer } from './plain.js';

/** Pick the renderer: --json on stdout; live view on a terminal; plain lines otherwise or under CI. */
export function chooseRenderer(o: {
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  verbosity: number;
  diff: boolean;
}): Renderer {
  if (o.json) return jsonRenderer(o.stdout);
  const color = useColor(o.stderr, o.env);
  const opts = { out: o.stderr, palette: palette(color), verbosity: o.verbosity, diff: o.diff };
  const tty = (o.stderr as NodeJS.WriteStream).isTTY && !o.env.CI && o.verbosity === 0;
  return tty ? liveRenderer(opts) : plainRenderer(opts);
}
