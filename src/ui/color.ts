/** Colours only on a terminal and never with NO_COLOR. */
export function palette(enabled: boolean) {
  const c = (code: number) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { green: c(32), yellow: c(33), red: c(31), cyan: c(36), magenta: c(35), dim: c(2), bold: c(1) };
}
export type Palette = ReturnType<typeof palette>;

export const useColor = (stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean =>
  !env.NO_COLOR && !!(stream as NodeJS.WriteStream).isTTY && env.TERM !== 'dumb';
