// What the company's and the resident's views share: SLA clocks that tick, a work order's
// timeline, a mutation whose answer may be `Recorded` (the views not caught up yet), and a
// file fetched with the token (a receipt's PDF).
import { E, ApiError, ask } from '../api.js'
import { h, saveBlob } from '../dom.js'
import { dateTime, label } from '../format.js'
import { token } from '../session.js'

// Codes the shell's labels.js does not name (kept here so part 1's module stays untouched).
const MORE = {
  SANDBOX: '沙箱（测试渠道）',
  ORDER_CREATED: '待支付',
  ORDER_PAID: '已支付',
  ORDER_EXPIRED: '已过期',
  ORDER_CLOSED: '已关闭',
  INSPECT_ROUTINE: '日常巡检',
  INSPECT_MAINTENANCE: '维护保养',
  INSPECT_STATUTORY: '法定检验',
  INSPECT_SPOT_CHECK: '抽查',
  FIRE_EXTINGUISHER: '灭火器',
  FIRE_HYDRANT: '消火栓',
  FIRE_LANE: '消防通道',
  MICRO_FIRE_STATION: '微型消防站',
  ELEVATOR: '电梯',
  CAMERA: '监控摄像头',
  ACCESS_CONTROL: '门禁',
  EBIKE_CHARGING: '电动自行车充电',
  EV_CHARGING: '汽车充电桩',
  DRAINAGE: '排水设施',
  LIGHTING: '照明',
  PARKING_SPACE: '停车位',
  ELDERLY_CARE: '养老设施',
  CHILDCARE: '托育设施',
  NOTICE: '通知',
  PUBLICITY: '公示',
  ARREARS_REMINDER: '催缴通知',
  POINTS_EARNED: '获得',
  POINTS_SPENT: '兑换',
  VOTED: '参与表决',
  VOLUNTEERED: '志愿服务',
  PAID_ON_TIME: '按时缴费',
  SURVEY_ANSWERED: '参与问卷',
}

/** A code in Chinese: this module's names, else labels.js's, else the code. */
export function more(code) {
  return MORE[code] || label(code)
}

/** "还剩 23 小时 59 分 58 秒" / "已超时 1 小时 02 分 07 秒" for a deadline, from now. */
export function remaining(deadline, now = Date.now()) {
  const left = Date.parse(deadline) - now
  const total = Math.floor(Math.abs(left) / 1000)
  const two = (n) => String(n).padStart(2, '0')
  const hours = Math.floor(total / 3600)
  const span = `${hours ? `${hours} 小时 ` : ''}${two(Math.floor(total / 60) % 60)} 分 ${two(total % 60)} 秒`
  return left >= 0 ? `还剩 ${span}` : `已超时 ${span}`
}

function tick(clock, now = Date.now()) {
  const overdue = Date.parse(clock.dataset.deadline) < now
  clock.textContent = `${clock.dataset.stage} ${remaining(clock.dataset.deadline, now)}`
  clock.classList.toggle('bad', overdue)
  clock.dataset.overdue = String(overdue)
}

/** The clock running for a work order: 分转 until dispatched, 回应 until responded. */
export function orderClock(order) {
  const stage = order.status === 'REPORTED' ? '分转' : order.status === 'DISPATCHED' ? '回应' : null
  if (!stage) {
    const done = order.resolvedAt || order.respondedAt || order.cancelledAt
    return h('span', { class: 'sla-clock done' }, `${label(`WO_${order.status}`)}${done ? ` ${dateTime(done)}` : ''}`)
  }
  const deadline = stage === '分转' ? order.dispatchDeadline : order.responseDeadline
  const clock = h('span', { class: 'sla-clock tag', title: `时限 ${dateTime(deadline)}`, dataset: { deadline, stage } })
  tick(clock)
  return clock
}

/** Every clock under root moves each second; returns the function that stops them. */
export function startClocks(root) {
  const timer = setInterval(() => {
    const now = Date.now()
    for (const clock of root.querySelectorAll('.sla-clock[data-deadline]')) tick(clock, now)
  }, 1000)
  return () => clearInterval(timer)
}

/** A work order's steps, oldest first: reported, dispatched, responded, resolved, rated. */
export function timeline(order) {
  const steps = [
    [order.reportedAt, '报修', order.description],
    [order.dispatchedAt, '派单', order.team ? `${order.team}${order.assignee ? ` · ${order.assignee}` : ''}` : ''],
    [order.respondedAt, '响应', order.responseNote || ''],
    [order.resolvedAt, '解决', order.resolutionNote || ''],
    [order.ratedAt, '评价', order.rating ? `${order.rating} 星 ${order.ratingComment || ''}` : ''],
    [order.cancelledAt, '取消', order.cancelReason || ''],
  ].filter(([at]) => at)
  return h('ol', { class: 'timeline', dataset: { testid: 'repair-timeline' } }, steps.map(([at, what, detail]) =>
    h('li', {}, h('span', { class: 'when' }, dateTime(at)), h('strong', { class: 'step' }, what),
      detail ? h('span', { class: 'detail' }, ` ${detail}`) : null)),
  order.status === 'REPORTED' || order.status === 'DISPATCHED' ? h('li', { class: 'pending' }, orderClock(order)) : null)
}

const MUTATION_ERRORS = E('ValidationError', 'NotFound', 'Forbidden', 'Conflict', 'RateLimited', 'Unavailable')

/**
 * A mutation: `act('castBallot', 'CastBallotInput', input, 'DecisionPayload', 'decision { id }')`.
 * The payload, or { recorded: id } when the platform recorded the change but its views have not
 * caught up within the wait (the change shows on the next read).
 */
export async function act(field, inputType, input, payloadType, selection) {
  const query = `mutation($input: ${inputType}!) { ${field}(input: $input) { ${MUTATION_ERRORS}
    ... on ${payloadType} { ${selection} } ... on Recorded { id position } } }`
  const result = await ask(field, query, { input }, payloadType, 'Recorded')
  return result.__typename === 'Recorded' ? { recorded: result.id } : result
}

/** GET a file the API links to, with the bearer token, and hand it to the browser. */
export async function fetchFile(url, fileName) {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token()}` } })
  if (!response.ok) throw new ApiError('Transport', `HTTP ${response.status}`)
  saveBlob(await response.blob(), fileName)
}
