// Formatting, in one place: money, dates and times (Asia/Shanghai), enum codes in Chinese.
// Amounts arrive as whole fen (分, a JSON integer); each figure is rounded once, half away
// from zero, at the last place shown (元: none needed; 万元: 0.01 万元 = 100 元).
import { LABELS } from './labels.js'

const ZONE = 'Asia/Shanghai'
const GROUPED = new Intl.NumberFormat('zh-CN')

function grouped(digits) {
  // Digits of a non-negative integer, grouped by thousands (exact for any length).
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

function split(fen, places) {
  // |fen| / 10^places as [whole, fraction] strings, exactly (fen may exceed 2^31).
  const digits = String(Math.abs(Number(fen))).padStart(places + 1, '0')
  return [digits.slice(0, -places), digits.slice(-places)]
}

/** 12345 → "123.45 元" (two decimals, thousands grouped); null → "—". */
export function yuan(fen, { unit = true } = {}) {
  if (fen === null || fen === undefined || fen === '') return '—'
  const [whole, fraction] = split(fen, 2)
  const sign = Number(fen) < 0 ? '-' : ''
  return `${sign}${grouped(whole)}.${fraction}${unit ? ' 元' : ''}`
}

/** 123456789 fen → "123.46 万元": rounded once, half away from zero, to 0.01 万元. */
export function wanYuan(fen, { unit = true } = {}) {
  if (fen === null || fen === undefined || fen === '') return '—'
  const abs = Math.abs(Number(fen))
  const hundredths = Math.floor((abs + 5000) / 10000) // 0.01 万元 = 10,000 fen
  const [whole, fraction] = split(hundredths, 2)
  const sign = Number(fen) < 0 && hundredths > 0 ? '-' : ''
  return `${sign}${grouped(whole)}.${fraction}${unit ? ' 万元' : ''}`
}

export function count(n) {
  return n === null || n === undefined ? '—' : GROUPED.format(n)
}

/** A ratio (0.1234 or "0.1234") as a percentage with one decimal. */
export function percent(ratio, places = 1) {
  if (ratio === null || ratio === undefined || ratio === '') return '—'
  return `${(Number(ratio) * 100).toFixed(places)}%`
}

export function decimal(value, places = 2) {
  if (value === null || value === undefined || value === '') return '—'
  return Number(value).toFixed(places)
}

const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
})
const DAY = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })

/** An instant (ISO 8601 with offset) in Beijing time: "2026/12/07 18:30:05". */
export function dateTime(value) {
  if (!value) return '—'
  return DATE_TIME.format(new Date(value))
}

/** A business date ("2026-12-07", already Asia/Shanghai) as is; an instant as its day there. */
export function date(value) {
  if (!value) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value.replaceAll('-', '/')
  return DAY.format(new Date(value))
}

/** Today's business date in Asia/Shanghai, as the API takes it ("2026-12-07"). */
export function today() {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date()).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

/** An enum code in Chinese (labels.js), the code itself when no label is known. */
export function label(code) {
  if (code === null || code === undefined) return '—'
  return LABELS[code] || code
}

export function yesNo(value) {
  return value ? '是' : '否'
}

/** The half-years up to today's, newest first: ["2026H2", "2026H1", …]. */
export function halfYears(n) {
  const [year, month] = today().split('-').map(Number)
  const out = []
  let y = year
  let half = month <= 6 ? 1 : 2
  for (let i = 0; i < n; i += 1) {
    out.push(`${y}H${half}`)
    half -= 1
    if (half === 0) { half = 2; y -= 1 }
  }
  return out
}

/** The quarters before today's, newest first: ["2026Q3", "2026Q2", …] (today's not ended). */
export function pastQuarters(n) {
  const [year, month] = today().split('-').map(Number)
  const out = []
  let y = year
  let q = Math.ceil(month / 3) - 1
  for (let i = 0; i < n; i += 1) {
    if (q === 0) { q = 4; y -= 1 }
    out.push(`${y}Q${q}`)
    q -= 1
  }
  return out
}

/** Half-year label in Chinese: 2026H1 → 2026年上半年. */
export function halfYearLabel(period) {
  const m = /^(\d{4})H([12])$/.exec(period)
  return m ? `${m[1]}年${m[2] === '1' ? '上' : '下'}半年` : period
}

/** Quarter label in Chinese: 2026Q3 → 2026年第三季度. */
export function quarterLabel(period) {
  const m = /^(\d{4})Q([1-4])$/.exec(period)
  return m ? `${m[1]}年第${'一二三四'[Number(m[2]) - 1]}季度` : period
}
