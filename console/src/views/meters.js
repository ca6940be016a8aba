// 抄表 (company staff): a community's meter book — its rounds, meters and their last
// readings; a round opened, its readings file imported (rows / entered / flagged), the flagged
// readings reviewed, a reading entered or corrected with a reason, the round's 公摊 per
// common meter; then on to 计费, which bills the round.
import { E, ask } from '../api.js'
import { figure, h, mount, section } from '../dom.js'
import { communityInfo } from '../estate.js'
import { errorBox } from '../errors.js'
import { count, dateTime, label, today, yuan } from '../format.js'
import { base64Of, clearProblem, fileFormat, onFileSubmit, showProblem } from '../forms.js'
import { href, navigate, params } from '../router.js'
import { communityFrame as frame } from '../scope.js'
import { table } from '../table.js'
import { act } from './work.js'

const SECTION = 'company'
const PAGE = 'pageInfo { hasNextPage endCursor totalCount }'
const LOOKUP = E('ValidationError', 'NotFound', 'Forbidden')

const BOOK = `query($c: ID!) { meterBook(communityId: $c) { ${LOOKUP}
  ... on MeterBook { sharingMethod prices { kind tiers { upTo price } } rounds { period status billedIn readings flagged } } } }`
const METERS = `query($c: ID!, $first: Int!, $after: String) { meters(communityId: $c, first: $first, after: $after) { ${LOOKUP}
  ... on MeterConnection { meters { id kind number multiplier unitId servedUnits lastReading lastReadIn replacedIn } ${PAGE} } } }`
const READING = `meterId meterNumber kind unitId reading consumption flag source corrected recordedAt
  corrections { previous reading correctedAt }`
const READINGS = `query($c: ID!, $p: String!, $flagged: Boolean!, $first: Int!, $after: String) {
  meterReadings(communityId: $c, period: $p, flaggedOnly: $flagged, first: $first, after: $after) { ${LOOKUP}
    ... on MeterReadingConnection { readings { ${READING} } ${PAGE} } } }`
const SHARING = `query($c: ID!, $p: String!) { meterSharing(communityId: $c, period: $p) { ${LOOKUP}
  ... on MeterSharing { sharingMethod commonMeters { meterId meterNumber kind servedUnits consumption unitsConsumption sharedConsumption sharedFen } } } }`
const BOOK_REPLY = 'book { rounds { period } }'

const UNITS = { WATER: '吨', ELECTRICITY: '度', GAS: 'm³', HEAT: 'GJ' }

/** A quantity as the API sends it (a decimal string), trailing zeros dropped: "12.5000" → "12.5". */
function quantity(value, kind = null) {
  if (value === null || value === undefined) return '—'
  const text = String(value).includes('.') ? String(value).replace(/\.?0+$/, '') : String(value)
  return kind ? `${text} ${UNITS[kind] || ''}`.trim() : text
}

function thisMonth() {
  return today().slice(0, 7)
}

// The platform's refusals of a reading, in plain Chinese (its own words stay below them).
const PLAIN = [
  [/^(\S+) is lower than meter (\S+)'s last reading (\S+) \(([^)]+)\)/,
    (m) => `读数 ${m[1]} 低于表 ${m[2]} 的上次读数 ${m[3]}（${m[4].replace('initial reading, installed', '初始读数，启用于')}）。换了新表请走“换表”，不要录低读数。`],
  [/^(\S+) is above meter (\S+)'s reading of (\S+)/, (m) => `读数 ${m[1]} 高于表 ${m[2]} 在 ${m[3]} 的读数。`],
  [/^is the reading recorded already/, () => '与已记录的读数相同，无需更正。'],
  [/was read as (\S+) in (\S+): correct it/, (m) => `该表在 ${m[2]} 已录入读数 ${m[1]}，请用“更正”并写明原因。`],
  [/^no reading round of (\S+)/, (m) => `${m[1]} 还没有开启抄表轮次，请先开启。`],
  [/^the round of (\S+) was billed/, (m) => `${m[1]} 的轮次已计费，读数已定稿。`],
  [/^rounds are opened in order: (\S+) is open/, (m) => `抄表轮次须按月份顺序开启：${m[1]} 已开启。`],
  [/^the reading round of (\S+) is open already/, (m) => `${m[1]} 的抄表轮次已经开启。`],
  [/^row (\d+), (\S+): (.*)$/, (m) => `文件第 ${m[1]} 行「${m[2]}」有误：${m[3]}`],
]

function plainWords(error) {
  for (const [pattern, say] of PLAIN) {
    const found = pattern.exec(error?.message || '')
    if (found) return { ...error, kind: error.kind, field: error.field, message: `${say(found)}（${error.message}）` }
  }
  return error
}

async function metersView(main, ctx) {
  const scope = await frame(main, ctx, '抄表')
  if (!scope) return
  const community = scope.community
  const info = await communityInfo(community)
  const book = await ask('meterBook', BOOK, { c: community }, 'MeterBook')
  const rounds = book.rounds
  const period = params().get('period') || rounds[0]?.period || thisMonth()
  const round = rounds.find((r) => r.period === period) || null
  const go = (p) => navigate(href(ctx.path, { ...Object.fromEntries(params()), period: p }))
  const refresh = () => go(period)

  // ---- the book: figures, prices, rounds; a round opened ----------------------------------
  const prices = book.prices.length ? book.prices.map(priceText).join('；') : '尚未设置（计费前需设置单价）'
  main.append(h('div', { class: 'figures', dataset: { testid: 'meter-figures' } },
    figure('本轮', period, round ? label(`ROUND_${round.status}`) : '尚未开启'),
    figure('已录读数', count(round?.readings ?? 0)),
    figure('待复核（异常）', count(round?.flagged ?? 0)),
    figure('公摊方式', label(`SHARE_${book.sharingMethod}`))),
  h('p', { class: 'hint' }, `单价：${prices}`))

  const openProblem = h('div')
  const month = h('input', { name: 'period', value: round ? nextMonth(rounds[0].period) : period, pattern: '\\d{4}-\\d{2}', maxlength: 7, required: true })
  const openReason = h('input', { name: 'reason', value: '月度抄表', maxlength: 500, required: true })
  const open = h('form', { class: 'inline open-round' }, h('label', {}, '月份 ', month), h('label', {}, '原因 ', openReason),
    h('button', { type: 'submit', class: 'primary' }, '开启抄表轮次'), openProblem)
  open.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearProblem(open, openProblem)
    try {
      await act('openReadingRound', 'OpenReadingRoundInput',
        { communityId: community, period: month.value.trim(), reason: openReason.value.trim() }, 'MeterBookPayload', BOOK_REPLY)
      go(month.value.trim())
    } catch (error) {
      showProblem(open, openProblem, error, plainWords)
    }
  })
  main.append(section('抄表轮次（点一行查看该轮）', table({
    testid: 'rounds', rows: rounds, pageSize: 12,
    columns: [
      { title: '月份', value: (r) => (r.period === period ? h('strong', {}, r.period) : r.period) },
      { title: '状态', value: (r) => h('span', { class: `tag ${r.status === 'OPEN' ? '' : 'good'}` }, label(`ROUND_${r.status}`)) },
      { title: '计费账期', value: (r) => r.billedIn || '—' },
      { title: '读数', value: (r) => count(r.readings), numeric: true },
      { title: '异常', value: (r) => (r.flagged ? h('span', { class: 'tag bad' }, count(r.flagged)) : '0'), numeric: true },
    ],
    onRow: (r) => go(r.period),
    empty: '还没有抄表轮次',
  }), open))

  // ---- the round: import, flagged, readings, 公摊 ----------------------------------------
  const panel = h('div', { id: 'reading-panel' })
  if (round?.status === 'OPEN') main.append(importSection(community, period, refresh))
  if (round) {
    const readingsTable = (flagged) => table({
      testid: flagged ? 'flagged-readings' : 'readings',
      load: async (first, after) => {
        const found = await ask('meterReadings', READINGS, { c: community, p: period, flagged, first, after }, 'MeterReadingConnection')
        return { rows: found.readings, pageInfo: found.pageInfo }
      },
      rowKey: (r) => r.meterId,
      columns: [
        { title: '表号', value: (r) => r.meterNumber },
        { title: '类型', value: (r) => label(`METER_${r.kind}`) },
        { title: '房号', value: (r) => (r.unitId ? info.unitLabel(r.unitId) : '公共表') },
        { title: '读数', value: (r) => quantity(r.reading), numeric: true },
        { title: '用量', value: (r) => quantity(r.consumption, r.kind), numeric: true },
        { title: '来源', value: (r) => label(`READ_${r.source}`) },
        { title: '复核', value: (r) => (r.flag ? h('span', { class: 'tag bad', title: flagText(r.flag) }, '异常') : r.corrected ? h('span', { class: 'tag' }, '已更正') : '—') },
        { title: '说明', value: (r) => (r.flag ? h('span', { class: 'flag' }, flagText(r.flag)) : corrections(r)) },
      ],
      onRow: round.status === 'OPEN' ? (r) => readingForm(panel, { community, period, reading: r, info, done: refresh }) : null,
      empty: flagged ? '本轮没有异常读数' : '本轮还没有读数',
    })
    main.append(section(`待复核的异常读数（${period}，用量超过近月中位数 3 倍；点一行更正）`, readingsTable(true)), panel,
      section(`本轮读数（${period}）`, readingsTable(false)),
      section(`本轮公摊（${period}，按公共表）`, sharingTable(community, period)))
  }
  main.append(section('表册（点一行为本轮录入读数）', table({
    testid: 'meters',
    load: async (first, after) => {
      const found = await ask('meters', METERS, { c: community, first, after }, 'MeterConnection')
      return { rows: found.meters, pageInfo: found.pageInfo }
    },
    columns: [
      { title: '表号', value: (m) => m.number },
      { title: '类型', value: (m) => label(`METER_${m.kind}`) },
      { title: '房号', value: (m) => (m.unitId ? info.unitLabel(m.unitId) : `公共表（${count(m.servedUnits)} 户）`) },
      { title: '倍率', value: (m) => quantity(m.multiplier), numeric: true },
      { title: '上次读数', value: (m) => quantity(m.lastReading), numeric: true },
      { title: '抄表月份', value: (m) => m.lastReadIn || '—' },
      { title: '状态', value: (m) => (m.replacedIn ? `${m.replacedIn} 已换表` : '在用') },
    ],
    onRow: round?.status === 'OPEN' ? (m) => readingForm(panel, { community, period, meter: m, info, done: refresh }) : null,
    empty: '还没有装表',
  })), section('计费', h('p', {}, '本轮读数复核完毕后，到 ', h('a', { href: href('/company/billing', { community: params().get('community') }) }, '计费'),
    ' 运行该月账期：计量费与公摊按户计入账单，同一账期重复运行不会重复出账。')))
}

/** 水表 3.45 元/吨, or in tiers (阶梯): 水表 ≤10 吨 3.45 元/吨，超出 4.83 元/吨. */
function priceText(price) {
  const per = `元/${UNITS[price.kind]}`
  if (price.tiers.length === 1) return `${label(`METER_${price.kind}`)} ${quantity(price.tiers[0].price)} ${per}`
  return `${label(`METER_${price.kind}`)} ${price.tiers.map((t) => `${t.upTo ? `≤${quantity(t.upTo, price.kind)}` : '超出'} ${quantity(t.price)} ${per}`).join('，')}`
}

/** Why a reading is flagged, in Chinese (the platform's words when not recognised). */
function flagText(flag) {
  const found = /^用量 (\S+) is over (\d+)× the median (\S+) of its last (\d+) months/.exec(flag)
  return found ? `用量 ${quantity(found[1])} 超过近 ${found[4]} 个月用量中位数 ${quantity(found[3])} 的 ${found[2]} 倍` : flag
}

function nextMonth(period) {
  const [y, m] = period.split('-').map(Number)
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`
}

function corrections(reading) {
  if (!reading.corrections.length) return '—'
  return reading.corrections.map((c) => `${dateTime(c.correctedAt)} 由 ${quantity(c.previous)} 更正为 ${quantity(c.reading)}`).join('；')
}

/** 导入读数: a smart-meter export or the meter readers' sheet (表号, 读数, 抄表时间). */
function importSection(community, period, refresh) {
  const file = h('input', { type: 'file', name: 'content', accept: '.csv,.xlsx', required: true })
  const reason = h('input', { name: 'reason', value: `${period} 抄表导入`, maxlength: 500, required: true })
  const problem = h('div')
  const outcome = h('div', { dataset: { testid: 'import-outcome' }, 'aria-live': 'polite' })
  const form = h('form', { class: 'inline import-readings' }, h('label', {}, '读数文件（CSV / Excel） ', file),
    h('label', {}, '原因 ', reason), h('button', { type: 'submit', class: 'primary' }, '导入'), problem)
  onFileSubmit(form, {
    file, problem, busy: outcome, waiting: '导入中…', plain: plainWords,
    send: async (chosen) => {
      const format = fileFormat(chosen)
      const content = format === 'XLSX' ? await base64Of(chosen) : await chosen.text()
      const done = await act('importReadings', 'ImportReadingsInput',
        { communityId: community, period, format, content, reason: reason.value.trim() }, 'MeterBookPayload', 'imported { rows entered flagged }')
      if (!done.imported) return mount(outcome, h('p', { class: 'outcome' }, '导入已记录，稍后刷新查看'))
      return mount(outcome, h('div', { class: 'figures' },
        figure('文件行数', count(done.imported.rows)),
        figure('新录入', count(done.imported.entered), '与已录相同的行不重复录入'),
        figure('异常待复核', count(done.imported.flagged))),
      h('button', { type: 'button', class: 'reload', onclick: refresh }, '刷新本轮读数'))
    },
  })
  return section(`导入读数（${period}，整份文件检查无误才录入）`,
    h('p', { class: 'hint' }, '列：表号、读数、抄表时间（智能表导出或抄表员表格均可）。'), form, outcome)
}

/** 录入 (a meter not read yet this round) or 更正 (a reading recorded) with the reason. */
function readingForm(holder, { community, period, reading = null, meter = null, info, done }) {
  const correcting = reading !== null || (meter && meter.lastReadIn === period)
  const number = reading ? reading.meterNumber : meter.number
  const meterId = reading ? reading.meterId : meter.id
  const unitId = reading ? reading.unitId : meter.unitId
  const current = reading ? reading.reading : meter.lastReading
  const value = h('input', { name: 'reading', inputmode: 'decimal', maxlength: 12, required: true, pattern: '\\d+(\\.\\d{1,2})?', value: '' })
  const why = h('input', { name: 'reason', maxlength: 500, required: true, placeholder: correcting ? '如：复核表盘，原读数录错' : '如：抄表员现场抄读' })
  const problem = h('div')
  const form = h('form', { class: 'inline reading-form' },
    h('label', {}, correcting ? '更正为 ' : '本轮读数 ', value), h('label', {}, '原因 ', why),
    h('button', { type: 'submit', class: 'primary' }, correcting ? '更正读数' : '录入读数'), problem)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearProblem(form, problem)
    try {
      await act(correcting ? 'correctReading' : 'enterReading', correcting ? 'CorrectReadingInput' : 'EnterReadingInput',
        { communityId: community, meterId, period, reading: value.value.trim(), reason: why.value.trim() }, 'MeterBookPayload', BOOK_REPLY)
      done()
    } catch (error) {
      showProblem(form, problem, error, plainWords)
    }
  })
  mount(holder, section(`${correcting ? '更正' : '录入'}读数：表 ${number}（${unitId ? info.unitLabel(unitId) : '公共表'}）${period}`,
    h('p', { class: 'hint' }, correcting ? `当前读数 ${quantity(current)}${reading?.flag ? `；异常：${flagText(reading.flag)}` : ''}。更正会留下原读数与原因。`
      : `上次读数 ${quantity(current)}。`), form))
  value.focus()
}

function sharingTable(community, period) {
  const holder = h('div', { dataset: { testid: 'sharing' } }, h('p', { class: 'loading' }, '正在加载…'))
  ask('meterSharing', SHARING, { c: community, p: period }, 'MeterSharing').then((found) => {
    const total = found.commonMeters.reduce((sum, m) => sum + (m.sharedFen || 0), 0)
    mount(holder, h('p', { class: 'hint' }, `公共表用量减去所供各户分表用量之和为公摊用量，按${label(`SHARE_${found.sharingMethod}`)}分摊到户（按首档单价计价，四舍五入一次到分，按最大余数分到户，合计分毫不差）。`),
      table({
        rows: found.commonMeters,
        columns: [
          { title: '公共表', value: (m) => m.meterNumber },
          { title: '类型', value: (m) => label(`METER_${m.kind}`) },
          { title: '所供户数', value: (m) => count(m.servedUnits), numeric: true },
          { title: '公共表用量', value: (m) => quantity(m.consumption, m.kind), numeric: true },
          { title: '分表合计', value: (m) => quantity(m.unitsConsumption, m.kind), numeric: true },
          { title: '公摊用量', value: (m) => quantity(m.sharedConsumption, m.kind), numeric: true },
          { title: '公摊金额', value: (m) => (m.sharedFen === null ? '未设单价' : yuan(m.sharedFen)), numeric: true },
        ],
        empty: '本轮没有公共表读数',
      }), found.commonMeters.length ? h('p', { class: 'outcome' }, `本轮公摊合计 ${yuan(total)}`) : null)
  }).catch((error) => mount(holder, errorBox(error)))
  return holder
}

export const meterViews = [
  { section: SECTION, path: '/company/meters', title: '抄表', render: metersView },
]
