// 业委会 (committee) views: the ledgers with each entry's history, decisions and their tally,
// 公示, contracts and their notice periods, and the audit seal. Every view is about the
// community in scope (the member's own; a platform admin picks one).
import { E, ERROR_TYPES, ask, gql } from '../api.js'
import { figure, h, mount, saveBlob, section } from '../dom.js'
import { errorBox } from '../errors.js'
import { count, date, dateTime, decimal, label, percent, wanYuan, yesNo, yuan } from '../format.js'
import { showHistory } from '../history.js'
import { href, navigate, params } from '../router.js'
import { liveTable } from '../live.js'
import { communityFrame as frame } from '../scope.js'
import { table } from '../table.js'

const SECTION = 'committee'

const withCommunity = (ctx, path, extra = {}) => href(path, { community: params().get('community'), ...extra })

// ---- 维修资金 --------------------------------------------------------------------------

const FUND = `query($c: ID!) { maintenanceFund(communityId: $c) { ${E('NotFound', 'ValidationError', 'Forbidden')}
  ... on MaintenanceFund { id balanceFen firstDepositsFen ratio belowThreshold subAccounts emergenciesAwaitingAudit
    rule { version commodityRate } } } }`
const FUND_LEDGER = `query($c: ID!, $first: Int!, $after: String) {
  fundLedger(communityId: $c, first: $first, after: $after) { ${E('NotFound', 'ValidationError', 'Forbidden')}
    ... on FundLedgerConnection { entries { version kind amountFen balanceAfterFen unitId useId decisionId period on at }
      pageInfo { hasNextPage endCursor totalCount } } } }`

async function fundView(main, ctx) {
  const scope = await frame(main, ctx, '维修资金')
  if (!scope) return
  const fund = await ask('maintenanceFund', FUND, { c: scope.community }, 'MaintenanceFund')
  const detail = h('div', { id: 'entry-history', 'aria-live': 'polite' },
    h('p', { class: 'hint' }, '点击台账中的任一笔，查看是谁、在什么时候、因为什么记下了它。'))
  main.append(
    h('div', { class: 'figures' },
      figure('账户余额', yuan(fund.balanceFen), wanYuan(fund.balanceFen)),
      figure('首期交存合计', yuan(fund.firstDepositsFen)),
      figure('余额/首期', percent(fund.ratio), fund.belowThreshold ? '低于30%，需续筹' : '不低于30%'),
      figure('分户账', count(fund.subAccounts)),
      figure('应急使用待审计', count(fund.emergenciesAwaitingAudit))),
    section('维修资金台账',
      table({
        testid: 'fund-ledger',
        columns: [
          { title: '序号', value: (r) => r.version },
          { title: '日期', value: (r) => date(r.on || r.at) },
          { title: '类型', value: (r) => label(`FUND_${r.kind}`) },
          { title: '房号', value: (r) => scope.info.unitLabel(r.unitId) },
          { title: '金额', value: (r) => yuan(r.amountFen), numeric: true },
          { title: '余额', value: (r) => yuan(r.balanceAfterFen), numeric: true },
          { title: '记账时间', value: (r) => dateTime(r.at) },
        ],
        load: async (first, after) => {
          const page = await ask('fundLedger', FUND_LEDGER, { c: scope.community, first, after }, 'FundLedgerConnection')
          return { rows: page.entries, pageInfo: page.pageInfo }
        },
        onRow: (row, tr) => {
          for (const other of tr.parentElement.querySelectorAll('tr.selected')) other.classList.remove('selected')
          tr.classList.add('selected')
          showHistory(detail, fund.id, { version: row.version, title: `第 ${row.version} 笔的变更记录` })
          detail.scrollIntoView({ block: 'nearest' })
        },
        exportAs: { kind: 'FUND_LEDGER', arguments: { communityId: scope.community } },
      })),
    section('这一笔是谁记的、为什么', detail))
}

// ---- 物业费台账 -------------------------------------------------------------------------

const FEE_LEDGER = `query($c: ID!, $first: Int!, $after: String) {
  feeLedger(communityId: $c, first: $first, after: $after) { ${E('ValidationError', 'NotFound', 'Forbidden')}
    ... on FeeLedgerConnection { entries { accountId version seq unitLabel kind amountFen on channel
      transactionId approvedBy recordedAt actor reason } pageInfo { hasNextPage endCursor totalCount } } } }`

async function feesView(main, ctx) {
  const scope = await frame(main, ctx, '物业费台账')
  if (!scope) return
  const detail = h('div', { 'aria-live': 'polite' })
  main.append(section('收费、退款、减免，逐笔记录（含记录人和原因）',
    table({
      testid: 'fee-ledger',
      columns: [
        { title: '日期', value: (r) => date(r.on) },
        { title: '房号', value: (r) => r.unitLabel },
        { title: '类型', value: (r) => label(`FEE_${r.kind}`) },
        { title: '金额', value: (r) => yuan(r.amountFen), numeric: true },
        { title: '渠道', value: (r) => (r.channel ? label(r.channel) : '—') },
        { title: '记录人', value: (r) => r.actor },
        { title: '原因', value: (r) => r.reason },
        { title: '记录时间', value: (r) => dateTime(r.recordedAt) },
      ],
      load: async (first, after) => {
        const page = await ask('feeLedger', FEE_LEDGER, { c: scope.community, first, after }, 'FeeLedgerConnection')
        return { rows: page.entries, pageInfo: page.pageInfo }
      },
      onRow: (row) => showHistory(detail, row.accountId, { version: row.version, title: `${row.unitLabel} 收费账户的变更记录` }),
      exportAs: { kind: 'FEE_LEDGER', arguments: { communityId: scope.community } },
    })), detail)
}

// ---- 公共收益 ---------------------------------------------------------------------------

const PERIODS = `query($c: ID!) { commonIncomePeriods(communityId: $c) { ${E('NotFound', 'ValidationError')}
  ... on CommonIncomePeriods { periods { period closed status overdue entries grossFen costFen netFen toFundFen
    publishedRound publishedAt } } } }`
const INCOME_LEDGER = `query($c: ID!, $p: String!) { commonIncomeLedger(communityId: $c, period: $p) {
  ${E('NotFound', 'ValidationError')} ... on CommonIncomeLedger { ledgerId entries { id category grossFen costFen
    netFen toFundFen counterparty note corrections recordedAt changes { version kind grossFen costFen netFen
    afterPublication at } } } } }`

async function incomeView(main, ctx) {
  const scope = await frame(main, ctx, '公共收益')
  if (!scope) return
  const { periods } = await ask('commonIncomePeriods', PERIODS, { c: scope.community }, 'CommonIncomePeriods')
  const chosen = params().get('period') || periods[0]?.period || null
  const ledger = h('div')
  main.append(section('各月公示情况', table({
    testid: 'income-periods', exportAs: { kind: 'COMMON_INCOME_PERIODS', arguments: { communityId: scope.community } },
    rows: periods,
    columns: [
      { title: '月份', value: (r) => r.period },
      { title: '笔数', value: (r) => r.entries, numeric: true },
      { title: '收入', value: (r) => yuan(r.grossFen), numeric: true },
      { title: '成本', value: (r) => yuan(r.costFen), numeric: true },
      { title: '净收益', value: (r) => yuan(r.netFen), numeric: true },
      { title: '转入维修资金', value: (r) => yuan(r.toFundFen), numeric: true },
      { title: '公示状态', value: (r) => h('span', { class: `tag ${r.overdue ? 'bad' : ''}` }, label(`INCOME_${r.status}`), r.overdue ? '（逾期未公示）' : '') },
      { title: '公示时间', value: (r) => dateTime(r.publishedAt) },
    ],
    onRow: (row) => navigate(withCommunity(ctx, '/committee/income', { period: row.period })),
  })), ledger)
  if (!chosen) return
  const result = await ask('commonIncomeLedger', INCOME_LEDGER, { c: scope.community, p: chosen }, 'CommonIncomeLedger')
  const detail = h('div')
  mount(ledger, section(`${chosen} 公共收益台账`, table({
    testid: 'income-ledger',
    rows: result.entries,
    columns: [
      { title: '来源', value: (r) => label(r.category) },
      { title: '对方', value: (r) => r.counterparty },
      { title: '收入', value: (r) => yuan(r.grossFen), numeric: true },
      { title: '成本', value: (r) => yuan(r.costFen), numeric: true },
      { title: '净收益', value: (r) => yuan(r.netFen), numeric: true },
      { title: '转入维修资金', value: (r) => yuan(r.toFundFen), numeric: true },
      { title: '更正次数', value: (r) => r.corrections, numeric: true },
      { title: '记录时间', value: (r) => dateTime(r.recordedAt) },
    ],
    onRow: (row) => result.ledgerId && showHistory(detail, result.ledgerId, {
      version: row.changes[row.changes.length - 1]?.version ?? null, title: `${row.counterparty} 的变更记录`,
    }),
    exportAs: { kind: 'COMMON_INCOME_LEDGER', arguments: { communityId: scope.community, period: chosen } },
  }), detail))
}

// ---- 业主共同决定 -----------------------------------------------------------------------

const DECISIONS = `query($c: ID!, $first: Int!, $after: String) {
  decisions(communityId: $c, first: $first, after: $after) { ${E('NotFound', 'ValidationError')}
    ... on DecisionConnection { decisions { id title matter opensAt closesAt closed passed ballotsCast recounts recountsAgreeing }
      pageInfo { hasNextPage endCursor totalCount } } } }`
const DECISION = `query($id: ID!) { decision(id: $id) { ${E('NotFound', 'ValidationError')}
  ... on Decision { id communityId title description matter scope options opensAt closesAt closed passed ballotsCast
    challengeableUntil recounts recountsAgreeing
    result { ruleSet ruleSetVersion quorum approval totalArea totalHeadcount participatingArea participatingHeadcount
      abstainingArea abstainingHeadcount quorumMet options { option area headcount areaShare headcountShare passed } } } } }`
const RECOUNT = `mutation($input: DecisionStepInput!) { recountDecision(input: $input) {
  ${E('ValidationError', 'NotFound', 'Conflict', 'Forbidden', 'RateLimited', 'Unavailable')}
  ... on DecisionPayload { decision { recounts recountsAgreeing } } } }`

function outcome(d) {
  if (!d.closed) return h('span', { class: 'tag' }, '表决中')
  return d.passed ? h('span', { class: 'tag good' }, '通过') : h('span', { class: 'tag bad' }, '未通过')
}

async function decisionsView(main, ctx) {
  const scope = await frame(main, ctx, '业主共同决定')
  if (!scope) return
  main.append(section('表决事项（点击查看逐项计票和复核）', table({
    testid: 'decisions', exportAs: { kind: 'DECISIONS', arguments: { communityId: scope.community } },
    columns: [
      { title: '事项', value: (r) => r.title },
      { title: '类别', value: (r) => label(r.matter) },
      { title: '开始', value: (r) => dateTime(r.opensAt) },
      { title: '截止', value: (r) => dateTime(r.closesAt) },
      { title: '已投票', value: (r) => count(r.ballotsCast), numeric: true },
      { title: '结果', value: outcome },
      { title: '复核', value: (r) => (r.recounts ? `${r.recountsAgreeing}/${r.recounts} 次一致` : '未复核') },
    ],
    load: async (first, after) => {
      const page = await ask('decisions', DECISIONS, { c: scope.community, first, after }, 'DecisionConnection')
      return { rows: page.decisions, pageInfo: page.pageInfo }
    },
    onRow: (row) => navigate(withCommunity(ctx, `/committee/decisions/${row.id}`)),
  })))
}

async function decisionView(main, ctx) {
  const d = await ask('decision', DECISION, { id: ctx.args.id }, 'Decision')
  const problem = h('div')
  const history = h('div')
  const recount = h('button', { type: 'button', class: 'primary', disabled: !d.closed }, '复核计票')
  recount.addEventListener('click', async () => {
    mount(problem)
    recount.disabled = true
    try {
      const data = await gql(RECOUNT, { input: { decisionId: d.id, reason: '业委会复核计票' } })
      const answer = data.recountDecision
      if (ERROR_TYPES.has(answer.__typename)) mount(problem, errorBox({ ...answer, kind: answer.__typename }))
      else navigate(window.location.pathname + window.location.search, { replace: true })
    } catch (error) {
      mount(problem, errorBox(error))
    } finally {
      recount.disabled = !d.closed
    }
  })
  const r = d.result
  mount(main,
    h('p', {}, h('a', { href: withCommunity(ctx, '/committee/decisions') }, '← 全部表决事项')),
    h('h1', {}, d.title, ' ', outcome(d)),
    h('div', { class: 'figures' },
      figure('已投票', count(d.ballotsCast)),
      figure('表决期', `${dateTime(d.opensAt)} 至 ${dateTime(d.closesAt)}`),
      figure('复核', d.recounts ? `${d.recountsAgreeing}/${d.recounts} 次与原结果一致` : '未复核'),
      d.challengeableUntil ? figure('可申请撤销至', date(d.challengeableUntil)) : null),
    d.description ? h('p', {}, d.description) : null,
    r ? section('计票（逐项）',
      h('dl', { class: 'facts' },
        h('dt', {}, '规则'), h('dd', {}, `${r.ruleSet} 第${r.ruleSetVersion}版`),
        h('dt', {}, '参与要求'), h('dd', {}, r.quorum),
        h('dt', {}, '通过要求'), h('dd', {}, r.approval),
        h('dt', {}, '专有部分面积'), h('dd', {}, `共 ${decimal(r.totalArea)} m²，参与 ${decimal(r.participatingArea)} m²，弃权 ${decimal(r.abstainingArea)} m²`),
        h('dt', {}, '人数'), h('dd', {}, `共 ${r.totalHeadcount} 人，参与 ${r.participatingHeadcount} 人，弃权 ${r.abstainingHeadcount} 人`),
        h('dt', {}, '参与是否达标'), h('dd', {}, yesNo(r.quorumMet))),
      table({
        testid: 'tally',
        rows: r.options,
        columns: [
          { title: '选项', value: (o) => label(o.option) },
          { title: '面积 m²', value: (o) => decimal(o.area), numeric: true },
          { title: '面积占比', value: (o) => o.areaShare, numeric: true },
          { title: '人数', value: (o) => o.headcount, numeric: true },
          { title: '人数占比', value: (o) => o.headcountShare, numeric: true },
          { title: '是否通过', value: (o) => yesNo(o.passed) },
        ],
        exportAs: { kind: 'DECISION_TALLY', arguments: { decisionId: d.id } },
      })) : section('计票', h('p', {}, '表决尚未结束，结束后显示逐项计票。')),
    section('复核', h('p', {}, '按已记录的选票重新计票，结果必须与原结果一致；每次复核都记入变更记录。'), recount, problem),
    history)
  showHistory(history, d.id, { title: '表决的变更记录' })
}

// ---- 公示 ------------------------------------------------------------------------------

const NOTICES = `query($c: ID!, $first: Int!, $after: String) {
  notices(communityId: $c, type: PUBLICITY, first: $first, after: $after) { ${E('NotFound', 'ValidationError', 'Forbidden')}
    ... on NoticeConnection { notices { id title body publicityKind publishFrom publishUntil current publishedAt
      withdrawnOn households householdsRead } pageInfo { hasNextPage endCursor totalCount } } } }`

async function publicityView(main, ctx) {
  const scope = await frame(main, ctx, '公示')
  if (!scope) return
  const detail = h('div')
  main.append(section('公示清单', table({
    testid: 'publicity', exportAs: { kind: 'PUBLICITY', arguments: { communityId: scope.community } },
    columns: [
      { title: '标题', value: (r) => r.title },
      { title: '类别', value: (r) => label(r.publicityKind) },
      { title: '公示期', value: (r) => `${date(r.publishFrom)} 至 ${date(r.publishUntil)}` },
      { title: '状态', value: (r) => (r.withdrawnOn ? `已撤回（${date(r.withdrawnOn)}）` : r.current ? '公示中' : '已结束') },
      { title: '已读户数', value: (r) => (r.households ? `${r.householdsRead}/${r.households}` : '—'), numeric: true },
      { title: '发布时间', value: (r) => dateTime(r.publishedAt) },
    ],
    load: async (first, after) => {
      const page = await ask('notices', NOTICES, { c: scope.community, first, after }, 'NoticeConnection')
      return { rows: page.notices, pageInfo: page.pageInfo }
    },
    onRow: (row) => mount(detail, section(row.title, h('p', { class: 'notice-body' }, row.body))),
  })), detail)
}

// ---- 物业服务合同 -----------------------------------------------------------------------

const CONTRACTS = `query($c: ID!) { contracts(communityId: $c) { ${E('NotFound', 'ValidationError')}
  ... on ServiceContractList { contracts { id number mode companyName termStart termEnd feePerM2Month pricing
    commissionRate signedOn startedOn status handedOverOn notice { kind givenOn effectiveOn } } } } }`

async function contractsView(main, ctx) {
  const scope = await frame(main, ctx, '物业服务合同')
  if (!scope) return
  const { contracts } = await ask('contracts', CONTRACTS, { c: scope.community }, 'ServiceContractList')
  const detail = h('div')
  main.append(section('合同与通知期', table({
    testid: 'contracts', exportAs: { kind: 'CONTRACTS', arguments: { communityId: scope.community } },
    rows: contracts,
    columns: [
      { title: '序号', value: (r) => r.number },
      { title: '方式', value: (r) => label(r.mode) },
      { title: '物业企业', value: (r) => r.companyName || '—' },
      { title: '合同期', value: (r) => `${date(r.termStart)} 至 ${r.termEnd ? date(r.termEnd) : '不定期'}` },
      { title: '收费标准', value: (r) => `${decimal(r.feePerM2Month, 2)} 元/m²·月（${label(r.pricing)}）` },
      { title: '状态', value: (r) => label(`CONTRACT_${r.status}`) },
      { title: '解聘/不续聘通知', value: (r) => (r.notice ? `${label(r.notice.kind)}：${date(r.notice.givenOn)} 通知，${date(r.notice.effectiveOn)} 起不再约束` : '—') },
      { title: '交接日', value: (r) => date(r.handedOverOn) },
    ],
    onRow: (row) => showHistory(detail, row.id, { title: `第 ${row.number} 份合同的变更记录` }),
  })), detail)
}

// ---- 报事报修（实时）-------------------------------------------------------------------

const ORDER_FIELDS = `id category urgency status description place { areaName } reportedAt dispatchDeadline
  dispatchedAt team responseDeadline respondedAt resolvedAt rating dispatchBreached responseBreached reopenCount`
const ORDERS = `query($c: ID!) { workOrders(communityId: $c, first: 100) { ${E('ValidationError', 'NotFound')}
  ... on WorkOrderConnection { edges { node { ${ORDER_FIELDS} } } } } }`
const ORDER_UPDATES = `subscription($c: ID!) { workOrderUpdates(communityId: $c) { ${ORDER_FIELDS} } }`

function clock(deadline, doneAt, breached) {
  if (doneAt) return `已完成 ${dateTime(doneAt)}`
  if (!deadline) return '—'
  return h('span', { class: `tag ${breached ? 'bad' : ''}` }, `${breached ? '已超时 ' : '时限 '}${dateTime(deadline)}`)
}

async function workOrdersView(main, ctx) {
  const scope = await frame(main, ctx, '报事报修（实时）')
  if (!scope) return
  const page = await ask('workOrders', ORDERS, { c: scope.community }, 'WorkOrderConnection')
  main.append(section('本小区的报修，物业处理进度实时更新（最新在前）', liveTable(ctx, {
    testid: 'work-orders',
    exportAs: { kind: 'WORK_ORDERS', arguments: { communityId: scope.community } },
    initial: page.edges.map((e) => e.node),
    subscription: ORDER_UPDATES,
    variables: { c: scope.community },
    pick: (data) => data.workOrderUpdates,
    sort: (a, b) => (a.reportedAt < b.reportedAt ? 1 : a.reportedAt > b.reportedAt ? -1 : 0),
    columns: [
      { title: '报修时间', value: (r) => dateTime(r.reportedAt) },
      { title: '类别', value: (r) => label(`WO_${r.category}`) },
      { title: '紧急程度', value: (r) => label(`WO_${r.urgency}`) },
      { title: '地点', value: (r) => r.place?.areaName || '—' },
      { title: '内容', value: (r) => r.description },
      { title: '状态', value: (r) => h('span', { class: 'status' }, label(`WO_${r.status}`)) },
      { title: '分转', value: (r) => clock(r.dispatchDeadline, r.dispatchedAt, r.dispatchBreached) },
      { title: '回应', value: (r) => clock(r.responseDeadline, r.respondedAt, r.responseBreached) },
      { title: '班组', value: (r) => r.team || '—' },
      { title: '评价', value: (r) => (r.rating ? `${r.rating} 星` : '—') },
    ],
    empty: '暂无报修',
  })))
}

// ---- 审计封存 ---------------------------------------------------------------------------

const SEAL = `query { auditSeal { ${E('ValidationError', 'Forbidden')} ... on AuditSealPayload { publicKey algorithm
  checkpoint { position headHash sealedAt signature madeBy reason } } } }`
const VERIFY = `query($c: AuditCheckpointInput!) { verifyAuditSeal(checkpoint: $c) { ${E('ValidationError', 'Forbidden')}
  ... on AuditVerification { valid signatureValid brokenAt message eventsChecked } } }`

async function auditView(main) {
  mount(main, h('h1', {}, '审计封存'))
  const seal = await ask('auditSeal', SEAL, {}, 'AuditSealPayload')
  const cp = seal.checkpoint
  const kept = cp ? { position: cp.position, headHash: cp.headHash, sealedAt: cp.sealedAt, signature: cp.signature } : null
  const field = h('textarea', { name: 'checkpoint', rows: 6, class: 'mono', maxlength: 4000,
    placeholder: '{"position": "…", "headHash": "…", "sealedAt": "…", "signature": "…"}' })
  const verdict = h('div', { 'aria-live': 'polite' })
  const save = h('button', { type: 'button', disabled: !kept }, '保存当前封存点（JSON）')
  save.addEventListener('click', () => {
    saveBlob(new Blob([JSON.stringify(kept, null, 2)], { type: 'application/json' }), `封存点-${cp.position}.json`)
  })
  const verify = h('button', { type: 'submit', class: 'primary' }, '验证')
  const form = h('form', { class: 'verify' }, field, verify)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    let checkpoint
    try {
      checkpoint = JSON.parse(field.value)
    } catch {
      return mount(verdict, errorBox({ kind: 'ValidationError', message: '不是有效的 JSON：请粘贴保存的封存点文件内容' }))
    }
    try {
      const result = await ask('verifyAuditSeal', VERIFY, { c: checkpoint }, 'AuditVerification')
      mount(verdict, h('div', { class: `card ${result.valid ? '' : 'error'}`, dataset: { valid: String(result.valid) } },
        h('strong', {}, result.valid ? '验证通过：签名有效，截至该位置的记录未被改动' : '验证未通过'),
        h('p', {}, `签名${result.signatureValid ? '有效' : '无效'}；检查了 ${count(result.eventsChecked)} 条事件`),
        result.brokenAt ? h('p', {}, `第一处异常位置：${result.brokenAt}`) : null,
        h('p', { class: 'error-message' }, `平台说明：${result.message}`)))
    } catch (error) {
      mount(verdict, errorBox(error))
    }
    return undefined
  })
  main.append(
    section('当前封存点', cp ? h('dl', { class: 'facts' },
      h('dt', {}, '日志位置'), h('dd', { class: 'position' }, cp.position),
      h('dt', {}, '封存时间'), h('dd', {}, dateTime(cp.sealedAt)),
      h('dt', {}, '链头哈希'), h('dd', { class: 'mono' }, cp.headHash),
      h('dt', {}, '签名'), h('dd', { class: 'mono' }, cp.signature),
      h('dt', {}, '发起人'), h('dd', {}, cp.madeBy),
      h('dt', {}, '原因'), h('dd', {}, cp.reason),
      h('dt', {}, '平台公钥'), h('dd', { class: 'mono' }, `${seal.algorithm} ${seal.publicKey}`)) : h('p', {}, '平台尚未生成封存点（每小时自动生成一次）。'),
    h('p', {}, save)),
    section('验证已保存的封存点', h('p', {}, '粘贴以前保存的封存点，平台会重算哈希链并核对签名。'),
      kept ? h('p', {}, h('button', { type: 'button', onclick: () => { field.value = JSON.stringify(kept, null, 2) } }, '填入当前封存点')) : null,
      form, verdict))
}

export const committeeViews = [
  { section: SECTION, path: '/committee/fund', title: '维修资金', render: fundView },
  { section: SECTION, path: '/committee/fees', title: '物业费台账', render: feesView },
  { section: SECTION, path: '/committee/income', title: '公共收益', render: incomeView },
  { section: SECTION, path: '/committee/decisions', title: '业主共同决定', render: decisionsView },
  { section: SECTION, path: '/committee/decisions/:id', title: '表决详情', menu: false, render: decisionView },
  { section: SECTION, path: '/committee/publicity', title: '公示', render: publicityView },
  { section: SECTION, path: '/committee/contracts', title: '物业服务合同', render: contractsView },
  { section: SECTION, path: '/committee/work-orders', title: '报事报修', render: workOrdersView },
  { section: SECTION, path: '/committee/audit', title: '审计封存', render: auditView },
]
