// The console's only server: /graphql (POST for queries and mutations, graphql-transport-ws
// for subscriptions). Results that are typed errors (a union's ValidationError, NotFound, …)
// become an ApiError, shown by errors.js as the API says them, in plain Chinese.
import { signOut, token } from './session.js'

export const ENDPOINT = '/graphql'

// The typed errors of the API and what each carries. `E(...)` writes their selections for the
// members of one union (a fragment on a type outside the union would not validate).
const ERROR_FIELDS = {
  ValidationError: 'field message',
  NotFound: 'field message',
  Forbidden: 'message',
  Conflict: 'message',
  RateLimited: 'message retryAfterSeconds',
  Unavailable: 'message',
}
export const ERROR_TYPES = new Set(Object.keys(ERROR_FIELDS))

/** `__typename` and the selections of the named error types: E('NotFound', 'Forbidden'). */
export function E(...types) {
  const names = types.length ? types : ['ValidationError', 'NotFound', 'Forbidden']
  return `__typename ${names.map((t) => `... on ${t} { ${ERROR_FIELDS[t]} }`).join(' ')}`
}

/** A typed error of the API (kind = its __typename), or the transport's (kind = 'Transport'). */
export class ApiError extends Error {
  constructor(kind, message, field = null, extra = {}) {
    super(message)
    this.kind = kind
    this.field = field
    Object.assign(this, extra)
  }
}

/** Sign-in is needed (401): the token is missing, expired or revoked. */
export class SignedOut extends ApiError {}

export async function gql(query, variables = {}) {
  let response
  try {
    response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token() || ''}` },
      body: JSON.stringify({ query, variables }),
    })
  } catch {
    throw new ApiError('Transport', '无法连接到平台，请检查网络或稍后再试')
  }
  let body = null
  try {
    body = await response.json()
  } catch {
    body = null
  }
  const first = body?.errors?.[0]
  if (response.status === 401) {
    signOut()
    throw new SignedOut('Unauthenticated', first?.message || 'the token is not valid')
  }
  if (response.status === 503) throw new ApiError('Unavailable', first?.message || '')
  if (!body || (first && !body.data)) {
    throw new ApiError('Transport', first?.message || `HTTP ${response.status}`)
  }
  if (first) throw new ApiError('Transport', first.message)
  return body.data
}

/** The result itself, or its typed error thrown: expect(data.fund, 'MaintenanceFund'). */
export function expect(result, ...typenames) {
  if (result && ERROR_TYPES.has(result.__typename)) {
    throw new ApiError(result.__typename, result.message, result.field || null, {
      retryAfterSeconds: result.retryAfterSeconds,
    })
  }
  if (typenames.length && !typenames.includes(result?.__typename)) {
    throw new ApiError('Transport', `unexpected ${result?.__typename}`)
  }
  return result
}

/** One query field, checked: await ask('maintenanceFund', QUERY, vars, 'MaintenanceFund'). */
export async function ask(field, query, variables, ...typenames) {
  const data = await gql(query, variables)
  return expect(data[field], ...typenames)
}

/**
 * A subscription over graphql-transport-ws on /graphql: signs in with the token in
 * connection_init (a browser cannot set headers on a websocket), subscribes, and calls
 * onNext(data) for each result; onListening() once the server has read the subscription.
 * Returns a function that ends it.
 */
export function subscribe(query, variables, { onNext, onError = () => {}, onClosed = () => {}, onListening = () => {} }) {
  const url = new URL(ENDPOINT, window.location.href)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  const socket = new WebSocket(url.href, 'graphql-transport-ws')
  const id = '1'
  let ended = false
  let listening = false
  const send = (message) => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message))
  socket.addEventListener('open', () => {
    send({ type: 'connection_init', payload: { authorization: `Bearer ${token() || ''}` } })
  })
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(event.data)
    switch (message.type) {
      case 'connection_ack':
        send({ id, type: 'subscribe', payload: { query, variables } })
        // The server answers messages in order: a pong after the subscribe says it was read.
        send({ type: 'ping' })
        break
      case 'ping':
        send({ type: 'pong' })
        break
      case 'pong':
        if (!listening) {
          listening = true
          onListening()
        }
        break
      case 'next':
        if (message.payload.errors?.length) onError(new ApiError('Transport', message.payload.errors[0].message))
        else onNext(message.payload.data)
        break
      case 'error':
        onError(new ApiError('Transport', message.payload?.[0]?.message || 'subscription refused'))
        break
      case 'complete':
        ended = true
        socket.close(1000)
        break
      default:
        break
    }
  })
  socket.addEventListener('close', (event) => {
    if (event.code === 4401 || event.code === 4403) {
      onError(new SignedOut('Unauthenticated', event.reason || 'the token is not valid'))
    }
    onClosed(event, ended)
  })
  return () => {
    if (!ended) send({ id, type: 'complete' })
    ended = true
    socket.close(1000)
  }
}
