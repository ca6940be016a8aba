// What the forms of the 抄表 and 对账 pages share: a chosen file sent as the API takes it
// (CSV as text or base64, XLSX as base64), and a refusal shown beside the field it names.
import { h, mount } from './dom.js'
import { errorBox } from './errors.js'

/** The file's format by its name: XLSX for .xlsx, else CSV. */
export function fileFormat(file) {
  return /\.xlsx$/i.test(file.name) ? 'XLSX' : 'CSV'
}

/** The file's bytes as base64 (read in chunks: a 10 MiB statement overflows one call). */
export async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let text = ''
  for (let at = 0; at < bytes.length; at += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(at, at + 0x8000))
  }
  return btoa(text)
}

/**
 * A refusal in its box; the input the API's field names (input.reading → reading) is marked
 * and the box goes right after it, so the words are next to what they are about.
 */
export function showProblem(form, holder, error, plain = (e) => e) {
  clearProblem(form, holder)
  const shown = plain(error)
  const named = form.elements[String(error?.field || '').split('.').pop()]
  if (named instanceof HTMLElement) {
    named.setAttribute('aria-invalid', 'true')
    const box = errorBox(shown)
    box.classList.add('field-problem')
    named.closest('label')?.after(box)
    if (box.isConnected) return
  }
  mount(holder, errorBox(shown))
}

export function clearProblem(form, holder) {
  for (const marked of form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid')
  for (const box of form.querySelectorAll('.field-problem')) box.remove()
  mount(holder)
}

/**
 * A form that sends its chosen file: `send(file)` once one is chosen, `waiting` shown in
 * `busy` meanwhile (cleared on a refusal), a refusal beside its field (`plain` words it).
 */
export function onFileSubmit(form, { file, problem, busy, waiting, send, plain = undefined }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    clearProblem(form, problem)
    const chosen = file.files[0]
    if (!chosen) return
    mount(busy, h('p', { class: 'loading' }, waiting))
    try {
      await send(chosen)
    } catch (error) {
      mount(busy)
      showProblem(form, problem, error, plain)
    }
  })
}
