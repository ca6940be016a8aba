// A tiny element builder: h('a', {href, onclick}, 'text', child…). No framework.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value)
    else if (key === 'class') el.className = value
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else if (value === true) el.setAttribute(key, '')
    else el.setAttribute(key, String(value))
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue
    if (Array.isArray(child)) append(el, child)
    else el.append(child instanceof Node ? child : String(child))
  }
}

/** Replace a container's content. */
export function mount(container, ...children) {
  container.replaceChildren()
  append(container, children)
  return container
}

/** A labelled figure: 标签 + 数值, for the summaries at the top of a view. */
export function figure(label, value, hint) {
  return h('div', { class: 'figure' }, h('div', { class: 'figure-label' }, label),
    h('div', { class: 'figure-value' }, value), hint ? h('div', { class: 'figure-hint' }, hint) : null)
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children)
}

export function loading() {
  return h('p', { class: 'loading' }, '正在加载…')
}

/** Hand a file made in the page to the browser's downloads. */
export function saveBlob(blob, fileName) {
  const anchor = h('a', { href: URL.createObjectURL(blob), download: fileName })
  document.body.append(anchor)
  anchor.click()
  anchor.remove()
  setTimeout(() => URL.revokeObjectURL(anchor.href), 60_000)
}
