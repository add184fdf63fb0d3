/**
 * Presence scripts. Epochs are integers below 2^53 (microseconds), so Lua's doubles hold them
 * exactly; '%.0f' prints them without an exponent.
 */
const WRITE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'epoch', es, 'edge', ARGV[3], 'addr', ARGV[4], 'cid', ARGV[5],
  'src', ARGV[6], 'at', ARGV[7], 'v', ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

/**
 * ARGV: -, ttlMs, edge, addr, cid, src, at, v -> {epoch, previous fields...}
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
${WRITE}
return {es, cur[1], cur[2], cur[3], cur[4], cur[5], cur[6], cur[7]}`;

/** ARGV: epoch, ttlMs, edge, addr, cid, src, at, v -> 1 held (refreshed or re-created), 0 lost */
export const REFRESH_LUA = `
local cur = redis.call('HGET', KEYS[1], 'epoch')
if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
local es = ARGV[1]
${WRITE}
return 1`;

/** ARGV: epoch -> 1 deleted, 0 not the owner */
export const RELEASE_LUA = `
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;
