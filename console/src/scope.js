// Which community or district a view is about: the token's own (a committee member's
// community, a regulator's district), else the one chosen in the address (?community=,
// ?district=), else a picker. The server checks scope on every request regardless.
import { E, ask } from './api.js'
import { h, mount } from './dom.js'
import { communityInfo } from './estate.js'
import { errorBox } from './errors.js'
import { href, navigate, params } from './router.js'

const COMMUNITIES = `query($filter: CommunityFilter, $after: String) {
  communities(filter: $filter, first: 50, after: $after) {
    ${E('ValidationError')} ... on CommunityConnection { edges { node { id name district street } } }
  }
}`

/** A view's heading with the community's name: { community, info } in scope, or null
 * after rendering a picker into main (the 物业 and 业委会 views). */
export async function communityFrame(main, ctx, title) {
  const community = communityOf(ctx, main)
  if (!community) return null
  const info = await communityInfo(community)
  mount(main, h('h1', {}, title, h('span', { class: 'scope' }, ` · ${info.name}`)))
  return { community, info }
}

/** The community id in scope, or null after rendering a picker into main. */
export function communityOf(ctx, main) {
  const chosen = params().get('community')
  if (ctx.who.communityId && (!chosen || chosen === ctx.who.communityId)) return ctx.who.communityId
  if (chosen) return chosen
  const name = h('input', { type: 'search', name: 'nameContains', maxlength: 100, placeholder: '小区名称' })
  const list = h('ul', { class: 'picker' })
  const search = async () => {
    try {
      const found = await ask('communities', COMMUNITIES,
        { filter: { nameContains: name.value.trim() || null } }, 'CommunityConnection')
      mount(list, found.edges.length === 0 ? h('li', {}, '没有找到小区') : found.edges.map(({ node }) =>
        h('li', {}, h('a', { href: href(ctx.path, { ...Object.fromEntries(params()), community: node.id }) },
          `${node.name}（${node.district}·${node.street}）`))))
    } catch (error) {
      mount(list, errorBox(error))
    }
  }
  mount(main, h('h1', {}, '选择小区'), h('section', { class: 'card' },
    h('form', { onsubmit: (event) => { event.preventDefault(); search() } }, name,
      h('button', { type: 'submit' }, '查找')), list))
  search()
  return null
}

/** The district in scope, or null after rendering a chooser into main. */
export function districtOf(ctx, main) {
  const chosen = params().get('district')
  if (chosen && (ctx.who.districts.length === 0 || ctx.who.districts.includes(chosen))) return chosen
  if (ctx.who.districts.length > 0) return ctx.who.districts[0]
  const field = h('input', { name: 'district', maxlength: 50, required: true, placeholder: '如：红塔区' })
  mount(main, h('h1', {}, '选择区县'), h('section', { class: 'card' },
    h('form', {
      onsubmit: (event) => {
        event.preventDefault()
        navigate(href(ctx.path, { ...Object.fromEntries(params()), district: field.value.trim() }))
      },
    }, field, h('button', { type: 'submit' }, '查看'))))
  return null
}

/** A district switcher for a regulator of several districts (or an admin). */
export function districtSwitch(ctx, district) {
  const options = ctx.who.districts
  if (options.length < 2) return h('span', { class: 'scope' }, `区县：${district}`)
  const select = h('select', {
    onchange: () => navigate(href(ctx.path, { ...Object.fromEntries(params()), district: select.value })),
  }, options.map((d) => h('option', { value: d, selected: d === district }, d)))
  return h('label', { class: 'scope' }, '区县：', select)
}
