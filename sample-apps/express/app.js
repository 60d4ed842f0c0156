'use strict'
// Express 4 sample app (Debian's node-express). Implements ../CONTRACT.md exactly; keep the three apps in step.

const fs = require('node:fs')
const http = require('node:http')
const zlib = require('node:zlib')

// stdout may be a pipe; write synchronously so the line is never lost.
function log (line) {
  fs.writeSync(1, line + '\n')
}

// Before loading Express (about 0.3 s of Debian's modules), so that a SIGTERM during start-up
// is handled too: in a container the app is PID 1, which ignores signals it has no handler for.
process.on('SIGTERM', () => {
  log('SIGTERM received, shutting down')
  process.exit(0)
})

const express = require('express')

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64'
)
const GZIP_BODY = zlib.gzipSync(Buffer.from('hello gzip\n'.repeat(20)))
const NO_BODY_STATUS = new Set([204, 205, 304])

function envInt (name, dflt) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return dflt
  if (!/^[0-9]+$/.test(raw)) {
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
  }
  return Number(raw)
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/

// Raw path and raw query exactly as they arrived on the wire (of an absolute-form target,
// "http://host/p?q", the path and query only, as Tomcat reports them).
function splitTarget (req) {
  const target = req.originalUrl.replace(ABSOLUTE_FORM, '')
  const q = target.indexOf('?')
  return q === -1 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)]
}

// First occurrence of `name` in the raw query; undefined when absent.
function queryParam (req, name) {
  const query = splitTarget(req)[1]
  if (query === '') return undefined
  for (const part of query.split('&')) {
    const eq = part.indexOf('=')
    const key = eq === -1 ? part : part.slice(0, eq)
    if (key === name) return eq === -1 ? '' : part.slice(eq + 1)
  }
  return undefined
}

// Integer query parameter in [0, max]; dflt when absent (null: required). NaN when invalid.
function intParam (req, name, dflt, max) {
  const raw = queryParam(req, name)
  if (raw === undefined) return dflt === null ? NaN : dflt
  if (!/^[0-9]{1,9}$/.test(raw)) return NaN
  const n = Number(raw)
  return n <= max ? n : NaN
}

// Every response goes through here: exact content-type, exact body, nothing added.
function send (res, status, type, body) {
  res.statusCode = status
  if (type !== null) res.setHeader('content-type', type)
  if (NO_BODY_STATUS.has(status)) {
    res.end()
    return
  }
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body || '', 'utf8')
  res.setHeader('content-length', buf.length)
  res.end(buf)
}

function badRequest (res) {
  send(res, 400, 'text/plain', 'bad request')
}

function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function parseContextHeader (req, name) {
  const value = req.headers[name]
  if (value === undefined) return null
  try {
    return JSON.parse(value)
  } catch (_) {
    return value
  }
}

const app = express()
app.disable('x-powered-by')
app.set('etag', false)
app.set('strict routing', true)
app.set('case sensitive routing', true)
app.set('query parser', false)

app.get('/', (req, res) => send(res, 200, 'text/plain', 'ok'))

// ANY /echo and /echo/<anything>; a RegExp with no capture group so nothing is decoded.
app.all(/^\/echo(?:\/.*)?$/, async (req, res) => {
  const [path, query] = splitTarget(req)
  const headers = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.push([req.rawHeaders[i].toLowerCase(), req.rawHeaders[i + 1]])
  }
  const body = await readBody(req)
  const doc = { method: req.method, path, query, headers, body: body.toString('base64') }
  send(res, 200, 'application/json', JSON.stringify(doc))
})

// No named parameter: Express would percent-decode it (and fail on "%ZZ"); the contract
// wants the raw segment.
app.get(/^\/status\/[^/]+$/, (req, res) => {
  const raw = splitTarget(req)[0].slice('/status/'.length)
  const code = /^[0-9]{3}$/.test(raw) ? Number(raw) : NaN
  if (!(code >= 200 && code <= 599)) return badRequest(res)
  send(res, code, NO_BODY_STATUS.has(code) ? null : 'text/plain', `status ${code}`)
})

app.get('/binary', (req, res) => send(res, 200, 'image/png', PNG))

app.get('/cookies', (req, res) => {
  res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/; HttpOnly', 'c=3; Path=/; Secure; SameSite=Strict'])
  send(res, 200, 'application/json', '{"cookies":3}')
})

app.get('/headers/multi', (req, res) => {
  res.setHeader('x-multi', ['one', 'two'])
  send(res, 200, 'text/plain', 'multi')
})

app.get('/big', (req, res) => {
  const kb = intParam(req, 'kb', null, 262144)
  if (Number.isNaN(kb)) return badRequest(res)
  send(res, 200, 'text/plain', Buffer.alloc(kb * 1024, 'a'))
})

app.get('/stream', (req, res) => {
  const chunks = intParam(req, 'chunks', 5, 100000)
  const delay = intParam(req, 'delay_ms', 100, 60000)
  if (Number.isNaN(chunks) || Number.isNaN(delay)) return badRequest(res)
  res.statusCode = 200
  res.setHeader('content-type', 'text/event-stream')
  res.flushHeaders() // headers go out at once; the body is chunked (no content-length)
  let i = 0
  const next = () => {
    if (i >= chunks || res.destroyed) {
      res.end()
      return
    }
    res.write(`data: ${i}\n\n`)
    i += 1
    if (i >= chunks) res.end()
    else setTimeout(next, delay)
  }
  next()
})

app.get('/redirect', (req, res) => {
  res.setHeader('location', '/echo/redirected')
  send(res, 302, null, '')
})

app.get('/empty', (req, res) => send(res, 204, null, ''))

app.get('/gzip', (req, res) => {
  res.setHeader('content-encoding', 'gzip')
  send(res, 200, 'text/plain', GZIP_BODY)
})

app.post('/events', async (req, res) => {
  const body = await readBody(req)
  send(res, 200, 'application/json', body)
})

app.get('/slow', (req, res) => {
  const ms = intParam(req, 'ms', null, 900000)
  if (Number.isNaN(ms)) return badRequest(res)
  setTimeout(() => send(res, 200, 'text/plain', `slept ${ms}`), ms)
})

app.get('/context', (req, res) => {
  const doc = {
    request_context: parseContextHeader(req, 'x-amzn-request-context'),
    lambda_context: parseContextHeader(req, 'x-amzn-lambda-context')
  }
  send(res, 200, 'application/json', JSON.stringify(doc))
})

// Anything else, any method (this also stops Express answering OPTIONS by itself).
app.use((req, res) => send(res, 404, 'text/plain', 'not found'))

// A handler that threw: plain 500, no stack trace in the body.
app.use((err, req, res, _next) => {
  process.stderr.write(`error: ${err && err.stack ? err.stack : err}\n`)
  if (res.headersSent) {
    res.destroy()
    return
  }
  send(res, 500, 'text/plain', 'internal error')
})

function main () {
  const port = envInt('PORT', 8080)
  const host = process.env.HOST || '127.0.0.1'
  const startDelay = envInt('START_DELAY_MS', 0)
  const keepAlive = envInt('KEEP_ALIVE_S', 60)
  setTimeout(() => {
    const server = http.createServer({ maxHeaderSize: 65536 }, app)
    server.maxHeadersCount = 0 // Node's default silently drops headers past 2000
    server.keepAliveTimeout = keepAlive * 1000
    server.headersTimeout = keepAlive * 1000 + 5000
    server.requestTimeout = 0
    server.listen(port, host, () => log(`ready on ${port}`))
  }, startDelay)
}

main()
