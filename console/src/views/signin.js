// 登录: paste a token. In development `gongzhi token --role …` prints one.
import { h } from '../dom.js'
import { signIn } from '../session.js'

export function signInPage({ message = null, onSignedIn }) {
  const field = h('textarea', { id: 'token', name: 'token', rows: 5, required: true, autocomplete: 'off',
    spellcheck: 'false', placeholder: 'eyJhbGciOiJIUzI1NiIs…' })
  const problem = h('p', { class: 'form-problem', role: 'alert' }, message || '')
  const form = h('form', { class: 'signin card' },
    h('h1', {}, '共治 · 长效管理控制台'),
    h('p', {}, '请粘贴您的访问令牌登录。令牌只保存在本标签页中，关闭标签页即退出。'),
    h('label', { for: 'token' }, '访问令牌'), field, problem,
    h('button', { type: 'submit', class: 'primary' }, '登录'),
    h('p', { class: 'hint' }, '令牌由平台管理员发放；开发环境中运行 ', h('code', {}, 'gongzhi token --role …'),
      ' 即可打印一个。'),
    h('details', { class: 'hint' }, h('summary', {}, '命令示例'),
      h('pre', {}, [
        '.venv/bin/gongzhi token --role COMMITTEE_MEMBER --community <小区id> --person <人员id>',
        '.venv/bin/gongzhi token --role REGULATOR --district 红塔区',
        '.venv/bin/gongzhi token --role PLATFORM_ADMIN',
      ].join('\n'))))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (signIn(field.value)) onSignedIn()
    else problem.textContent = '这不是有效的令牌：请完整粘贴 gongzhi token 打印的那一行。'
  })
  return form
}
