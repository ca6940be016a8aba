// 住建 (district regulator) views: the district at a glance, the health ranking with one
// community's components and inputs, the credit ranking with contributions and evidence,
// objections and repairs; charts where people would rather look than read. Every table
// exports. Charts come from ECharts, loaded with the first view that draws.
import { E, ask, expect, gql } from '../api.js'
import { figure, h, mount, section } from '../dom.js'
import { errorBox } from '../errors.js'
import {
  count, date, decimal, halfYearLabel, halfYears, label, pastQuarters, percent, quarterLabel,
  today, wanYuan, yuan, yesNo,
} from '../format.js'
import { href, navigate, params } from '../router.js'
import { districtOf, districtSwitch } from '../scope.js'
import { table } from '../table.js'

const SECTION = 'regulator'
const charts = () => import('../charts.js')

/** Heading + district in scope (null: a chooser is shown). */
function frame(main, ctx, title, ...tools) {
  const district = districtOf(ctx, main)
  if (!district) return null
  mount(main, h('div', { class: 'view-head' }, h('h1', {}, title), districtSwitch(ctx, district), ...tools))
  return district
}

/** A select that puts its value in the address (?name=value), reloading the view. */
function picker(ctx, name, options, current, text = (v) => v) {
  const select = h('select', {
    name,
    onchange: () => navigate(href(ctx.path, { ...Object.fromEntries(params()), [name]: select.value })),
  }, options.map((o) => h('option', { value: o, selected: o === current }, text(o))))
  return h('label', { class: 'scope' }, select)
}

async function drawn(ctx, container, name, option, options) {
  const { chart } = await charts()
  const made = chart(name, option, options)
  ctx.onLeave(made.dispose)
  container.append(made.element)
}

// ---- 区县概览 ---------------------------------------------------------------------------

const OVERVIEW = `query($d: String!, $year: Int!) {
  districtStatistics(district: $d) { ${E('Forbidden', 'ValidationError')}
    ... on DistrictStatistics { district asOf total unmanaged byMode { mode communities } } }
  committeeCoverage(district: $d) { ${E('Forbidden', 'ValidationError')}
    ... on CommitteeCoverage { total covered percentage uncovered { id name } } }
  redPropertyStatistics(district: $d) { ${E('Forbidden', 'ValidationError')}
    ... on RedPropertyStatistics { companyPartyOrganisations committeePartyWorkingGroups committeePartyBranches
      communityPartyCommittees demonstrationCommunities demonstrationCompanies } }
  communityCompanyStatistics(district: $d, year: $year) { ${E('ValidationError', 'Forbidden')}
    ... on CommunityCompanyStatistics { companyCount pilotCount companiesAtOrAboveThreshold
      totals { revenueFen costFen surplusFen reinvestedFen reinvestedShare } } }
}`
const UNMANAGED = `query($d: String!, $first: Int!, $after: String) {
  communities(filter: {district: $d, mode: NONE}, first: $first, after: $after) { ${E('ValidationError')}
    ... on CommunityConnection { edges { node { id name street address management { mode effectiveFrom } } }
      pageInfo { hasNextPage endCursor totalCount } } } }`
const COMMUNITY_COMPANIES = `query($d: String!, $year: Int!, $first: Int!, $after: String) {
  communityCompanies(district: $d, year: $year, first: $first, after: $after) { ${E('ValidationError', 'Forbidden')}
    ... on CommunityCompanyFiguresConnection { edges { node { id name pilot
      figures { revenueFen costFen surplusFen reinvestedFen reinvestedShare } } }
      pageInfo { hasNextPage endCursor totalCount } } } }`

/** One field of a multi-field query: its value, or an error box in place of its card. */
function part(result, typename) {
  return result?.__typename === typename ? result : null
}

async function overviewView(main, ctx) {
  charts() // fetched while the figures are asked for
  const year = Number(params().get('year') || today().slice(0, 4))
  const district = frame(main, ctx, '区县概览',
    picker(ctx, 'year', [0, 1, 2].map((i) => String(Number(today().slice(0, 4)) - i)), String(year), (y) => `${y}年`))
  if (!district) return
  const data = await gql(OVERVIEW, { d: district, year })
  const stats = part(data.districtStatistics, 'DistrictStatistics')
  const coverage = part(data.committeeCoverage, 'CommitteeCoverage')
  const red = part(data.redPropertyStatistics, 'RedPropertyStatistics')
  const cc = part(data.communityCompanyStatistics, 'CommunityCompanyStatistics')
  const failed = [data.districtStatistics, data.committeeCoverage, data.redPropertyStatistics, data.communityCompanyStatistics]
    .filter((r) => r && r.__typename && !['DistrictStatistics', 'CommitteeCoverage', 'RedPropertyStatistics', 'CommunityCompanyStatistics'].includes(r.__typename))
  for (const problem of failed) main.append(errorBox({ ...problem, kind: problem.__typename }))
  if (stats) {
    main.append(h('div', { class: 'figures' },
      figure('小区总数', count(stats.total), `截至 ${date(stats.asOf)}`),
      figure('无物业小区', count(stats.unmanaged), stats.total ? `占 ${percent(stats.unmanaged / stats.total)}` : null),
      coverage ? figure('业委会（物管会）覆盖率', coverage.percentage === null ? '—' : `${decimal(coverage.percentage)}%`,
        `${coverage.covered}/${coverage.total} 个小区`) : null,
      cc ? figure('强社惠民营业收入', wanYuan(cc.totals.revenueFen), `${year}年，${cc.companyCount} 家公司`) : null,
      cc ? figure('反哺', wanYuan(cc.totals.reinvestedFen), cc.totals.reinvestedShare === null ? null : `占盈余 ${percent(cc.totals.reinvestedShare)}`) : null))
    const chartsRow = h('div', { class: 'charts' })
    main.append(section('管理模式分布', chartsRow,
      table({
        testid: 'modes',
        rows: stats.byMode,
        columns: [
          { title: '管理模式', value: (r) => label(r.mode) },
          { title: '小区数', value: (r) => count(r.communities), numeric: true },
          { title: '占比', value: (r) => (stats.total ? percent(r.communities / stats.total) : '—'), numeric: true },
        ],
        exportAs: { kind: 'DISTRICT_STATISTICS', arguments: { district } },
      })))
    const { pie } = await charts()
    await drawn(ctx, chartsRow, 'modes', pie(`${district} 小区管理模式`, stats.byMode.filter((m) => m.communities > 0)
      .map((m) => ({ name: label(m.mode), value: m.communities }))))
  }
  main.append(section('无物业小区', table({
    testid: 'unmanaged', exportAs: { kind: 'UNMANAGED_COMMUNITIES', arguments: { district } },
    columns: [
      { title: '小区', value: (r) => r.name },
      { title: '街道', value: (r) => r.street },
      { title: '地址', value: (r) => r.address },
      { title: '自何时', value: (r) => date(r.management?.effectiveFrom) },
    ],
    load: async (first, after) => {
      const page = await ask('communities', UNMANAGED, { d: district, first, after }, 'CommunityConnection')
      return { rows: page.edges.map((e) => e.node), pageInfo: page.pageInfo }
    },
    empty: '没有无物业小区',
  })))
  if (coverage) {
    main.append(section('尚无业委会（物管会）的小区', table({
      testid: 'uncovered', exportAs: { kind: 'COMMITTEE_COVERAGE', arguments: { district } }, rows: coverage.uncovered, columns: [{ title: '小区', value: (r) => r.name }],
      empty: '全部小区均已成立',
    })))
  }
  if (red) {
    main.append(section('红色物业', h('div', { class: 'figures' },
      figure('物业企业党组织', count(red.companyPartyOrganisations)),
      figure('业委会党建工作组', count(red.committeePartyWorkingGroups)),
      figure('业委会党支部', count(red.committeePartyBranches)),
      figure('社区党委', count(red.communityPartyCommittees)),
      figure('示范小区', count(red.demonstrationCommunities)),
      figure('示范企业', count(red.demonstrationCompanies)))))
  }
  if (cc) {
    main.append(section(`强社惠民公司（${year}年）`,
      h('div', { class: 'figures' },
        figure('公司', count(cc.companyCount)), figure('试点', count(cc.pilotCount)),
        figure('营业收入达标', count(cc.companiesAtOrAboveThreshold), '年收入 ≥ 30 万元'),
        figure('盈余', wanYuan(cc.totals.surplusFen))),
      table({
        testid: 'community-companies', exportAs: { kind: 'COMMUNITY_COMPANIES', arguments: { district, year } },
        columns: [
          { title: '公司', value: (r) => r.name },
          { title: '试点', value: (r) => yesNo(r.pilot) },
          { title: '营业收入', value: (r) => yuan(r.figures.revenueFen), numeric: true },
          { title: '成本', value: (r) => yuan(r.figures.costFen), numeric: true },
          { title: '盈余', value: (r) => yuan(r.figures.surplusFen), numeric: true },
          { title: '反哺', value: (r) => yuan(r.figures.reinvestedFen), numeric: true },
          { title: '反哺占盈余', value: (r) => percent(r.figures.reinvestedShare), numeric: true },
        ],
        load: async (first, after) => {
          const page = await ask('communityCompanies', COMMUNITY_COMPANIES, { d: district, year, first, after }, 'CommunityCompanyFiguresConnection')
          return { rows: page.edges.map((e) => e.node), pageInfo: page.pageInfo }
        },
      })))
  }
}

// ---- 健康指数 ---------------------------------------------------------------------------

const RANKING = `query($d: String!, $p: String!, $flagged: Boolean!, $first: Int!, $after: String) {
  healthRanking(district: $d, period: $p, flaggedOnly: $flagged, first: $first, after: $after) { ${E('ValidationError')}
    ... on HealthRanking { communities meanIndex flagged config
      edges { node { id communityId communityName healthIndex coverage rankable rank ranked previousIndex trend flags } }
      pageInfo { hasNextPage endCursor totalCount } } } }`
const MEANS = `query($d: String!, ${[0, 1, 2, 3].map((i) => `$p${i}: String!`).join(', ')}) {
  ${[0, 1, 2, 3].map((i) => `r${i}: healthRanking(district: $d, period: $p${i}, first: 100) { ${E('ValidationError')}
    ... on HealthRanking { period communities meanIndex flagged edges { node { healthIndex } } } }`).join('\n')} }`
const COMMUNITY_HEALTH = `query($c: ID!, $p: String!) { communityHealth(communityId: $c, period: $p) {
  ${E('NotFound', 'ValidationError')} ... on HealthAssessment { communityName district period config healthIndex coverage
    rankable rank ranked previousIndex trend flags asOf revision
    components { key label weight score counted inputs } } } }`

function trend(value) {
  if (value === null || value === undefined) return '—'
  const n = Number(value)
  const text = `${n > 0 ? '+' : ''}${n.toFixed(1)}`
  return h('span', { class: `tag ${n > 0 ? 'good' : n < 0 ? 'bad' : ''}` }, n > 0 ? `↑ ${text}` : n < 0 ? `↓ ${text}` : text)
}

function flags(list) {
  return list.length ? list.map((f) => h('span', { class: 'tag bad' }, label(f))) : h('span', { class: 'tag good' }, '无')
}

/** Counts of indices per band of 10 (0–10, …, 90–100). */
function bands(values) {
  const counts = Array(10).fill(0)
  for (const v of values) counts[Math.min(9, Math.floor(Number(v) / 10))] += 1
  return counts
}
const BANDS = Array.from({ length: 10 }, (_, i) => `${i * 10}–${i * 10 + 10}`)

async function healthView(main, ctx) {
  charts()
  const periods = halfYears(6)
  const period = params().get('period') || periods[0]
  const flagged = params().get('flagged') === '1'
  const onlyFlagged = h('input', {
    type: 'checkbox', name: 'flagged', checked: flagged,
    onchange: () => navigate(href(ctx.path, { ...Object.fromEntries(params()), flagged: onlyFlagged.checked ? '1' : null })),
  })
  const district = frame(main, ctx, '健康指数排名', picker(ctx, 'period', periods, period, halfYearLabel),
    h('label', { class: 'scope' }, onlyFlagged, '只看有风险提示的小区'))
  if (!district) return
  const recent = periods.slice(periods.indexOf(period) >= 0 ? periods.indexOf(period) : 0).slice(0, 4).reverse()
  while (recent.length < 4) recent.unshift(recent[0])
  const means = await gql(MEANS, { d: district, ...Object.fromEntries(recent.map((p, i) => [`p${i}`, p])) })
  const rows = recent.map((_, i) => means[`r${i}`]).map((r) => (r?.__typename === 'HealthRanking' ? r : null))
  const current = rows[rows.length - 1]
  const chartsRow = h('div', { class: 'charts' })
  main.append(
    current ? h('div', { class: 'figures' },
      figure('参评小区', count(current.communities), halfYearLabel(period)),
      figure('平均指数', decimal(current.meanIndex, 1)),
      figure('有风险提示', count(current.flagged))) : null,
    section('指数分布与走势', chartsRow),
    section(`${halfYearLabel(period)}排名（点击小区查看各项得分及其依据）`, table({
      testid: 'health-ranking',
      columns: [
        { title: '名次', value: (r) => r.rank ?? '不排名' },
        { title: '小区', value: (r) => r.communityName },
        { title: '健康指数', value: (r) => decimal(r.healthIndex, 1), numeric: true },
        { title: '数据覆盖', value: (r) => `${r.coverage}/100`, numeric: true },
        { title: '较上期', value: (r) => trend(r.trend) },
        { title: '风险提示', value: (r) => flags(r.flags) },
      ],
      load: async (first, after) => {
        const page = await ask('healthRanking', RANKING, { d: district, p: period, flagged, first, after }, 'HealthRanking')
        return { rows: page.edges.map((e) => e.node), pageInfo: page.pageInfo }
      },
      onRow: (row) => navigate(href(`/regulator/health/${row.communityId}`, { period, district: params().get('district') })),
      exportAs: { kind: 'HEALTH_RANKING', arguments: { district, period } },
    })))
  const { bars, lines } = await charts()
  const indices = current ? current.edges.map((e) => e.node.healthIndex).filter((v) => v !== null) : []
  await drawn(ctx, chartsRow, 'health-distribution', bars(`${halfYearLabel(period)}指数分布（小区数）`, BANDS, bands(indices)))
  const labels = [...new Set(recent)]
  const byPeriod = Object.fromEntries(recent.map((p, i) => [p, rows[i]]))
  await drawn(ctx, chartsRow, 'health-trend', lines('各半年度平均指数', labels.map(halfYearLabel), [
    { name: '平均指数', data: labels.map((p) => (byPeriod[p]?.meanIndex === null || !byPeriod[p] ? null : Number(Number(byPeriod[p].meanIndex).toFixed(1)))) },
  ]))
}

/** A figure the platform computed from: amounts in 元, yes/no in Chinese, names translated. */
function inputValue(key, value) {
  if (typeof value === 'boolean') return yesNo(value)
  if (key.endsWith('_fen') && typeof value === 'number') return yuan(value)
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

function inputsOf(inputs) {
  if (!inputs || typeof inputs !== 'object') return String(inputs ?? '—')
  return h('dl', { class: 'facts inputs' }, Object.entries(inputs).flatMap(([key, value]) => {
    const name = label(`INPUT_${key}`)
    return [h('dt', { title: key }, name.startsWith('INPUT_') ? key : name), h('dd', {}, inputValue(key, value))]
  }))
}

async function communityHealthView(main, ctx) {
  const period = params().get('period') || halfYears(1)[0]
  const a = await ask('communityHealth', COMMUNITY_HEALTH, { c: ctx.args.id, p: period }, 'HealthAssessment')
  mount(main,
    h('p', {}, h('a', { href: href('/regulator/health', { period, district: params().get('district') }) }, '← 返回排名')),
    h('h1', {}, `${a.communityName} · ${halfYearLabel(a.period)}健康指数`),
    h('div', { class: 'figures' },
      figure('健康指数', decimal(a.healthIndex, 1), a.rankable ? `第 ${a.rank}/${a.ranked} 名` : '数据覆盖不足，不排名'),
      figure('数据覆盖', `${a.coverage}/100`),
      figure('较上期', trend(a.trend), a.previousIndex === null ? '上期无数据' : `上期 ${decimal(a.previousIndex, 1)}`),
      figure('风险提示', flags(a.flags)),
      figure('数据日期', date(a.asOf), `权重 ${a.config}，第 ${a.revision} 次计算`)),
    section('各项得分及其依据', table({
      testid: 'health-components', exportAs: { kind: 'HEALTH_COMPONENTS', arguments: { communityId: ctx.args.id, period: a.period } },
      rows: a.components,
      columns: [
        { title: '项目', value: (c) => c.label },
        { title: '权重', value: (c) => c.weight, numeric: true },
        { title: '得分', value: (c) => (c.score === null ? '无数据' : decimal(c.score, 1)), numeric: true },
        { title: '计入', value: (c) => (c.counted === null ? '不计入' : decimal(c.counted, 1)), numeric: true },
        { title: '依据（输入数据）', value: (c) => inputsOf(c.inputs) },
      ],
    })))
}

// ---- 信用评价 ---------------------------------------------------------------------------

const CREDIT = `query($d: String!, $p: String!, $first: Int!, $after: String) {
  creditEvaluations(period: $p, district: $d, first: $first, after: $after) { ${E('ValidationError')}
    ... on CreditEvaluationConnection { edges { node { id companyId companyName score grade vetoed rank status
      publishedOn objectionDeadline correctionPending ruleSet } } pageInfo { hasNextPage endCursor totalCount } } } }`
const GRADES = `query($d: String!, $p: String!, $after: String) {
  creditEvaluations(period: $p, district: $d, first: 100, after: $after) { ${E('ValidationError')}
    ... on CreditEvaluationConnection { edges { node { grade } } pageInfo { hasNextPage endCursor } } } }`
const EVALUATION = `query($c: ID!, $p: String!) {
  creditEvaluation(companyId: $c, period: $p) { ${E('NotFound', 'ValidationError')}
    ... on CreditEvaluation { id companyName period periodStart periodEnd ruleSet jurisdiction districts score grade
      vetoed vetoedBy { label } rank revision cause evaluatedOn status publishedOn objectionDeadline correctionPending
      sections { section raw cap counted }
      contributions { section source key label points value veto evidence }
      objections { id grounds raisedOn decision decidedOn recomputeIndicators correction { scoreBefore gradeBefore scoreAfter gradeAfter } } } }
  creditRecords(companyId: $c) { ${E('NotFound', 'ValidationError', 'Forbidden')}
    ... on CreditRecordList { records { id kind level vetoKind recordedOn validUntil authority documentNumber note
      withdrawnOn withdrawalReason repairedOn repairs { id grounds requestedOn decision decidedOn } } } }
}`

async function creditView(main, ctx) {
  charts()
  const periods = pastQuarters(8)
  const period = params().get('period') || periods[0]
  const district = frame(main, ctx, '物业企业信用评价', picker(ctx, 'period', periods, period, quarterLabel))
  if (!district) return
  const chartsRow = h('div', { class: 'charts' })
  main.append(
    section('等级分布', chartsRow),
    section(`${quarterLabel(period)}信用排名（点击企业查看各项加减分及证据）`, table({
      testid: 'credit-ranking',
      columns: [
        { title: '名次', value: (r) => r.rank ?? '—' },
        { title: '企业', value: (r) => r.companyName },
        { title: '得分', value: (r) => r.score, numeric: true },
        { title: '等级', value: (r) => h('span', { class: `tag ${r.vetoed ? 'bad' : ''}` }, r.grade, r.vetoed ? '（一票否决）' : '') },
        { title: '状态', value: (r) => label(r.status) },
        { title: '异议期至', value: (r) => date(r.objectionDeadline) },
        { title: '更正中', value: (r) => (r.correctionPending ? '是' : '—') },
      ],
      load: async (first, after) => {
        const page = await ask('creditEvaluations', CREDIT, { d: district, p: period, first, after }, 'CreditEvaluationConnection')
        return { rows: page.edges.map((e) => e.node), pageInfo: page.pageInfo }
      },
      onRow: (row) => navigate(href(`/regulator/credit/${row.companyId}`, { period, district: params().get('district') })),
      exportAs: { kind: 'CREDIT_RANKING', arguments: { district, period } },
      empty: '本季度尚无评价',
    })))
  const grades = {}
  let after = null
  for (let page = 0; page < 10; page += 1) {
    const result = await ask('creditEvaluations', GRADES, { d: district, p: period, after }, 'CreditEvaluationConnection')
    for (const e of result.edges) grades[e.node.grade] = (grades[e.node.grade] || 0) + 1
    if (!result.pageInfo.hasNextPage) break
    after = result.pageInfo.endCursor
  }
  const names = Object.keys(grades).sort()
  const { bars } = await charts()
  await drawn(ctx, chartsRow, 'credit-grades', bars(`${quarterLabel(period)}等级分布（企业数）`, names, names.map((g) => grades[g])))
}

function evidenceOf(evidence) {
  const rows = Array.isArray(evidence) ? evidence : evidence && typeof evidence === 'object' ? [evidence] : []
  if (rows.length === 0) return '—'
  return h('details', {}, h('summary', {}, `${rows.length} 条依据`),
    h('ul', { class: 'evidence' }, rows.slice(0, 50).map((row) => h('li', {}, typeof row === 'object'
      ? Object.entries(row).map(([k, v]) => {
        const name = label(`INPUT_${k}`)
        return `${name.startsWith('INPUT_') ? k : name}: ${inputValue(k, v)}`
      }).join('；')
      : String(row)))))
}

async function companyCreditView(main, ctx) {
  const period = params().get('period') || pastQuarters(1)[0]
  const data = await gql(EVALUATION, { c: ctx.args.id, p: period })
  const e = expect(data.creditEvaluation, 'CreditEvaluation')
  const records = data.creditRecords?.__typename === 'CreditRecordList' ? data.creditRecords.records : []
  mount(main,
    h('p', {}, h('a', { href: href('/regulator/credit', { period, district: params().get('district') }) }, '← 返回排名')),
    h('h1', {}, `${e.companyName} · ${quarterLabel(e.period)}信用评价`),
    h('div', { class: 'figures' },
      figure('得分', count(e.score), e.rank ? `第 ${e.rank} 名` : null),
      figure('等级', e.grade, e.vetoed ? `一票否决：${e.vetoedBy.map((v) => v.label).join('、')}` : null),
      figure('状态', label(e.status), e.publishedOn ? `${date(e.publishedOn)} 公示` : null),
      figure('异议期至', date(e.objectionDeadline)),
      figure('评价办法', e.ruleSet, `${e.jurisdiction}，第 ${e.revision} 版评价`)),
    e.sections ? section('分项', table({
      testid: 'credit-sections', exportAs: { kind: 'CREDIT_SECTIONS', arguments: { companyId: ctx.args.id, period: e.period } }, rows: e.sections,
      columns: [
        { title: '分项', value: (s) => label(s.section) },
        { title: '原始分', value: (s) => s.raw, numeric: true },
        { title: '上限', value: (s) => s.cap ?? '—', numeric: true },
        { title: '计入', value: (s) => s.counted, numeric: true },
      ],
    })) : null,
    e.contributions ? section('加减分明细及证据', table({
      testid: 'credit-contributions', exportAs: { kind: 'CREDIT_CONTRIBUTIONS', arguments: { companyId: ctx.args.id, period: e.period } }, rows: e.contributions,
      columns: [
        { title: '分项', value: (c) => label(c.section) },
        { title: '来源', value: (c) => label(c.source) },
        { title: '项目', value: (c) => c.label },
        { title: '分值', value: (c) => (c.points > 0 ? `+${c.points}` : String(c.points)), numeric: true },
        { title: '取值', value: (c) => c.value ?? '尚无数据' },
        { title: '否决项', value: (c) => (c.veto ? '是' : '—') },
        { title: '证据', value: (c) => evidenceOf(c.evidence) },
      ],
    })) : null,
    section('异议', table({
      testid: 'credit-objections', exportAs: { kind: 'CREDIT_OBJECTIONS', arguments: { companyId: ctx.args.id, period: e.period } }, rows: e.objections || [],
      columns: [
        { title: '提出日', value: (o) => date(o.raisedOn) },
        { title: '理由', value: (o) => o.grounds },
        { title: '决定', value: (o) => (o.decision ? label(o.decision) : '待处理') },
        { title: '决定日', value: (o) => date(o.decidedOn) },
        { title: '更正', value: (o) => (o.correction ? `${o.correction.scoreBefore}（${o.correction.gradeBefore}）→ ${o.correction.scoreAfter}（${o.correction.gradeAfter}）` : '—') },
      ],
      empty: '没有异议',
    })),
    section('信用记录与修复', table({
      testid: 'credit-records', exportAs: { kind: 'CREDIT_RECORDS', arguments: { companyId: ctx.args.id } }, rows: records,
      columns: [
        { title: '类别', value: (r) => label(r.kind) },
        { title: '日期', value: (r) => date(r.recordedOn) },
        { title: '有效至', value: (r) => date(r.validUntil) },
        { title: '发文机关', value: (r) => r.authority },
        { title: '文号', value: (r) => r.documentNumber },
        { title: '说明', value: (r) => r.note },
        { title: '撤销', value: (r) => (r.withdrawnOn ? `${date(r.withdrawnOn)}：${r.withdrawalReason}` : '—') },
        { title: '修复', value: (r) => (r.repairs.length ? r.repairs.map((p) => `${date(p.requestedOn)} 申请 ${p.decision ? label(p.decision) : '待处理'}`).join('；') : '—') },
      ],
      empty: '没有信用记录',
    })))
}

export const regulatorViews = [
  { section: SECTION, path: '/regulator/overview', title: '区县概览', render: overviewView },
  { section: SECTION, path: '/regulator/health', title: '健康指数', render: healthView },
  { section: SECTION, path: '/regulator/health/:id', title: '小区健康指数', menu: false, render: communityHealthView },
  { section: SECTION, path: '/regulator/credit', title: '信用评价', render: creditView },
  { section: SECTION, path: '/regulator/credit/:id', title: '企业信用评价', menu: false, render: companyCreditView },
]
