// Every view of the console, by role. A view: { path, title, roles, menu (shown in the menu;
// false for detail pages), render(main, ctx) }. To add a role's views, write a module like
// committee.js exporting its list and add it here; the menu and routes follow.
import { committeeViews } from './committee.js'
import { companyViews } from './company.js'
import { meterViews } from './meters.js'
import { reconciliationViews } from './reconciliation.js'
import { regulatorViews } from './regulator.js'
import { residentViews } from './resident.js'

export const ALL_ROLES = ['PLATFORM_ADMIN', 'REGULATOR', 'COMPANY_STAFF', 'COMMITTEE_MEMBER', 'RESIDENT']

// Menu sections in order; a view's `section` names one. The platform admin sees every section.
export const SECTIONS = [
  { id: 'regulator', title: '住建监管', roles: ['REGULATOR'] },
  { id: 'committee', title: '业委会', roles: ['COMMITTEE_MEMBER'] },
  { id: 'company', title: '物业服务', roles: ['COMPANY_STAFF'] },
  { id: 'resident', title: '我的家', roles: ['RESIDENT'] },
]

export const VIEWS = [...regulatorViews, ...committeeViews, ...companyViews, ...meterViews, ...reconciliationViews, ...residentViews]

export function mayOpen(view, role) {
  const section = SECTIONS.find((s) => s.id === view.section)
  return role === 'PLATFORM_ADMIN' || (view.roles || section?.roles || []).includes(role)
}

/** Where a role lands after signing in. */
export function homeOf(role) {
  const first = VIEWS.find((view) => view.menu !== false && mayOpen(view, role))
  return first ? first.path : '/'
}
