// 物业 (company staff) views: the work-order board with its SLA clocks moving live (the
// workOrderUpdates subscription), billing runs, arrears and reminders (催缴), payments and
// receipts, inspections due. Every view is about the community in scope (the token's, else
// one picked).
import { E, ask } from '../api.js'
import { figure, h, mount, section } from '../dom.js'
import { errorBox } from '../errors.js'
import { count, date, dateTime, label, today, yuan, wanYuan } from '../format.js'
import { liveTable } from '../live.js'
import { communityFrame as frame } from '../scope.js'
import { table } from '../table.js'
import { act, fetchFile, more, orderClock, startClocks, timeline } from './work.js'

const SECTION = 'company'

const PAGE = 'pageInfo { hasNextPage endCursor totalCount }'

// ---- 工单看板（实时）-------------------------------------------------------------------

const ORDER_FIELDS = `id category urgency status description place { areaName } reporter reportedAt
  dispatchDeadline dispatchedAt team assignee responseDeadline respondedAt responseNote resolvedAt resolutionNote
  rating ratingComment ratedAt cancelledAt cancelReason dispatchBreached responseBreached overdue reopenCount`
const ORDERS = `query($c: ID!) { workOrders(communityId: $c, first: 100) { ${E('ValidationError', 'NotFound')}
  ... on WorkOrderConnection { edges { node { ${ORDER_FIELDS} } } } } }`
const ORDER_UPDATES = `subscription($c: ID!) { workOrderUpdates(communityId: $c) { ${ORDER_FIELDS} } }`

/** The deadline now running: dispatch until dispatched, then response until responded. */
function runningDeadline(order) {
  if (order.status === 'REPORTED') return order.dispatchDeadline
  if (order.status === 'DISPATCHED') return order.responseDeadline
  return null
}

function isOverdue(order, now = Date.now()) {
  const deadline = runningDeadline(order)
  return order.overdue || (deadline !== null && Date.parse(deadline) < now)
}

/** Overdue first, then the open ones by their nearest deadline, then the closed, newest first. */
function boardOrder(a, b) {
  const rank = (o) => (isOverdue(o) ? 0 : runningDeadline(o) ? 1 : ['RESPONDED'].includes(o.status) ? 2 : 3)
  const ra = rank(a)
  const rb = rank(b)
  if (ra !== rb) return ra - rb
  if (ra <= 1) return Date.parse(runningDeadline(a)) - Date.parse(runningDeadline(b))
  return Date.parse(b.reportedAt) - Date.parse(a.reportedAt)
}

const STEPS = {
  REPORTED: { mutation: 'dispatchWorkOrder', input: 'DispatchWorkOrderInput', button: '派单', fields: [['team', '班组'], ['assignee', '维修人员']] },
  DISPATCHED: { mutation: 'respondToWorkOrder', input: 'WorkOrderNoteInput', button: '已响应', fields: [['note', '响应说明']] },
  RESPONDED: { mutation: 'resolveWorkOrder', input: 'WorkOrderNoteInput', button: '已解决', fields: [['note', '处理结果']] },
}

/** One order's timeline and its next step (派单 / 响应 / 解决), in the panel under the board. */
function orderPanel(holder, order) {
  holder.dataset.order = order.id
  const step = STEPS[order.status]
  const problem = h('div')
  let form = null
  if (step) {
    const inputs = step.fields.map(([name, title]) => h('label', {}, `${title} `,
      h('input', { name, maxlength: 200, required: true })))
    form = h('form', { class: 'inline order-step' }, inputs, h('button', { type: 'submit', class: 'primary' }, step.button), problem)
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      mount(problem)
      const values = Object.fromEntries(step.fields.map(([name]) => [name, form.elements[name].value.trim()]))
      try {
        const done = await act(step.mutation, step.input, { workOrderId: order.id, ...values, reason: step.button },
          'WorkOrderPayload', `workOrder { ${ORDER_FIELDS} }`)
        if (done.workOrder) orderPanel(holder, done.workOrder)
      } catch (error) {
        mount(problem, errorBox(error))
      }
    })
  }
  mount(holder, section(`工单：${order.description}`, timeline(order), form))
}

async function boardView(main, ctx) {
  const scope = await frame(main, ctx, '工单看板（实时）')
  if (!scope) return
  const page = await ask('workOrders', ORDERS, { c: scope.community }, 'WorkOrderConnection')
  const orders = page.edges.map((e) => e.node)
  // The figures follow the board: each pushed order, and each second for what falls overdue
  const known = new Map(orders.map((o) => [o.id, o]))
  const figures = h('div', { class: 'figures', dataset: { testid: 'board-figures' } })
  const tally = () => {
    const open = [...known.values()].filter((o) => runningDeadline(o) !== null)
    mount(figures, figure('待处理', count(open.length), '待派单与待响应'),
      figure('已超时', count(open.filter((o) => isOverdue(o)).length), '时限按类别与紧急程度（一般 24 小时）'))
  }
  tally()
  const timer = setInterval(tally, 1000)
  ctx.onLeave(() => clearInterval(timer))
  const panel = h('div', { id: 'order-panel' })
  main.append(figures)
  main.append(section('工单（超时在前，时限实时倒计时）', liveTable(ctx, {
    testid: 'work-order-board',
    exportAs: { kind: 'WORK_ORDERS', arguments: { communityId: scope.community } },
    initial: orders,
    subscription: ORDER_UPDATES,
    variables: { c: scope.community },
    pick: (data) => {
      const order = data.workOrderUpdates
      known.set(order.id, order)
      tally()
      if (panel.dataset.order === order.id && !panel.contains(document.activeElement)) orderPanel(panel, order)
      return order
    },
    onRow: (row) => orderPanel(panel, row),
    sort: boardOrder,
    columns: [
      { title: 'SLA 时限', value: (r) => orderClock(r) },
      { title: '状态', value: (r) => h('span', { class: 'status' }, label(`WO_${r.status}`)) },
      { title: '类别', value: (r) => label(`WO_${r.category}`) },
      { title: '紧急程度', value: (r) => label(`WO_${r.urgency}`) },
      { title: '地点', value: (r) => r.place?.areaName || '—' },
      { title: '内容', value: (r) => h('span', { class: 'description' }, r.description) },
      { title: '报修人', value: (r) => r.reporter },
      { title: '报修时间', value: (r) => dateTime(r.reportedAt) },
      { title: '班组/人员', value: (r) => (r.team ? `${r.team}${r.assignee ? ` · ${r.assignee}` : ''}` : '—') },
    ],
    empty: '暂无工单',
  })), panel)
  ctx.onLeave(startClocks(main))
}

// ---- 计费 -------------------------------------------------------------------------------

const RUN = 'run { runId period units billsCreated billsTotal amountFen unitsAlreadyCovered nothingNew creditsAppliedFen }'
const BILLS = `query($c: ID!, $p: String!, $first: Int!, $after: String) {
  feeBills(communityId: $c, period: $p, first: $first, after: $after) { ${E('ValidationError', 'NotFound', 'Forbidden')}
    ... on BillConnection { bills { id unitLabel amountFen paidFen outstandingFen dueOn } ${PAGE} } } }`

function lastMonth() {
  const [y, m] = today().split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

async function billingView(main, ctx) {
  const scope = await frame(main, ctx, '计费')
  if (!scope) return
  const period = h('input', { name: 'period', value: lastMonth(), pattern: '\\d{4}-\\d{2}', maxlength: 7, required: true })
  const reason = h('input', { name: 'reason', value: '月度计费', maxlength: 500, required: true })
  const report = h('div', { dataset: { testid: 'billing-run' } })
  const bills = h('div')
  const showBills = (p) => mount(bills, table({
    testid: 'period-bills', caption: `${p} 的账单`,
    exportAs: { kind: 'FEE_BILLS', arguments: { communityId: scope.community, period: p } },
    load: async (first, after) => {
      const found = await ask('feeBills', BILLS, { c: scope.community, p, first, after }, 'BillConnection')
      return { rows: found.bills, pageInfo: found.pageInfo }
    },
    columns: [
      { title: '房号', value: (r) => r.unitLabel },
      { title: '应收', value: (r) => yuan(r.amountFen), numeric: true },
      { title: '已收', value: (r) => yuan(r.paidFen), numeric: true },
      { title: '未收', value: (r) => yuan(r.outstandingFen), numeric: true },
      { title: '缴费期限', value: (r) => date(r.dueOn) },
    ],
  }))
  const form = h('form', { class: 'inline' }, h('label', {}, '账期 ', period), h('label', {}, '原因 ', reason),
    h('button', { type: 'submit', class: 'primary' }, '开始计费'))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    mount(report, h('p', { class: 'loading' }, '计费中…'))
    try {
      const { run } = await act('runBilling', 'RunBillingInput',
        { communityId: scope.community, period: period.value.trim(), reason: reason.value.trim() }, 'BillingRunPayload', RUN)
      if (!run) return mount(report, h('p', { class: 'outcome' }, '计费已记录，稍后刷新查看'))
      // Units covered: all when the period was billed before, else the earlier calls' and this one's
      const done = run.nothingNew ? run.units : run.unitsAlreadyCovered + run.billsCreated
      mount(report, h('div', { class: 'figures' },
        figure('进度', `${count(Math.min(done, run.units))}/${count(run.units)} 户`, run.nothingNew ? '此前已全部出账，本次无新增' : '本次计费完成'),
        h('progress', { max: run.units || 1, value: Math.min(done, run.units) }),
        figure('本次新出账单', count(run.billsCreated)),
        figure('本期账单合计', count(run.billsTotal)),
        figure('本期应收', yuan(run.amountFen), wanYuan(run.amountFen)),
        figure('预交抵扣', yuan(run.creditsAppliedFen))))
      showBills(run.period)
    } catch (error) {
      mount(report, errorBox(error))
    }
  })
  period.addEventListener('change', () => showBills(period.value.trim()))
  main.append(section('运行计费（同一账期重复运行不会重复出账，中断后可续跑）', form, report), section('账期账单', bills))
  showBills(period.value)
}

// ---- 欠费催缴 ---------------------------------------------------------------------------

const ARREARS = `query($c: ID!, $first: Int!, $after: String) {
  arrears(communityId: $c, first: $first, after: $after, orderBy: AMOUNT) { ${E('ValidationError', 'NotFound', 'Forbidden')}
    ... on ArrearsConnection { totalOutstandingFen rows { unitId unitLabel outstandingFen openBills oldestDueOn ageDays } ${PAGE} } } }`
const REMINDER = 'unitId label owed bills oldestDueOn issuedAt read'
const REMINDERS = `query($c: ID!, $r: String!) { arrearsReminders(communityId: $c, round: $r) {
  ${E('ValidationError', 'NotFound', 'Forbidden')} ... on ArrearsReminders { reminders { ${REMINDER} } } } }`

function remindersTable(community, round, reminders) {
  return table({
    testid: 'reminders', rows: reminders,
    exportAs: { kind: 'ARREARS_REMINDERS', arguments: { communityId: community, round } },
    columns: [
      { title: '房号', value: (r) => r.label },
      { title: '欠费', value: (r) => yuan(r.owed), numeric: true },
      { title: '账单数', value: (r) => count(r.bills), numeric: true },
      { title: '最早到期', value: (r) => date(r.oldestDueOn) },
      { title: '发出时间', value: (r) => dateTime(r.issuedAt) },
      { title: '业主已读', value: (r) => (r.read ? '已读' : '未读') },
    ],
    empty: '本轮没有催缴通知',
  })
}

async function arrearsView(main, ctx) {
  const scope = await frame(main, ctx, '欠费与催缴')
  if (!scope) return
  const total = h('div', { class: 'figures' })
  const arrears = table({
    testid: 'arrears', exportAs: { kind: 'ARREARS', arguments: { communityId: scope.community } },
    load: async (first, after) => {
      const found = await ask('arrears', ARREARS, { c: scope.community, first, after }, 'ArrearsConnection')
      mount(total, figure('欠费合计', yuan(found.totalOutstandingFen), wanYuan(found.totalOutstandingFen)))
      return { rows: found.rows, pageInfo: found.pageInfo }
    },
    columns: [
      { title: '房号', value: (r) => r.unitLabel },
      { title: '欠费', value: (r) => yuan(r.outstandingFen), numeric: true },
      { title: '未缴账单', value: (r) => count(r.openBills), numeric: true },
      { title: '最早到期', value: (r) => date(r.oldestDueOn) },
      { title: '逾期天数', value: (r) => count(r.ageDays), numeric: true },
    ],
    empty: '没有欠费',
  })
  const round = h('input', { name: 'round', value: today().slice(0, 7), maxlength: 50, required: true })
  const outcome = h('div')
  const form = h('form', { class: 'inline remind' }, h('label', {}, '催缴轮次 ', round),
    h('button', { type: 'submit', class: 'primary' }, '发出催缴通知'),
    h('button', { type: 'button', onclick: () => showRound() }, '查看该轮'))
  const showRound = async () => {
    try {
      const list = await ask('arrearsReminders', REMINDERS, { c: scope.community, r: round.value.trim() }, 'ArrearsReminders')
      mount(outcome, remindersTable(scope.community, round.value.trim(), list.reminders))
    } catch (error) {
      mount(outcome, errorBox(error))
    }
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      const done = await act('issueArrearsReminders', 'IssueArrearsRemindersInput',
        { communityId: scope.community, round: round.value.trim(), reason: '欠费催缴' }, 'ArrearsRoundPayload',
        `issued reminders { ${REMINDER} }`)
      if (!done.reminders) return showRound()
      mount(outcome, h('p', { class: 'outcome' }, `本次发出 ${count(done.issued)} 份催缴通知（本轮共 ${count(done.reminders.length)} 份）`),
        remindersTable(scope.community, round.value.trim(), done.reminders))
    } catch (error) {
      mount(outcome, errorBox(error))
    }
  })
  main.append(total, section('欠费户（欠费多的在前）', arrears),
    section('催缴（通知送达业主的“我的通知”，同一轮不重复发送）', form, outcome))
}

// ---- 收款与收据 -------------------------------------------------------------------------

const LEDGER = `query($c: ID!, $first: Int!, $after: String) {
  feeLedger(communityId: $c, first: $first, after: $after) { ${E('ValidationError', 'NotFound', 'Forbidden')}
    ... on FeeLedgerConnection { entries { accountId seq unitLabel kind amountFen on paymentId channel transactionId recordedAt actor reason } ${PAGE} } } }`
const RECEIPT = `query($p: ID!) { paymentReceipt(paymentId: $p) { ${E('ValidationError', 'NotFound', 'Forbidden')}
  ... on Receipt { paymentId receiptNumber companyName unitLabel payer channel transactionId amountFen receivedOn
    items { __typename } prints { copy reprint printedAt actor } } } }`

async function showReceipt(holder, paymentId) {
  mount(holder, h('p', { class: 'loading' }, '正在加载收据…'))
  try {
    const r = await ask('paymentReceipt', RECEIPT, { p: paymentId }, 'Receipt')
    const problem = h('div')
    const print = h('button', { type: 'button', class: 'primary print' }, r.prints.length ? '补打收据（PDF）' : '打印收据（PDF）')
    print.addEventListener('click', async () => {
      mount(problem)
      try {
        const done = await act('printReceipt', 'PrintReceiptInput', { paymentId, reason: '交款人索取收据' },
          'ReceiptPrintPayload', 'download { url fileName }')
        if (done.download) await fetchFile(done.download.url, done.download.fileName)
        showReceipt(holder, paymentId)
      } catch (error) {
        mount(problem, errorBox(error))
      }
    })
    mount(holder, section(`收据 ${r.receiptNumber || '（无编号）'}`, h('dl', { class: 'facts receipt' },
      h('dt', {}, '收据编号'), h('dd', { class: 'receipt-number' }, r.receiptNumber || '—'),
      h('dt', {}, '收款单位'), h('dd', {}, r.companyName),
      h('dt', {}, '房号'), h('dd', {}, r.unitLabel),
      h('dt', {}, '交款人'), h('dd', {}, r.payer),
      h('dt', {}, '金额'), h('dd', {}, yuan(r.amountFen)),
      h('dt', {}, '渠道'), h('dd', {}, more(r.channel)),
      h('dt', {}, '收款日'), h('dd', {}, date(r.receivedOn)),
      h('dt', {}, '打印'), h('dd', {}, r.prints.length ? r.prints.map((p) => `第 ${p.copy} 份${p.reprint ? '（补打）' : ''} ${dateTime(p.printedAt)} ${p.actor}`).join('；') : '尚未打印')),
    h('p', {}, print), problem))
  } catch (error) {
    mount(holder, errorBox(error))
  }
}

async function paymentsView(main, ctx) {
  const scope = await frame(main, ctx, '收款与收据')
  if (!scope) return
  const receipt = h('div', { id: 'receipt' })
  main.append(section('物业费台账（点收款行查看收据）', table({
    testid: 'payments', exportAs: { kind: 'FEE_LEDGER', arguments: { communityId: scope.community } },
    load: async (first, after) => {
      const found = await ask('feeLedger', LEDGER, { c: scope.community, first, after }, 'FeeLedgerConnection')
      return { rows: found.entries, pageInfo: found.pageInfo }
    },
    columns: [
      { title: '日期', value: (r) => date(r.on) },
      { title: '房号', value: (r) => r.unitLabel },
      { title: '类型', value: (r) => label(`FEE_${r.kind}`) },
      { title: '金额', value: (r) => yuan(r.amountFen), numeric: true },
      { title: '渠道', value: (r) => (r.channel ? more(r.channel) : '—') },
      { title: '经办', value: (r) => r.actor },
      { title: '原因', value: (r) => r.reason },
    ],
    onRow: (row) => (row.paymentId ? showReceipt(receipt, row.paymentId)
      : mount(receipt, h('p', { class: 'hint' }, '这一行不是收款，没有收据。'))),
    empty: '暂无台账记录',
  })), receipt)
}

// ---- 巡检到期 ---------------------------------------------------------------------------

const DUE = `query($c: ID!, $first: Int!, $after: String) {
  inspectionsDue(communityId: $c, withinDays: 30, first: $first, after: $after) { ${E('ValidationError', 'NotFound', 'Forbidden')}
    ... on InspectionDueConnection { edges { node { facilityId facilityName facilityType kind dueOn lastInspectedOn overdue overdueDays } } ${PAGE} } } }`

async function inspectionsView(main, ctx) {
  const scope = await frame(main, ctx, '巡检到期')
  if (!scope) return
  main.append(section('30 天内到期与已逾期的巡检（逾期在前）', table({
    testid: 'inspections-due', exportAs: { kind: 'INSPECTIONS_DUE', arguments: { communityId: scope.community } },
    load: async (first, after) => {
      const found = await ask('inspectionsDue', DUE, { c: scope.community, first, after }, 'InspectionDueConnection')
      return { rows: found.edges.map((e) => e.node), pageInfo: found.pageInfo }
    },
    columns: [
      { title: '设施', value: (r) => r.facilityName },
      { title: '类型', value: (r) => more(r.facilityType) },
      { title: '巡检类别', value: (r) => more(`INSPECT_${r.kind}`) },
      { title: '到期日', value: (r) => date(r.dueOn) },
      { title: '上次巡检', value: (r) => date(r.lastInspectedOn) },
      { title: '状态', value: (r) => (r.overdue ? h('span', { class: 'tag bad' }, `逾期 ${r.overdueDays} 天`) : h('span', { class: 'tag' }, '待巡检')) },
    ],
    empty: '30 天内没有到期的巡检',
  })))
}

export const companyViews = [
  { section: SECTION, path: '/company/board', title: '工单看板', render: boardView },
  { section: SECTION, path: '/company/billing', title: '计费', render: billingView },
  { section: SECTION, path: '/company/arrears', title: '欠费催缴', render: arrearsView },
  { section: SECTION, path: '/company/payments', title: '收款与收据', render: paymentsView },
  { section: SECTION, path: '/company/inspections', title: '巡检到期', render: inspectionsView },
]
