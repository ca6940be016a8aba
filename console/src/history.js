// 变更记录: who changed a thing, when and why — history(id) of its aggregate, every event
// with its actor, role and reason as recorded. Used wherever an entry links to its history.
import { E, ask } from './api.js'
import { h, mount } from './dom.js'
import { errorBox } from './errors.js'
import { dateTime, label } from './format.js'
import { ROLE_LABELS } from './session.js'

const HISTORY = `query($id: ID!, $after: String) {
  history(id: $id, first: 100, after: $after) {
    ${E('NotFound', 'Forbidden', 'ValidationError')}
    ... on HistoryConnection { entries { position version eventType occurredAt actor actorRole reason data }
      pageInfo { hasNextPage endCursor } }
  }
}`

/** Every event of an aggregate, oldest first (pages of 100, at most `limit` pages). */
export async function historyOf(id, { limit = 20 } = {}) {
  const entries = []
  let after = null
  for (let page = 0; page < limit; page += 1) {
    const result = await ask('history', HISTORY, { id, after }, 'HistoryConnection')
    entries.push(...result.entries)
    if (!result.pageInfo.hasNextPage) break
    after = result.pageInfo.endCursor
  }
  return entries
}

/** An event's name in Chinese where known (its code otherwise). */
export function eventLabel(type) {
  const known = label(`EVENT_${type}`)
  return known.startsWith('EVENT_') ? type : known
}

/** The fields of an event's data, as a short line (ids and nested objects left out). */
function summary(data) {
  if (!data || typeof data !== 'object') return ''
  return Object.entries(data)
    .filter(([key, value]) => value !== null && typeof value !== 'object' && !key.endsWith('_id'))
    .slice(0, 6)
    .map(([key, value]) => `${key}: ${value}`)
    .join('；')
}

/** A card with one event (the entry's own, by version) or all of them, with who and why. */
export function changeCard(event) {
  return h('div', { class: 'card detail change', dataset: { version: event.version } },
    h('dl', { class: 'facts' },
      h('dt', {}, '操作'), h('dd', { class: 'event-type' }, eventLabel(event.eventType)),
      h('dt', {}, '操作人'), h('dd', { class: 'actor' }, `${event.actor}（${ROLE_LABELS[event.actorRole] || event.actorRole}）`),
      h('dt', {}, '时间'), h('dd', { class: 'occurred' }, dateTime(event.occurredAt)),
      h('dt', {}, '原因'), h('dd', { class: 'reason' }, event.reason || '—'),
      h('dt', {}, '记录内容'), h('dd', { class: 'data' }, summary(event.data) || '—'),
      h('dt', {}, '日志位置'), h('dd', {}, event.position)))
}

/**
 * Render into `container` the history of `id`: the event of `version` first (the entry
 * clicked), then the whole history as a table.
 */
export async function showHistory(container, id, { version = null, title = '变更记录' } = {}) {
  mount(container, h('p', { class: 'loading' }, '正在加载变更记录…'))
  try {
    const events = await historyOf(id)
    const own = version === null ? null : events.find((e) => e.version === version)
    mount(container,
      h('h2', {}, title),
      own ? changeCard(own) : null,
      h('details', { open: own === null },
        h('summary', {}, `全部 ${events.length} 次变更`),
        h('table', { class: 'data' },
          h('thead', {}, h('tr', {}, ['序号', '操作', '操作人', '时间', '原因'].map((t) => h('th', {}, t)))),
          h('tbody', {}, events.map((e) => h('tr', { class: e.version === version ? 'selected' : '' },
            h('td', {}, e.version), h('td', {}, eventLabel(e.eventType)),
            h('td', {}, `${e.actor}（${ROLE_LABELS[e.actorRole] || e.actorRole}）`),
            h('td', {}, dateTime(e.occurredAt)), h('td', {}, e.reason)))))))
  } catch (error) {
    mount(container, h('h2', {}, title), errorBox(error))
  }
}
