// 业主/住户 (resident, H5: laid out for a 375 px phone) views: my units, bills and paying them
// online (the order's status live), my repairs and their timeline, reporting a repair, the
// votes open to me and my ballot, notices (mark read), points. The units are the platform's
// answer (`viewer`: those the person owns or lives in today), else the token's.
import { E, ask, expect, gql, subscribe } from '../api.js'
import { figure, h, mount, section } from '../dom.js'
import { communityInfo } from '../estate.js'
import { errorBox } from '../errors.js'
import { count, date, dateTime, label, yuan } from '../format.js'
import { liveTable } from '../live.js'
import { href, navigate, params } from '../router.js'
import { table } from '../table.js'
import { act, more, orderClock, startClocks, timeline } from './work.js'
import qrcode from 'qrcode-generator'
import './resident.css'

const SECTION = 'resident'

/** The resident's scope: community, units (labelled), the unit in view, the person. */
async function frame(main, ctx, title) {
  const viewer = await ctx.viewer
  const community = viewer?.communityId || ctx.who.communityId
  const units = viewer ? viewer.unitIds : ctx.who.unitIds
  const personId = viewer?.personId || ctx.who.personId
  main.classList.add('h5')
  if (!community || units.length === 0) {
    mount(main, h('h1', {}, title), errorBox({ kind: 'Forbidden', message: '这个令牌今天没有名下或居住的房屋' }))
    return null
  }
  const info = await communityInfo(community)
  const chosen = params().get('unit')
  const unit = units.includes(chosen) ? chosen : units[0]
  const picker = units.length > 1
    ? h('select', { class: 'unit-picker', onchange: (e) => navigate(href(ctx.path, { unit: e.target.value })) },
      units.map((u) => h('option', { value: u, selected: u === unit }, info.unitLabel(u))))
    : h('span', { class: 'unit-label' }, info.unitLabel(unit))
  mount(main, h('h1', {}, title), h('p', { class: 'scope-line' }, `${info.name} · `, picker))
  return { community, units, unit, personId, info }
}

// ---- 我的房屋 ---------------------------------------------------------------------------

const SUMMARY = `query($u: ID!) {
  feeStatement(unitId: $u) { ${E('ValidationError', 'NotFound', 'Forbidden')} ... on FeeStatement { balanceFen outstandingFen lateFeeFen creditFen } }
  pointsAccount(unitId: $u, first: 1) { ${E('ValidationError', 'NotFound', 'Forbidden')} ... on PointsAccount { balance } } }`

async function homeView(main, ctx) {
  const scope = await frame(main, ctx, '我的房屋')
  if (!scope) return
  for (const unit of scope.units) {
    const card = h('div', { class: 'card unit-card', dataset: { unit } }, h('h2', {}, scope.info.unitLabel(unit)), h('p', { class: 'loading' }, '正在加载…'))
    main.append(card)
    unitSummary(card, unit, scope)
  }
}

async function unitSummary(card, unit, scope) {
  try {
    const data = await gql(SUMMARY, { u: unit })
    const statement = expect(data.feeStatement, 'FeeStatement')
    const points = data.pointsAccount.__typename === 'PointsAccount' ? data.pointsAccount.balance : 0
    mount(card, h('h2', {}, scope.info.unitLabel(unit)), h('div', { class: 'figures' },
      figure(statement.balanceFen > 0 ? '应缴' : '余额', yuan(Math.abs(statement.balanceFen)), statement.lateFeeFen ? `含滞纳金 ${yuan(statement.lateFeeFen)}` : null),
      figure('积分', count(points))),
    h('p', { class: 'links' },
      h('a', { href: href('/resident/bills', { unit }) }, '账单缴费'), ' · ',
      h('a', { href: href('/resident/repairs', { unit }) }, '报修'), ' · ',
      h('a', { href: href('/resident/points', { unit }) }, '积分明细')))
  } catch (error) {
    mount(card, h('h2', {}, scope.info.unitLabel(unit)), errorBox(error))
  }
}

// ---- 账单缴费 ---------------------------------------------------------------------------

const STATEMENT = `query($u: ID!) { feeStatement(unitId: $u) { ${E('ValidationError', 'NotFound', 'Forbidden')}
  ... on FeeStatement { balanceFen outstandingFen lateFeeFen creditFen
    bills { id period dueOn amountFen paidFen outstandingFen lateFeeFen supplementary } } } }`
const ORDER_FIELDS = 'id channel outTradeNo amountFen status createdAt expiresAt paidAt closedAt transactionId payUrl'
const ORDERS = `query($u: ID!) { onlinePaymentOrders(unitId: $u) { ${E('ValidationError', 'NotFound', 'Forbidden')}
  ... on OnlinePaymentOrderList { orders { ${ORDER_FIELDS} } } } }`
const ORDER_UPDATES = `subscription($id: ID!) { onlinePaymentOrderUpdates(id: $id) { ${ORDER_FIELDS} } }`

const orderStatus = (status) => more(`ORDER_${status}`)
const ORDER = `query($id: ID!) { onlinePaymentOrder(id: $id) {
  ${E('ValidationError', 'NotFound', 'Forbidden')} ... on OnlinePaymentOrder { ${ORDER_FIELDS} } } }`
const readOrder = (id) => ask('onlinePaymentOrder', ORDER, { id }, 'OnlinePaymentOrder')

/**
 * createPaymentOrder / placePaymentOrder: the order placed at the channel (统一下单), or, when
 * the channel could not take it, { unplaced } (the order is recorded; place it again later).
 */
async function placeOrder(field, inputType, input) {
  const data = await gql(`mutation($input: ${inputType}!) { ${field}(input: $input) {
    ${E('ValidationError', 'NotFound', 'Forbidden', 'Conflict', 'RateLimited', 'Unavailable')}
    ... on ChannelUnavailable { orderId code message }
    ... on OnlinePaymentOrderPayload { order { ${ORDER_FIELDS} } } ... on Recorded { id } } }`, { input })
  const result = data[field]
  if (result.__typename === 'ChannelUnavailable') return { order: await readOrder(result.orderId), unplaced: result }
  const done = expect(result, 'OnlinePaymentOrderPayload', 'Recorded')
  return { order: done.order || (await readOrder(done.id)) }
}

/** Back to this page from the sandbox's cashier, the order in view (a path of the console). */
function returnHere(order) {
  const here = new URL(window.location.href)
  here.searchParams.set('order', order.id)
  return `${here.pathname}${here.search}`
}

/** How to pay an order waiting for its money: the sandbox's cashier, or the channel's QR code. */
function howToPay(order, replace) {
  if (order.status !== 'CREATED') return null
  if (!order.payUrl) {
    const again = h('button', { type: 'button', class: 'place-again' }, '重新发起支付')
    again.addEventListener('click', async () => {
      again.disabled = true
      try {
        replace(await placeOrder('placePaymentOrder', 'PlacePaymentOrderInput', { orderId: order.id, reason: '重新发起支付' }))
      } catch (error) {
        again.disabled = false
        replace({ order, problem: error })
      }
    })
    return h('div', { class: 'how-to-pay', dataset: { testid: 'how-to-pay' } },
      h('p', {}, '订单尚未提交到支付渠道。'), again)
  }
  if (order.channel === 'SANDBOX') {
    const cashier = new URL(order.payUrl, window.location.href)
    cashier.searchParams.set('return', returnHere(order))
    return h('div', { class: 'how-to-pay', dataset: { testid: 'how-to-pay' } },
      h('a', { class: 'button primary pay-link', href: cashier.href }, '前往收银台支付'))
  }
  // The channel's code (weixin://…, https://qr.alipay.com/…) drawn here: nothing fetched.
  const code = qrcode(0, 'M')
  code.addData(order.payUrl)
  code.make()
  return h('div', { class: 'how-to-pay', dataset: { testid: 'how-to-pay' } },
    h('img', { class: 'pay-qr', src: code.createDataURL(4, 2), alt: `${more(order.channel)}支付二维码` }),
    h('p', { class: 'hint' }, `请使用${more(order.channel)}扫码支付`))
}

/** The order as a card whose status follows the platform (onlinePaymentOrderUpdates). */
function liveOrder(ctx, order, onPaid, unplaced = null) {
  const status = h('strong', { class: 'order-status', dataset: { status: order.status } }, orderStatus(order.status))
  const facts = h('dl', { class: 'facts' })
  const state = h('p', { class: 'live-state' }, '正在连接实时状态…')
  const problem = h('div')
  const pay = h('div')
  const channelProblem = (why) => mount(problem, why ? h('p', { class: 'error', dataset: { testid: 'channel-unavailable' } },
    `支付渠道暂时无法下单（${why.code}）：${why.message}`) : null)
  const replace = ({ order: o, unplaced: why = null, problem: error = null }) => {
    channelProblem(why)
    if (error) mount(problem, errorBox(error))
    fill(o)
  }
  const fill = (o) => {
    status.textContent = orderStatus(o.status)
    status.dataset.status = o.status
    mount(pay, howToPay(o, replace))
    mount(facts,
      h('dt', {}, '订单号'), h('dd', { class: 'mono' }, o.outTradeNo),
      h('dt', {}, '金额'), h('dd', { class: 'amount' }, yuan(o.amountFen)),
      h('dt', {}, '渠道'), h('dd', {}, more(o.channel)),
      h('dt', {}, '创建'), h('dd', {}, dateTime(o.createdAt)),
      o.status === 'CREATED' ? [h('dt', {}, '支付期限'), h('dd', {}, dateTime(o.expiresAt))] : null,
      o.paidAt ? [h('dt', {}, '支付时间'), h('dd', {}, dateTime(o.paidAt))] : null,
      o.transactionId ? [h('dt', {}, '渠道流水'), h('dd', { class: 'mono' }, o.transactionId)] : null)
  }
  fill(order)
  channelProblem(unplaced)
  const card = h('div', { class: 'card order', dataset: { testid: 'payment-order', live: 'connecting' } },
    h('h2', {}, '在线缴费订单 ', status), facts, pay, state, problem,
    h('p', { class: 'hint' }, '请在支付渠道完成付款；渠道的支付通知到达平台后，这里的状态会自动更新。'))
  const stop = subscribe(ORDER_UPDATES, { id: order.id }, {
    onListening: () => {
      card.dataset.live = 'listening'
      state.textContent = '● 状态实时更新中'
    },
    onNext: (data) => {
      const now = data.onlinePaymentOrderUpdates
      fill(now)
      if (now.status === 'PAID') onPaid(now)
    },
    onError: (error) => mount(problem, errorBox(error)),
    onClosed: () => {
      card.dataset.live = 'closed'
      state.textContent = '实时状态已断开（刷新页面重新连接）'
    },
  })
  ctx.onLeave(stop)
  return card
}

async function billsView(main, ctx) {
  const scope = await frame(main, ctx, '账单缴费')
  if (!scope) return
  const summary = h('div')
  const pay = h('div')
  const history = h('div')
  const showStatement = async () => {
    const s = await ask('feeStatement', STATEMENT, { u: scope.unit }, 'FeeStatement')
    const open = s.bills.filter((b) => b.outstandingFen > 0 || b.lateFeeFen > 0)
    mount(summary, h('div', { class: 'figures' },
      figure(s.balanceFen > 0 ? '应缴合计' : '账户余额', yuan(Math.abs(s.balanceFen)), s.lateFeeFen ? `含滞纳金 ${yuan(s.lateFeeFen)}` : s.creditFen ? `预交 ${yuan(s.creditFen)}` : null)),
    h('div', { class: 'bill-list', dataset: { testid: 'bills' } }, s.bills.length === 0 ? h('p', { class: 'empty' }, '暂无账单')
      : s.bills.map((b) => h('div', { class: `bill ${b.outstandingFen > 0 ? 'open' : 'paid'}` },
        // a 补收单 charges what a corrected meter reading added to a billed period
        h('div', { class: 'bill-period' }, `${b.period} ${b.supplementary ? '补收单' : '账单'}`),
        h('div', { class: 'bill-amount' }, yuan(b.amountFen)),
        h('div', { class: 'bill-state' }, b.outstandingFen > 0 ? `未缴 ${yuan(b.outstandingFen)} · ${date(b.dueOn)} 前` : '已缴清'),
        b.lateFeeFen ? h('div', { class: 'bill-late' }, `滞纳金 ${yuan(b.lateFeeFen)}`) : null))))
    return { s, open }
  }
  const showOrders = async () => {
    const { orders } = await ask('onlinePaymentOrders', ORDERS, { u: scope.unit }, 'OnlinePaymentOrderList')
    mount(history, orders.length === 0 ? null : section('缴费订单', table({
      testid: 'payment-orders', rows: orders,
      columns: [
        { title: '时间', value: (o) => dateTime(o.createdAt) },
        { title: '金额', value: (o) => yuan(o.amountFen), numeric: true },
        { title: '状态', value: (o) => orderStatus(o.status) },
      ],
    })))
    return orders
  }
  const button = h('button', { type: 'button', class: 'primary pay' })
  const owing = (s) => {
    button.textContent = s.balanceFen > 0 ? `在线缴费 ${yuan(s.balanceFen)}` : '无需缴费'
    button.disabled = s.balanceFen <= 0
  }
  const refresh = async () => {
    owing((await showStatement()).s)
    await showOrders()
  }
  owing((await showStatement()).s)
  const orders = await showOrders()
  // Back from the cashier (?order=…) that order is shown, paid or not; else one still waiting.
  const returned = orders.find((o) => o.id === params().get('order'))
  const waiting = returned || orders.find((o) => o.status === 'CREATED' && Date.parse(o.expiresAt) > Date.now())
  button.addEventListener('click', async () => {
    button.disabled = true
    try {
      const { order, unplaced } = await placeOrder('createPaymentOrder', 'CreatePaymentOrderInput',
        { communityId: scope.community, unitId: scope.unit, reason: '业主在线缴费' })
      mount(pay, liveOrder(ctx, order, () => refresh(), unplaced))
      showOrders()
    } catch (error) {
      button.disabled = false
      mount(pay, errorBox(error))
    }
  })
  if (waiting) mount(pay, liveOrder(ctx, waiting, () => refresh()))
  main.append(summary, h('p', {}, button), pay, history)
}

// ---- 我的报修 ---------------------------------------------------------------------------

const WO_FIELDS = `id category urgency status description place { kind areaName } reporter reportedAt
  dispatchDeadline dispatchedAt team assignee responseDeadline respondedAt responseNote resolvedAt resolutionNote
  rating ratingComment ratedAt cancelledAt cancelReason overdue`
const MY_ORDERS = `query($c: ID!) { workOrders(communityId: $c, first: 100) { ${E('ValidationError', 'NotFound')}
  ... on WorkOrderConnection { edges { node { ${WO_FIELDS} } } } } }`
const MY_ORDER_UPDATES = `subscription($c: ID!) { workOrderUpdates(communityId: $c) { ${WO_FIELDS} } }`
const CATEGORIES = ['PLUMBING', 'ELECTRICAL', 'ELEVATOR', 'FIRE_SAFETY', 'SANITATION', 'GREENING', 'SECURITY', 'PARKING', 'STRUCTURE', 'OTHER']

function reportForm(scope) {
  const category = h('select', { name: 'category' }, CATEGORIES.map((c) => h('option', { value: c }, label(`WO_${c}`))))
  const urgency = h('select', { name: 'urgency' }, ['NORMAL', 'URGENT', 'EMERGENCY'].map((u) => h('option', { value: u }, label(`WO_${u}`))))
  const where = h('select', { name: 'where' }, h('option', { value: 'UNIT' }, `我家（${scope.info.unitLabel(scope.unit)}）`), h('option', { value: 'COMMON_AREA' }, '公共区域'))
  const area = h('input', { name: 'areaName', maxlength: 200, placeholder: '如：3栋楼道', hidden: true })
  where.addEventListener('change', () => { area.hidden = where.value !== 'COMMON_AREA' })
  const description = h('textarea', { name: 'description', maxlength: 2000, rows: 3, required: true, placeholder: '请描述问题（最多 2000 字）' })
  const outcome = h('div', { 'aria-live': 'polite' })
  const form = h('form', { class: 'report stacked' },
    h('label', {}, '类别', category), h('label', {}, '紧急程度', urgency), h('label', {}, '位置', where, area),
    h('label', {}, '问题描述', description), h('button', { type: 'submit', class: 'primary' }, '提交报修'), outcome)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    for (const marked of form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid')
    const place = where.value === 'UNIT' ? { kind: 'UNIT', unitId: scope.unit } : { kind: 'COMMON_AREA', areaName: area.value.trim() }
    try {
      await act('reportWorkOrder', 'ReportWorkOrderInput', {
        communityId: scope.community, category: category.value, urgency: urgency.value,
        description: description.value.trim(), place, reason: '业主报修',
      }, 'WorkOrderPayload', 'workOrder { id }')
      description.value = ''
      mount(outcome, h('p', { class: 'outcome' }, '已提交，处理进度见“我的报修”。'))
    } catch (error) {
      mount(outcome, errorBox(error))
      // The field the API names (input.place.areaName → areaName) is marked
      const named = form.elements[String(error.field || '').split('.').pop()]
      if (named) named.setAttribute('aria-invalid', 'true')
    }
  })
  return form
}

/** A repair's timeline; once resolved and not yet rated, 评价 1-5 stars. */
function repairPanel(holder, order) {
  holder.dataset.order = order.id
  let rate = null
  if (order.status === 'RESOLVED' && !order.rating) {
    const stars = h('select', { name: 'rating' }, [5, 4, 3, 2, 1].map((n) => h('option', { value: n }, `${n} 星`)))
    const comment = h('input', { name: 'comment', maxlength: 2000, placeholder: '说说处理得怎么样（可不填）' })
    const problem = h('div')
    rate = h('form', { class: 'rate stacked' }, h('label', {}, '评价', stars), comment,
      h('button', { type: 'submit', class: 'primary' }, '提交评价'), problem)
    rate.addEventListener('submit', async (event) => {
      event.preventDefault()
      try {
        const done = await act('rateWorkOrder', 'RateWorkOrderInput', { workOrderId: order.id, rating: Number(stars.value),
          comment: comment.value.trim() || null, reason: '业主评价' }, 'WorkOrderPayload', `workOrder { ${WO_FIELDS} }`)
        if (done.workOrder) repairPanel(holder, done.workOrder)
      } catch (error) {
        mount(problem, errorBox(error))
      }
    })
  }
  mount(holder, section(`报修经过：${order.description}`, timeline(order), rate))
}

async function repairsView(main, ctx) {
  const scope = await frame(main, ctx, '我的报修')
  if (!scope) return
  const page = await ask('workOrders', MY_ORDERS, { c: scope.community }, 'WorkOrderConnection')
  const detail = h('div', { id: 'repair-detail' })
  const form = section('报修', reportForm(scope))
  main.append(
    section('我的报修（处理进度实时更新，点一行看经过）', liveTable(ctx, {
      testid: 'my-repairs',
      initial: page.edges.map((e) => e.node),
      subscription: MY_ORDER_UPDATES,
      variables: { c: scope.community },
      pick: (data) => {
        const order = data.workOrderUpdates
        if (detail.dataset.order === order.id && !detail.contains(document.activeElement)) repairPanel(detail, order)
        return order
      },
      sort: (a, b) => Date.parse(b.reportedAt) - Date.parse(a.reportedAt),
      // Two columns, to fit a phone: what and when; where it stands and its clock
      columns: [
        { title: '报修', value: (r) => h('span', {}, h('span', { class: 'description' }, r.description),
          h('br'), h('small', { class: 'when' }, dateTime(r.reportedAt))) },
        { title: '进度', value: (r) => h('span', {}, h('span', { class: 'status' }, label(`WO_${r.status}`)),
          h('br'), orderClock(r)) },
      ],
      onRow: (row) => {
        repairPanel(detail, row)
      },
      empty: '还没有报修',
    })), detail, form)
  ctx.onLeave(startClocks(main))
}

// ---- 投票 -------------------------------------------------------------------------------

const DECISIONS = `query($c: ID!) { decisions(communityId: $c, first: 50) { ${E('ValidationError', 'NotFound')}
  ... on DecisionConnection { decisions { id title description matter options opensAt closesAt closed passed ballotsCast } } } }`

const MY_BALLOT = `query($d: ID!, $u: ID!) { myBallot(decisionId: $d, unitId: $u) {
  ${E('ValidationError', 'NotFound', 'Forbidden')} ... on MyBallot { cast choice } } }`

async function votesView(main, ctx) {
  const scope = await frame(main, ctx, '投票')
  if (!scope) return
  const { decisions } = await ask('decisions', DECISIONS, { c: scope.community }, 'DecisionConnection')
  const now = Date.now()
  const open = decisions.filter((d) => !d.closed && Date.parse(d.opensAt) <= now && now < Date.parse(d.closesAt))
  // 我的选票 as the API records it for the unit shown: it stays after a reload
  const recorded = await Promise.all(open.map((d) =>
    ask('myBallot', MY_BALLOT, { d: d.id, u: scope.unit }, 'MyBallot')))
  const list = h('div', { class: 'votes', dataset: { testid: 'open-votes' } })
  if (open.length === 0) list.append(h('p', { class: 'empty' }, '目前没有进行中的表决'))
  open.forEach((d, index) => {
    const mine = h('p', { class: 'my-ballot' }, '')
    const showMine = (choice, replaced = false) => {
      mine.textContent = `我的选票：${label(choice)}（${scope.info.unitLabel(scope.unit)}）${replaced ? '，已替换此前的选票' : ''}`
      mine.dataset.choice = choice
    }
    if (recorded[index].cast) showMine(recorded[index].choice)
    const problem = h('div')
    const options = d.options.includes('ABSTAIN') ? d.options : [...d.options, 'ABSTAIN']
    const tally = h('p', { class: 'hint' }, `${label(d.matter)} · ${dateTime(d.closesAt)} 截止 · 已投 ${count(d.ballotsCast)} 票`)
    const choices = options.map((option) => {
      const button = h('button', { type: 'button', class: 'choice', dataset: { option } }, label(option))
      button.addEventListener('click', async () => {
        mount(problem)
        try {
          const done = await act('castBallot', 'CastBallotInput', {
            decisionId: d.id, unitId: scope.unit, personId: scope.personId, choice: option,
            channel: 'ONLINE', reason: '业主网上投票',
          }, 'DecisionPayload', 'replacedEarlier decision { ballotsCast }')
          showMine(option, done.replacedEarlier)
          if (done.decision) tally.textContent = `${label(d.matter)} · ${dateTime(d.closesAt)} 截止 · 已投 ${count(done.decision.ballotsCast)} 票`
        } catch (error) {
          mount(problem, errorBox(error))
        }
      })
      return button
    })
    list.append(h('div', { class: 'card vote', dataset: { decision: d.id } },
      h('h2', {}, d.title), d.description ? h('p', {}, d.description) : null,
      tally,
      h('div', { class: 'choices' }, choices), mine, problem))
  })
  main.append(list, h('p', { class: 'hint' }, '每户一票，截止前可改投，以最后一次为准。'))
}

// ---- 通知 -------------------------------------------------------------------------------

const NOTICE_FIELDS = 'id type title body publishFrom publishUntil publishedAt current read audienceId'
const NOTICES = `query { myNotices(first: 50) { ${E('ValidationError', 'Forbidden')}
  ... on NoticeConnection { notices { ${NOTICE_FIELDS} } } } }`
const NOTICE_UPDATES = `subscription { myNoticeUpdates { ${NOTICE_FIELDS} } }`

function noticeCard(n, scope) {
  const state = h('span', { class: `tag read-state ${n.read ? '' : 'bad'}` }, n.read ? '已读' : '未读')
  const problem = h('div')
  const mark = h('button', { type: 'button', class: 'mark-read', hidden: n.read }, '标为已读')
  const unit = scope.units.includes(n.audienceId) ? n.audienceId : scope.unit
  mark.addEventListener('click', async () => {
    mount(problem)
    try {
      await act('markNoticeRead', 'MarkNoticeReadInput', { noticeId: n.id, unitId: unit, reason: '业主已阅' }, 'NoticePayload', 'notice { id read }')
      state.textContent = '已读'
      state.classList.remove('bad')
      mark.hidden = true
    } catch (error) {
      mount(problem, errorBox(error))
    }
  })
  return h('div', { class: 'card notice', dataset: { notice: n.id } },
    h('h2', {}, h('span', { class: 'tag' }, more(n.type)), ' ', n.title, ' ', state),
    h('p', { class: 'hint' }, `${date(n.publishFrom)} 至 ${date(n.publishUntil)}`),
    h('p', { class: 'notice-body' }, n.body), h('p', {}, mark), problem)
}

async function noticesView(main, ctx) {
  const scope = await frame(main, ctx, '通知')
  if (!scope) return
  const { notices } = await ask('myNotices', NOTICES, {}, 'NoticeConnection')
  const empty = h('p', { class: 'empty', hidden: notices.length > 0 }, '暂无通知')
  const list = h('div', { class: 'notices', dataset: { testid: 'notices', live: 'connecting' } },
    empty, notices.filter((n) => n.current).map((n) => noticeCard(n, scope)))
  const problem = h('div')
  // New notices and reminders arrive at the top; a withdrawn one leaves (myNoticeUpdates)
  const stop = subscribe(NOTICE_UPDATES, {}, {
    onListening: () => { list.dataset.live = 'listening' },
    onNext: (data) => {
      const n = data.myNoticeUpdates
      list.querySelector(`.notice[data-notice="${n.id}"]`)?.remove()
      if (n.current) empty.after(noticeCard(n, scope))
      empty.hidden = list.querySelector('.notice') !== null
    },
    onError: (error) => mount(problem, errorBox(error)),
    onClosed: () => { list.dataset.live = 'closed' },
  })
  ctx.onLeave(stop)
  main.append(problem, list)
}

// ---- 积分 -------------------------------------------------------------------------------

const POINTS = `query($u: ID!, $first: Int!, $after: String) { pointsAccount(unitId: $u, first: $first, after: $after) {
  ${E('ValidationError', 'NotFound', 'Forbidden')} ... on PointsAccount { balance earned spent
    entries { version kind rule rewardName quantity points balanceAfter at } pageInfo { hasNextPage endCursor totalCount } } } }`

async function pointsView(main, ctx) {
  const scope = await frame(main, ctx, '积分')
  if (!scope) return
  const figures = h('div', { class: 'figures' })
  main.append(figures, section('积分明细', table({
    testid: 'points',
    load: async (first, after) => {
      const account = await ask('pointsAccount', POINTS, { u: scope.unit, first, after }, 'PointsAccount')
      mount(figures, figure('当前积分', count(account.balance)), figure('累计获得', count(account.earned)), figure('已兑换', count(account.spent)))
      return { rows: account.entries, pageInfo: account.pageInfo }
    },
    columns: [
      { title: '时间', value: (r) => dateTime(r.at) },
      { title: '事项', value: (r) => (r.rule ? more(r.rule) : r.rewardName ? `兑换 ${r.rewardName} ×${r.quantity}` : more(`POINTS_${r.kind}`)) },
      { title: '积分', value: (r) => `${r.kind === 'SPENT' ? '-' : '+'}${count(Math.abs(r.points))}`, numeric: true },
      { title: '余额', value: (r) => count(r.balanceAfter), numeric: true },
    ],
    empty: '还没有积分记录',
  })))
}

export const residentViews = [
  { section: SECTION, path: '/resident/home', title: '我的房屋', render: homeView },
  { section: SECTION, path: '/resident/bills', title: '账单缴费', render: billsView },
  { section: SECTION, path: '/resident/repairs', title: '我的报修', render: repairsView },
  { section: SECTION, path: '/resident/votes', title: '投票', render: votesView },
  { section: SECTION, path: '/resident/notices', title: '通知', render: noticesView },
  { section: SECTION, path: '/resident/points', title: '积分', render: pointsView },
]
