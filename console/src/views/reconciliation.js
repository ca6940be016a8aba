// 对账 (company staff): a channel's statement of one day uploaded and set against the
// payments booked; the result per kind (一致, 渠道有平台无, 平台有渠道无, 金额不符, 手续费) and its
// items; a difference resolved through the ordinary commands (补账, 冲正, 补记退款, 说明) with a
// reason; the reconciliations of earlier days.
import { E, ask, expect } from '../api.js'
import { figure, h, mount, section } from '../dom.js'
import { communityInfo } from '../estate.js'
import { errorBox } from '../errors.js'
import { count, date, dateTime, label, today, yuan } from '../format.js'
import { base64Of, clearProblem, fileFormat, onFileSubmit, showProblem } from '../forms.js'
import { href, navigate, params } from '../router.js'
import { communityFrame as frame } from '../scope.js'
import { table } from '../table.js'
import { act, more } from './work.js'

const SECTION = 'company'
const PAGE = 'pageInfo { hasNextPage endCursor totalCount }'
const LOOKUP = E('ValidationError', 'NotFound', 'Forbidden')
// The channels whose statements the platform reads (the adapter names the columns).
const CHANNELS = ['WECHAT', 'ALIPAY', 'UNIONPAY', 'BANK_TRANSFER', 'SANDBOX']
// What may resolve an item (the platform's rule, domain/reconciliation.py's FITTING): a
// payment's, and a refund's.
const ACTIONS = {
  MISSING_IN_PLATFORM: ['BOOK_PAYMENT', 'NOTE'],
  MISSING_IN_STATEMENT: ['REVERSE_PAYMENT', 'NOTE'],
  AMOUNT_DIFFERS: ['BOOK_PAYMENT', 'REVERSE_PAYMENT', 'NOTE'],
}
const REFUND_ACTIONS = { MISSING_IN_PLATFORM: ['BOOK_REFUND', 'NOTE'], MISSING_IN_STATEMENT: ['NOTE'], AMOUNT_DIFFERS: ['NOTE'] }

const SUMMARY = `id channel day fileFormat skippedRows grossFen feeFen netFen refundFen itemCount matched
  missingInPlatform missingInStatement amountDiffers openItems recordedAt`
const ITEM = `seq kind row transactionId orderNo statementFen bookedFen feeFen paidAt paymentId unitId
  resolution reference resolvedAt refund refundOf`
const ONE = `query($id: ID!, $first: Int!, $after: String) { reconciliation(id: $id) { ${LOOKUP}
  ... on Reconciliation { ${SUMMARY} totals { kind refund items openItems statementFen bookedFen feeFen }
    items(first: $first, after: $after) { __typename ... on ValidationError { field message }
      ... on ReconciliationItemConnection { edges { node { ${ITEM} } } ${PAGE} } } } } }`
const LIST = `query($c: ID!, $first: Int!, $after: String) { reconciliations(communityId: $c, first: $first, after: $after) { ${LOOKUP}
  ... on ReconciliationConnection { edges { node { ${SUMMARY} } } ${PAGE} } } }`

function itemStatus(item) {
  if (item.kind === 'MATCHED') return h('span', { class: 'tag good' }, '一致')
  if (item.resolution) return h('span', { class: 'tag good resolved' }, label(`RECON_${item.resolution}`))
  return h('span', { class: 'tag bad open' }, '待处理')
}

async function reconciliationView(main, ctx) {
  const scope = await frame(main, ctx, '对账')
  if (!scope) return
  const community = scope.community
  const info = await communityInfo(community)
  const chosen = params().get('reconciliation')
  const show = (id) => navigate(href(ctx.path, { ...Object.fromEntries(params()), reconciliation: id }))
  const result = h('div', { id: 'reconciliation', dataset: { testid: 'reconciliation' } })
  const past = table({
    testid: 'reconciliations', pageSize: 10,
    load: async (first, after) => {
      const found = await ask('reconciliations', LIST, { c: community, first, after }, 'ReconciliationConnection')
      return { rows: found.edges.map((e) => e.node), pageInfo: found.pageInfo }
    },
    columns: [
      { title: '日期', value: (r) => date(r.day) },
      { title: '渠道', value: (r) => more(r.channel) },
      { title: '笔数', value: (r) => count(r.itemCount), numeric: true },
      { title: '一致', value: (r) => count(r.matched), numeric: true },
      { title: '差异', value: (r) => count(r.missingInPlatform + r.missingInStatement + r.amountDiffers), numeric: true },
      { title: '待处理', value: (r) => (r.openItems ? h('span', { class: 'tag bad' }, count(r.openItems)) : '0'), numeric: true },
      { title: '应结', value: (r) => yuan(r.grossFen), numeric: true },
      { title: '手续费', value: (r) => yuan(r.feeFen), numeric: true },
      { title: '导入时间', value: (r) => dateTime(r.recordedAt) },
    ],
    onRow: (r) => show(r.id),
    empty: '还没有对账记录',
  })
  main.append(section('导入对账单（渠道的日对账单或银行流水，CSV / Excel）', uploadForm(community, show)), result,
    section('对账记录（最近的日期在前；点一行查看）', past))
  // A difference resolved changes the day's open count in the list too
  if (chosen) showReconciliation(result, chosen, community, info, () => past.reload())
}

function uploadForm(community, show) {
  const channel = h('select', { name: 'channel' }, CHANNELS.map((c) => h('option', { value: c }, more(c))))
  const day = h('input', { type: 'date', name: 'day', value: today(), max: today(), required: true })
  const file = h('input', { type: 'file', name: 'content', accept: '.csv,.xlsx', required: true })
  const reason = h('input', { name: 'reason', value: '每日对账', maxlength: 500, required: true })
  const problem = h('div')
  const form = h('form', { class: 'inline import-statement' }, h('label', {}, '渠道 ', channel), h('label', {}, '日期 ', day),
    h('label', {}, '对账单 ', file), h('label', {}, '原因 ', reason), h('button', { type: 'submit', class: 'primary' }, '导入并对账'), problem)
  onFileSubmit(form, {
    file, problem, busy: problem, waiting: '对账中…',
    send: async (chosen) => {
      const done = await act('importPaymentStatement', 'ImportPaymentStatementInput', {
        communityId: community, channel: channel.value, day: day.value, format: fileFormat(chosen),
        content: await base64Of(chosen), reason: reason.value.trim(),
      }, 'ReconciliationPayload', 'reconciliation { id }')
      show(done.reconciliation ? done.reconciliation.id : done.recorded)
    },
  })
  return form
}

async function showReconciliation(holder, id, community, info, changed) {
  mount(holder, h('p', { class: 'loading' }, '正在加载对账结果…'))
  const figures = h('div', { class: 'figures', dataset: { testid: 'reconciliation-figures' } })
  const totals = h('div')
  const panel = h('div', { id: 'item-panel' })
  const heading = h('h2', {}, '对账结果')
  const items = table({
    testid: 'reconciliation-items', pageSize: 20, rowKey: (i) => String(i.seq),
    load: async (first, after) => {
      const r = await ask('reconciliation', ONE, { id, first, after }, 'Reconciliation')
      mount(heading, `对账结果：${more(r.channel)} ${date(r.day)}（${r.fileFormat}，${dateTime(r.recordedAt)} 导入）`)
      mount(figures,
        figure('对账笔数', count(r.itemCount), r.skippedRows ? `另有 ${count(r.skippedRows)} 行非收付款（如已关闭订单）` : null),
        figure('一致', count(r.matched)),
        figure('渠道有、平台无', count(r.missingInPlatform), '长款：补账'),
        figure('平台有、渠道无', count(r.missingInStatement), '短款：冲正或说明'),
        figure('金额不符', count(r.amountDiffers)),
        figure('待处理', count(r.openItems)),
        figure('应结金额', yuan(r.grossFen)),
        figure('手续费', yuan(r.feeFen)),
        figure('净额', yuan(r.netFen), r.refundFen ? `退款 ${yuan(r.refundFen)}` : null))
      mount(totals, table({
        testid: 'reconciliation-totals', rows: r.totals,
        columns: [
          { title: '类别', value: (t) => `${label(`RECON_${t.kind}`)}${t.refund ? '（退款）' : ''}` },
          { title: '笔数', value: (t) => count(t.items), numeric: true },
          { title: '待处理', value: (t) => count(t.openItems), numeric: true },
          { title: '对账单金额', value: (t) => yuan(t.statementFen), numeric: true },
          { title: '平台入账', value: (t) => yuan(t.bookedFen), numeric: true },
          { title: '手续费', value: (t) => yuan(t.feeFen), numeric: true },
        ],
      }))
      const page = expect(r.items, 'ReconciliationItemConnection')
      return { rows: page.edges.map((e) => e.node), pageInfo: page.pageInfo }
    },
    columns: [
      { title: '序号', value: (i) => count(i.seq), numeric: true },
      { title: '类别', value: (i) => `${label(`RECON_${i.kind}`)}${i.refund ? '（退款）' : ''}` },
      { title: '交易号', value: (i) => i.transactionId },
      { title: '商户订单号', value: (i) => i.orderNo || '—' },
      { title: '房号', value: (i) => (i.unitId ? info.unitLabel(i.unitId) : '—') },
      { title: '对账单金额', value: (i) => yuan(i.statementFen), numeric: true },
      { title: '平台入账', value: (i) => yuan(i.bookedFen), numeric: true },
      { title: '手续费', value: (i) => yuan(i.feeFen), numeric: true },
      { title: '支付时间', value: (i) => dateTime(i.paidAt) },
      { title: '处理', value: (i) => itemStatus(i) },
    ],
    onRow: (item) => itemPanel(panel, { community, id, item, info, done: () => { items.reload(); changed() } }),
    empty: '对账单与平台都没有这一天的收付款',
  })
  mount(holder, h('section', { class: 'card' }, heading, figures, totals, items, panel))
}

/** One item: what it is, and (a difference not resolved yet) the form that resolves it. */
function itemPanel(holder, { community, id, item, info, done }) {
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, '类别'), h('dd', {}, `${label(`RECON_${item.kind}`)}${item.refund ? `（退款，原交易 ${item.refundOf}）` : ''}`),
    h('dt', {}, '交易号'), h('dd', { class: 'mono' }, item.transactionId),
    h('dt', {}, '对账单'), h('dd', {}, item.row ? `第 ${item.row} 行，${yuan(item.statementFen)}` : '不在对账单上'),
    h('dt', {}, '平台入账'), h('dd', {}, item.bookedFen === null ? '未入账' : yuan(item.bookedFen)),
    h('dt', {}, '处理'), h('dd', { class: 'item-resolution' }, item.resolution
      ? `${label(`RECON_${item.resolution}`)} ${dateTime(item.resolvedAt)}${item.reference ? `（${item.reference}）` : ''}` : item.kind === 'MATCHED' ? '一致，无需处理' : '待处理'))
  if (item.kind === 'MATCHED' || item.resolution) {
    return mount(holder, section(`对账明细 #${item.seq}`, facts))
  }
  const actions = (item.refund ? REFUND_ACTIONS : ACTIONS)[item.kind]
  const action = h('select', { name: 'action' }, actions.map((a) => h('option', { value: a }, label(`RESOLVE_${a}`))))
  // 补账 of a payment whose order number names no order of ours: the staff say the unit
  const unit = h('select', { name: 'unitId' }, h('option', { value: '' }, '请选择交款的房屋'), unitsOf(info).map(([unitId, text]) => h('option', { value: unitId }, text)))
  const reason = h('input', { name: 'reason', maxlength: 500, required: true, placeholder: '如：渠道回调丢失，按对账单补记' })
  const problem = h('div')
  const form = h('form', { class: 'inline resolve-item' }, h('label', {}, '处理方式 ', action), h('label', { class: 'unit-choice', hidden: true }, '房号 ', unit),
    h('label', {}, '原因 ', reason), h('button', { type: 'submit', class: 'primary' }, '处理'), problem)
  const needsUnit = () => action.value === 'BOOK_PAYMENT' && !item.unitId
  const toggle = () => { form.querySelector('.unit-choice').hidden = !needsUnit() }
  action.addEventListener('change', toggle)
  toggle()
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearProblem(form, problem)
    try {
      const unitId = needsUnit() ? unit.value || null : null
      const answer = await act('resolveReconciliationItem', 'ResolveReconciliationItemInput', {
        communityId: community, reconciliationId: id, item: item.seq, action: action.value,
        ...(unitId ? { unitId } : {}), reason: reason.value.trim(),
      }, 'ReconciliationPayload', 'reconciliation { id openItems }')
      mount(holder, section(`对账明细 #${item.seq}`, h('p', { class: 'outcome' }, answer.recorded ? '处理已记录，稍后刷新查看' : `已处理：${label(`RESOLVE_${action.value}`)}`)))
      done()
    } catch (error) {
      showProblem(form, problem, error)
    }
  })
  mount(holder, section(`处理对账差异 #${item.seq}`, facts, form))
  reason.focus()
}

/** [unit id, 楼栋-单元-房号] of every unit of the community, in the register's order. */
function unitsOf(info) {
  return info.buildings.flatMap((b) => b.entrances.flatMap((e) => e.units.map((u) => [u.id, info.unitLabel(u.id)])))
}

export const reconciliationViews = [
  { section: SECTION, path: '/company/reconciliation', title: '对账', render: reconciliationView },
]
