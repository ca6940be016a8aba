// Tables: a page of rows at a time by the API's cursors (keyset: `first`/`after`, with
// pageInfo { hasNextPage endCursor totalCount }), a count, and 导出 buttons that ask the API
// for an export link (exportLink) and download the file with the same token.
import { E, ask, ApiError } from './api.js'
import { h, mount, saveBlob } from './dom.js'
import { errorBox } from './errors.js'
import { count } from './format.js'
import { token } from './session.js'

/**
 * columns: [{ title, value: (row) => text | Node, numeric? }]
 * rows: a fixed list, or load: async (first, after) => ({ rows, pageInfo })
 * exportAs: { kind, arguments } for the 导出 buttons; onRow(row): the row is clickable.
 */
export function table({ columns, rows = null, load = null, pageSize = 20, exportAs = null,
  onRow = null, empty = '暂无数据', caption = null, testid = null, rowKey = null }) {
  const body = h('tbody')
  const status = h('span', { class: 'table-count' })
  const previous = h('button', { type: 'button', disabled: true }, '上一页')
  const next = h('button', { type: 'button', disabled: true }, '下一页')
  const problem = h('div')
  const cursors = [null] // the `after` of each page seen: keyset paging backwards by memory
  let page = 0

  const head = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.numeric ? 'num' : '' }, c.title))))
  const element = h('div', { class: 'table-block', dataset: testid ? { testid } : {} },
    h('div', { class: 'table-tools' }, caption ? h('span', { class: 'table-caption' }, caption) : null,
      status, exportAs ? exportButtons(exportAs, problem) : null),
    problem,
    h('div', { class: 'table-scroll' }, h('table', { class: 'data' }, head, body)),
    load ? h('div', { class: 'pager' }, previous, next) : null)

  function show(list) {
    mount(body, list.length === 0
      ? h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty))
      : list.map((row) => {
        const tr = h('tr', { ...(onRow ? { class: 'clickable', tabindex: 0 } : {}),
          dataset: rowKey ? { key: rowKey(row) } : {} },
          columns.map((c) => h('td', { class: c.numeric ? 'num' : '' }, c.value(row) ?? '—')))
        if (onRow) {
          tr.addEventListener('click', () => onRow(row, tr))
          tr.addEventListener('keydown', (event) => event.key === 'Enter' && onRow(row, tr))
        }
        return tr
      }))
  }

  async function go(index) {
    mount(problem)
    mount(body, h('tr', {}, h('td', { colspan: columns.length, class: 'loading' }, '正在加载…')))
    try {
      const result = await load(pageSize, cursors[index])
      page = index
      cursors[index + 1] = result.pageInfo.endCursor
      show(result.rows)
      const total = result.pageInfo.totalCount
      const pages = Math.max(1, Math.ceil(total / pageSize))
      status.textContent = `共 ${count(total)} 条 · 第 ${page + 1}/${pages} 页`
      previous.disabled = page === 0
      next.disabled = !result.pageInfo.hasNextPage
    } catch (error) {
      mount(body)
      mount(problem, errorBox(error))
    }
  }

  if (load) {
    previous.addEventListener('click', () => go(page - 1))
    next.addEventListener('click', () => go(page + 1))
    go(0)
  } else {
    show(rows || [])
    status.textContent = `共 ${count((rows || []).length)} 条`
  }
  element.reload = () => (load ? go(page) : null)
  return element
}

const EXPORT = `query($kind: ExportKind!, $format: ExportFormat!, $arguments: ExportArguments!) {
  exportLink(kind: $kind, format: $format, arguments: $arguments) {
    ${E('ValidationError', 'NotFound', 'Forbidden')} ... on ExportLink { url fileName rows }
  }
}`

function exportButtons({ kind, arguments: args }, problem) {
  const button = (format, text) => h('button', {
    type: 'button', class: 'export', dataset: { format },
    onclick: () => download(kind, format, args, problem),
  }, text)
  return h('span', { class: 'exports' }, button('XLSX', '导出 Excel'), button('CSV', '导出 CSV'))
}

/** Ask for the link, fetch the file with the bearer token, hand it to the browser. */
export async function download(kind, format, args, problem) {
  mount(problem)
  try {
    const link = await ask('exportLink', EXPORT, { kind, format, arguments: args }, 'ExportLink')
    const response = await fetch(link.url, { headers: { Authorization: `Bearer ${token()}` } })
    if (!response.ok) throw new ApiError('Transport', `HTTP ${response.status}`)
    saveBlob(await response.blob(), link.fileName)
  } catch (error) {
    mount(problem, errorBox(error))
  }
}
