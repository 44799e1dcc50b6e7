// Timing of renderValue on 100k simple values (a script, not a test): npx tsx test/template/bench-render.ts
import { evalCondition } from '../../src/expr/index.js';
import { lazyScope, renderValue } from '../../src/template/index.js';

const scope = lazyScope([{ name: 'node1', n: 5, list: [1, 2, 3], greeting: 'hi {{ name }}', net: '10.0.0.0/24' }, { n: 6 }]);
function time(label: string, make: (i: number) => unknown, fn: (v: unknown) => unknown, N = 100_000): void {
  const values = Array.from({ length: N }, (_, i) => make(i));
  for (let i = 0; i < 1000; i++) fn(values[i]); // warm up
  const t0 = performance.now();
  for (const v of values) fn(v);
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  (${((ms * 1000) / N).toFixed(2)} µs each)`);
}

const render = (v: unknown): unknown => renderValue(v, scope);
time('plain strings (no {{, fast path)', (i) => `value ${i}`, render);
time('"{{ n }}" (single expression, typed)', () => '{{ n }}', render);
time('"host-{{ name }}" (text)', () => 'host-{{ name }}', render);
time('"{{ greeting }}" (lazy nested var)', () => '{{ greeting }}', render);
time('100k distinct "v{{ n }}-<i>" (compile each)', (i) => `v{{ n }}-${i}`, render);
time('"{{nthhost net 5}}" (helper, handlebars)', () => '{{nthhost net 5}}', render);
time('2k distinct "{{nthhost net <i>}}" (compile each)', (i) => `{{nthhost net ${i % 250}}} ${i}`, render, 2000);
time("condition \"n > 3 and 'a' in ['a']\"", () => "n > 3 and 'a' in ['a']", (t) => evalCondition(t as string, scope));
