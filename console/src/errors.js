// Errors as the API types them, shown in plain Chinese: a heading for the kind, then the
// API's own message (and the field it names). Never a JSON dump.
import { h } from './dom.js'

export const HEADINGS = {
  ValidationError: '输入有误',
  NotFound: '未找到',
  Forbidden: '无权访问',
  Conflict: '操作冲突',
  RateLimited: '操作过于频繁',
  Unavailable: '平台暂时不可用',
  Unauthenticated: '请重新登录',
  Transport: '请求失败',
}

const HINTS = {
  ValidationError: '请检查标出的输入后再试。',
  NotFound: '要找的对象不存在，或不在您的权限范围内。',
  Forbidden: '您的身份不能查看或进行这项操作。',
  Conflict: '数据已被他人修改，请刷新后再试。',
  RateLimited: '请稍候再试。',
  Unavailable: '请稍后再试，本次操作未执行。',
  Unauthenticated: '令牌已过期或已撤销，请重新粘贴令牌登录。',
  Transport: '请稍后再试。',
}

/** The box that says what went wrong (kind: a typed error's __typename). */
export function errorBox(error) {
  const kind = error?.kind || 'Transport'
  return h('div', { class: `error error-${kind}`, role: 'alert', dataset: { kind } },
    h('strong', { class: 'error-heading' }, HEADINGS[kind] || HEADINGS.Transport),
    h('p', { class: 'error-hint' }, HINTS[kind] || HINTS.Transport),
    error?.message ? h('p', { class: 'error-message' }, `平台说明：${error.message}`) : null,
    error?.field ? h('p', { class: 'error-field' }, `涉及字段：${error.field}`) : null)
}
