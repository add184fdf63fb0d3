/**
 * Presence scripts. Epochs are integers below 2^53 (microseconds), so Lua's doubles hold them
 * exactly; '%.0f' prints them without an exponent. Every script that changes who holds a MAC
 * publishes the MAC on the invalidation channel (gateways drop their cached record of it): in the
 * script, so no change can happen without its message.
 */
const write = (key: string, a: (i: number) => string) => `
redis.call('DEL', ${key})
redis.call('HSET', ${key}, 'epoch', es, 'edge', ${a(3)}, 'addr', ${a(4)}, 'cid', ${a(5)},
  'src', ${a(6)}, 'at', ${a(7)}, 'v', ${a(8)})
redis.call('PEXPIRE', ${key}, ttl)`;

/**
 * ARGV: -, ttlMs, edge, addr, cid, src, at, v, channel, mac -> {epoch, previous fields...}
 * The epoch floor is Redis's own clock (TIME, in microseconds), one clock for every edge, so skew
 * between edges cannot make an older connection outrank a newer one.
 */
export const CLAIM_LUA = `
local cur = redis.call('HMGET', KEYS[1], 'epoch', 'edge', 'addr', 'cid', 'src', 'at', 'v')
local t = redis.call('TIME')
local e = tonumber(t[1]) * 1000000 + tonumber(t[2])
if cur[1] then
  local c = tonumber(cur[1]) + 1
  if c > e then e = c end
end
local es = string.format('%.0f', e)
local ttl = ARGV[2]
${write('KEYS[1]', (i) => `ARGV[${i}]`)}
redis.call('PUBLISH', ARGV[9], ARGV[10])
return {es, cur[1], cur[2], cur[3], cur[4], cur[5], cur[6], cur[7]}`;

/**
 * Heartbeat of many claims in one call (one script run per batch instead of one per device).
 * KEYS: device keys; ARGV: ttlMs, channel, then per key: epoch, edge, addr, cid, src, at, v, mac
 * -> per key 1 held (refreshed, or re-created after Redis lost it), 0 lost to a newer epoch.
 */
export const REFRESH_MANY_LUA = `
local ttl = ARGV[1]
local out = {}
for k = 1, #KEYS do
  local b = 2 + (k - 1) * 8
  local key = KEYS[k]
  local cur = redis.call('HGET', key, 'epoch')
  if cur and tonumber(cur) > tonumber(ARGV[b + 1]) then
    out[k] = 0
  elseif cur == ARGV[b + 1] then
    redis.call('PEXPIRE', key, ttl)
    out[k] = 1
  else
    local es = ARGV[b + 1]
    ${write('key', (i) => `ARGV[b + ${i - 1}]`)}
    redis.call('PUBLISH', ARGV[2], ARGV[b + 8])
    out[k] = 1
  end
end
return out`;

/** ARGV: epoch, channel, mac -> 1 deleted, 0 not the owner */
export const RELEASE_LUA = `
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`;
