// A table that follows a subscription: the rows of a query first, then each row the server
// pushes (graphql-transport-ws) replaces its older self, or joins at the top, without a
// reload. The block says whether it is live (data-live: connecting, listening, closed).
import { subscribe } from './api.js'
import { h, mount } from './dom.js'
import { errorBox } from './errors.js'
import { table } from './table.js'

/**
 * initial: the rows now; subscription/variables/pick(data) → the pushed row; key(row);
 * sort(a, b) for the order; the rest as table() takes it (columns, onRow, testid …).
 */
export function liveTable(ctx, { initial, subscription, variables, pick, key = (r) => r.id, sort = null, ...options }) {
  const rows = new Map(initial.map((r) => [key(r), r]))
  const state = h('span', { class: 'live-state' }, '正在连接实时更新…')
  const problem = h('div')
  const holder = h('div')
  const block = h('div', { class: 'live', dataset: { live: 'connecting' } }, state, problem, holder)
  const show = (changed = null) => {
    const list = [...rows.values()]
    if (sort) list.sort(sort)
    mount(holder, table({ ...options, rows: list, rowKey: key }))
    if (changed !== null) {
      for (const tr of holder.querySelectorAll('tbody tr')) {
        if (tr.dataset.key === changed) tr.classList.add('updated')
      }
    }
  }
  show()
  const stop = subscribe(subscription, variables, {
    onListening: () => {
      block.dataset.live = 'listening'
      state.textContent = '● 实时更新中'
    },
    onNext: (data) => {
      const row = pick(data)
      rows.set(key(row), row)
      show(key(row))
    },
    onError: (error) => mount(problem, errorBox(error)),
    onClosed: () => {
      block.dataset.live = 'closed'
      state.textContent = '实时更新已断开（刷新页面重新连接）'
    },
  })
  ctx.onLeave(stop)
  return block
}
