// Client-side routes under /console/ (the server answers every unknown /console/<path> with
// the app's page). A view: { path, title, menu, roles, render(main, ctx) }; views register by
// role in views/index.js, and the menu shows those the signed-in role may open.

export const BASE = '/console'
const listeners = []

/** "/committee/fund" of "/console/committee/fund?community=…". */
export function currentPath() {
  const path = window.location.pathname.startsWith(BASE)
    ? window.location.pathname.slice(BASE.length)
    : window.location.pathname
  return path.replace(/\/+$/, '') || '/'
}

export function params() {
  return new URLSearchParams(window.location.search)
}

/** An href inside the console, with query parameters (null values left out). */
export function href(path, query = {}) {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, value)
  }
  const text = search.toString()
  return `${BASE}${path}${text ? `?${text}` : ''}`
}

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  for (const listener of listeners) listener()
}

export function onNavigate(listener) {
  listeners.push(listener)
  window.addEventListener('popstate', listener)
}

/** Links inside the console navigate without a reload (ctrl/cmd-click still opens a tab). */
export function interceptLinks(root) {
  root.addEventListener('click', (event) => {
    const anchor = event.target.closest('a[href]')
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return
    const url = new URL(anchor.href, window.location.href)
    if (url.origin !== window.location.origin || !url.pathname.startsWith(BASE)) return
    event.preventDefault()
    navigate(url.pathname + url.search)
  })
}

/** The view for a path: exact match, else the longest "/prefix/:param" pattern that fits. */
export function match(views, path) {
  for (const view of views) {
    const names = []
    const pattern = new RegExp(`^${view.path.replace(/:([a-zA-Z]+)/g, (_, name) => {
      names.push(name)
      return '([^/]+)'
    })}$`)
    const found = pattern.exec(path)
    if (found) {
      return { view, args: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])])) }
    }
  }
  return null
}
