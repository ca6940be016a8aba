// The signed-in token, kept for this tab only (sessionStorage), and what it says of its bearer.
// The token's claims are read for the menu only; the server checks everything on every request.

const KEY = 'gongzhi-console-token'

export const ROLE_LABELS = {
  PLATFORM_ADMIN: '平台管理员',
  REGULATOR: '住建部门',
  COMPANY_STAFF: '物业服务企业',
  COMMITTEE_MEMBER: '业委会成员',
  RESIDENT: '业主/住户',
}

export function token() {
  return sessionStorage.getItem(KEY)
}

export function claims(value = token()) {
  if (!value) return null
  try {
    const part = value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(part + '='.repeat((4 - (part.length % 4)) % 4)), (c) => c.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return null
  }
}

/** Keep a pasted token, if it reads as one of ours (the server decides whether it opens). */
export function signIn(value) {
  const trimmed = value.trim().replace(/^Bearer\s+/i, '')
  const read = claims(trimmed)
  if (!read || !ROLE_LABELS[read.role]) return false
  sessionStorage.setItem(KEY, trimmed)
  return true
}

export function signOut() {
  sessionStorage.removeItem(KEY)
}

/** Who is signed in: role, name, scope, from the token (the `viewer` query confirms it). */
export function who() {
  const read = claims()
  if (!read) return null
  return {
    role: read.role,
    name: read.name || read.sub,
    subject: read.sub,
    districts: read.districts || [],
    companyId: read.company_id || null,
    communityId: read.community_id || null,
    unitIds: read.unit_ids || [],
    personId: read.person_id || null,
    expiresAt: read.exp ? new Date(read.exp * 1000) : null,
  }
}
