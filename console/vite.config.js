// Built into the package's data folder (gongzhi/console/static), served by the platform at
// /console: `make console` (part of `make install`). Nothing is loaded from another host.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  base: '/console/',
  build: {
    outDir: fileURLToPath(new URL('../gongzhi/console/static', import.meta.url)),
    emptyOutDir: true,
    // ECharts is the bulk of the bundle: its own chunk, cached apart from the app's code.
    rollupOptions: { output: { manualChunks: { echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'] } } },
    chunkSizeWarningLimit: 800,
  },
})
