/**
 * The dashboard's build: `vite build --config dashboard/vite.config.ts` writes the app to
 * dashboard/dist, which `npm run dashboard` serves (scripts/dashboard.ts) next to its
 * proxies of the chain and the sequencer.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/",
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // ethers is most of the bundle; one chunk is fine for a page of four tables.
    chunkSizeWarningLimit: 1024,
  },
});
