// Built into the package's data folder (gongzhi/console/static), served by the platform at
// /console: `make console` (part of `make install`). Nothing is loaded from another host.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/console/',
  // `npm run dev`: the sources with reloading, the API of `make run` behind the same origin.
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:8000', ws: true }, '/exports': 'http://127.0.0.1:8000' },
  },
  build: {
    outDir: fileURLToPath(new URL('../gongzhi/console/static', import.meta.url)),
    emptyOutDir: true,
    // ECharts is the bulk of the bundle: charts.js is imported dynamically by the views that
    // draw, so it is a chunk of its own that the other views never load.
    chunkSizeWarningLimit: 800,
  },
})
