import { defineConfig } from 'vitest/config';

// Lab and netboot tests share namespaces, ports and the bridge: run files one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 1_800_000,
  },
});
