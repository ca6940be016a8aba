// The console's shell: sign-in, the role-aware menu, and the view of the address.
import './style.css'
import { SignedOut, ask } from './api.js'
import { h, mount } from './dom.js'
import { errorBox } from './errors.js'
import { dateTime } from './format.js'
import { BASE, currentPath, href, interceptLinks, match, navigate, onNavigate } from './router.js'
import { ROLE_LABELS, signIn, signOut, token, who } from './session.js'
import { SECTIONS, VIEWS, homeOf, mayOpen } from './views/index.js'
import { signInPage } from './views/signin.js'

const root = document.getElementById('app')
const VIEWER = `query { viewer { __typename subject name role districts companyId communityId personId unitIds
  expiresAt lapsed } }`
let viewer = null // the `viewer` query's answer (a promise), asked once per sign-in
let leaving = [] // what the current view asked to stop when it is left (subscriptions, charts)
let signInMessage = null
// Where a role with no views yet lands.
const WELCOME = {
  title: '首页', menu: false, roles: ['PLATFORM_ADMIN', 'REGULATOR', 'COMPANY_STAFF', 'COMMITTEE_MEMBER', 'RESIDENT'],
  render: (main) => mount(main, h('h1', {}, '欢迎使用共治控制台'), h('p', {}, '请从左侧菜单选择要查看的内容。')),
}

function leave() {
  for (const stop of leaving) {
    try { stop() } catch { /* already stopped */ }
  }
  leaving = []
}

function showSignIn() {
  document.title = '登录 · 共治控制台'
  queueMicrotask(() => performance.mark('gongzhi:sign-in-rendered'))
  mount(root, signInPage({
    message: signInMessage,
    onSignedIn: () => {
      signInMessage = null
      viewer = null
      navigate(`${BASE}/`, { replace: true })
    },
  }))
}

function menu(role, path) {
  return h('nav', { class: 'menu', 'aria-label': '功能菜单' }, SECTIONS.map((section) => {
    const views = VIEWS.filter((v) => v.section === section.id && v.menu !== false && mayOpen(v, role))
    if (views.length === 0) return null
    return h('div', { class: 'menu-section' }, h('h3', {}, section.title),
      h('ul', {}, views.map((v) => h('li', {}, h('a', {
        href: href(v.path), class: path === v.path || path.startsWith(`${v.path}/`) ? 'active' : '',
      }, v.title)))))
  }))
}

async function render() {
  leave()
  if (!token()) return showSignIn()
  const me = who()
  // The platform's word on who this is (scope narrowed to today's facts), asked once per
  // sign-in and not waited for: the view renders from the token's claims meanwhile, and
  // the name in the corner follows the answer. A token the platform refuses signs out.
  if (!viewer) {
    viewer = ask('viewer', VIEWER, {}, 'Viewer').catch((error) => {
      if (error instanceof SignedOut) {
        signInMessage = `登录已失效（${error.message}），请重新粘贴令牌。`
        viewer = null
        showSignIn()
      }
      return null
    })
  }
  const path = currentPath()
  const home = homeOf(me.role)
  if ((path === '/' || path === '/signin') && home !== '/') return navigate(href(home), { replace: true })
  const found = path === '/' ? { view: WELCOME, args: {} } : match(VIEWS, path)
  const main = h('main', { id: 'main' })
  const ctx = {
    who: me, viewer, path, args: found?.args || {},
    onLeave: (stop) => leaving.push(stop),
  }
  const name = h('span', { class: 'who', dataset: { role: me.role } }, `${me.name}（${ROLE_LABELS[me.role]}）`)
  viewer.then((confirmed) => {
    if (!confirmed) return
    name.textContent = `${confirmed.name || confirmed.subject}（${ROLE_LABELS[confirmed.role]}）${confirmed.lapsed ? '：今日已无权限' : ''}`
  })
  mount(root,
    h('header', { class: 'top' },
      h('a', { class: 'brand', href: href('/') }, '共治 · 控制台'),
      name,
      me.expiresAt ? h('span', { class: 'expires' }, `令牌有效至 ${dateTime(me.expiresAt.toISOString())}`) : null,
      h('button', { type: 'button', class: 'signout', onclick: () => { signOut(); viewer = null; render() } }, '退出')),
    h('div', { class: 'body' }, menu(me.role, path), main))
  if (!found) {
    document.title = '未找到 · 共治控制台'
    return mount(main, errorBox({ kind: 'NotFound', message: `没有这个页面：${path}` }))
  }
  document.title = `${found.view.title} · 共治控制台`
  if (!mayOpen(found.view, me.role)) {
    return mount(main, errorBox({ kind: 'Forbidden', message: `${ROLE_LABELS[me.role]}不能打开“${found.view.title}”` }))
  }
  try {
    await found.view.render(main, ctx)
    // For the load-time benchmark (bench/bench_console.py): the view is on the screen.
    performance.mark('gongzhi:view-rendered')
  } catch (error) {
    if (error instanceof SignedOut) {
      signInMessage = `登录已失效（${error.message}），请重新粘贴令牌。`
      return showSignIn()
    }
    mount(main, h('h1', {}, found.view.title), errorBox(error))
  }
  return undefined
}

// `gongzhi run` prints a link ending in #token=…: the fragment never reaches the server; the
// token is kept for this tab and leaves the address bar.
const fragment = new URLSearchParams(window.location.hash.slice(1))
if (fragment.get('token')) {
  signIn(fragment.get('token'))
  history.replaceState(null, '', window.location.pathname + window.location.search)
}

interceptLinks(root)
onNavigate(render)
render()
