/**
 * `npm run bench`: every benchmark in turn. Prints figures, never asserts timings. A bench
 * that cannot run here says why and is skipped; the exit code is 1 only if a bench crashed.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Log = (line: string) => void;
type Bench = (log: Log) => Promise<void>;

interface Entry {
  name: string;
  /** Loaded lazily, so a bench whose file is missing or broken does not stop the others. */
  load: () => Promise<Bench>;
}

const BENCHES: Entry[] = [
  { name: 'check', load: async () => (await import('./check.js')).benchCheck },
  { name: 'ansible', load: async () => (await import('./ansible.js')).benchAnsible },
  { name: 'netboot', load: async () => (await import('./netboot.js' as string)).benchNetboot as Bench },
];

const benchFile = (name: string): string => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));

async function main(only: string[]): Promise<number> {
  const log: Log = (line) => console.log(line);
  let crashed = 0;
  for (const b of BENCHES) {
    if (only.length && !only.includes(b.name)) continue;
    log(`== ${b.name}`);
    if (!existsSync(benchFile(b.name))) {
      log(`${b.name}: skipped: test/bench/${b.name}.ts is not there yet`);
      continue;
    }
    let bench: Bench;
    try {
      bench = await b.load();
      if (typeof bench !== 'function') throw new Error(`test/bench/${b.name}.ts does not export the bench function`);
    } catch (e) {
      crashed++;
      log(`${b.name}: CRASHED while loading: ${(e as Error).message}`);
      continue;
    }
    const t0 = performance.now();
    try {
      await bench(log);
      log(`${b.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      crashed++;
      log(`${b.name}: CRASHED after ${((performance.now() - t0) / 1000).toFixed(1)} s: ${(e as Error).stack ?? e}`);
    }
  }
  return crashed ? 1 : 0;
}

// `npm run bench -- ansible` runs only the named benches.
process.exitCode = await main(process.argv.slice(2));
