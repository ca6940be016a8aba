// ECharts, tree-shaken to what the console draws (pie, bar, line on a canvas), loaded only by
// the views that draw (a separate chunk: the other views never fetch it).
import { BarChart, LineChart, PieChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer])

const COLOURS = ['#b4232c', '#1d4f91', '#d98e04', '#1f7a4d', '#6b4c9a', '#61707d', '#c2185b', '#00838f']

/**
 * Draw `option` into a new element; returns { element, dispose }. The element carries
 * data-chart (its name) and, once drawn, data-drawn="true" (the browser test waits on it).
 */
export function chart(name, option, { height = 320 } = {}) {
  const element = document.createElement('div')
  element.className = 'chart'
  element.style.height = `${height}px`
  element.dataset.chart = name
  let instance = null
  const draw = () => {
    if (instance || !element.isConnected) return
    instance = echarts.init(element, null, { renderer: 'canvas' })
    instance.on('finished', () => {
      element.dataset.drawn = 'true'
      performance.mark(`gongzhi:chart-drawn:${name}`)
    })
    instance.setOption({ color: COLOURS, animation: false, textStyle: { fontFamily: 'inherit' }, ...option })
  }
  // Drawn once in the page (ECharts measures its container).
  const observer = new MutationObserver(() => {
    if (element.isConnected) {
      observer.disconnect()
      draw()
    }
  })
  observer.observe(document.body, { childList: true, subtree: true })
  queueMicrotask(draw)
  const resize = () => instance?.resize()
  window.addEventListener('resize', resize)
  return {
    element,
    dispose: () => {
      observer.disconnect()
      window.removeEventListener('resize', resize)
      instance?.dispose()
    },
  }
}

export function pie(title, items) {
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'item', formatter: '{b}：{c}（{d}%）' },
    legend: { bottom: 0 },
    series: [{ type: 'pie', radius: ['35%', '65%'], data: items, label: { formatter: '{b}\n{c}' } }],
  }
}

export function bars(title, categories, values, { name = '', horizontal = false } = {}) {
  const category = { type: 'category', data: categories }
  const value = { type: 'value', minInterval: 1 }
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 24, top: 48, bottom: 40, containLabel: true },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? category : value,
    series: [{ type: 'bar', name, data: values, barMaxWidth: 56, label: { show: true, position: horizontal ? 'right' : 'top' } }],
  }
}

export function lines(title, categories, series) {
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 48, right: 24, top: 48, bottom: 48, containLabel: true },
    xAxis: { type: 'category', data: categories },
    yAxis: { type: 'value', min: 0, max: 100 },
    series: series.map((s) => ({ type: 'line', connectNulls: true, symbolSize: 8, label: { show: true }, ...s })),
  }
}
