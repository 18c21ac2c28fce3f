// The limiter's Lua scripts. Each runs atomically inside Redis and reads the clock there (TIME), so replicas
// with skewed clocks still share one exact window. src/limits/memory-backend.ts implements the same semantics.
//
// An rpm or tpm window is a hash per scope: one field per second holding what was admitted in that second,
// `n` the total over the window and `o` the oldest second present. The window is the last 60 whole seconds;
// older buckets are dropped (at most once per second per scope). Concurrency slots are leases in a sorted set
// scored by their expiry. A budget is an integer counter of nano-USD per period. An admitted request leaves a
// reservation marker that its settle consumes, so a settle retried after a timeout is applied once.

const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowSec = tonumber(t[1])
local cutoff = nowSec - 59

-- Drops buckets older than the window; returns the window's total and oldest second (nil when empty).
local function load(h)
  local v = redis.call('HMGET', h, 'n', 'o')
  local total, oldest = tonumber(v[1]) or 0, tonumber(v[2])
  if oldest and oldest < cutoff then
    local all = redis.call('HGETALL', h)
    local gone, old, keep = 0, {}, nil
    for j = 1, #all, 2 do
      local f = all[j]
      if f ~= 'n' and f ~= 'o' then
        local sec = tonumber(f)
        if sec < cutoff then
          gone = gone + tonumber(all[j + 1])
          old[#old + 1] = f
        elseif not keep or sec < keep then
          keep = sec
        end
      end
    end
    if keep then
      redis.call('HDEL', h, unpack(old))
      total = total - gone
      redis.call('HSET', h, 'n', total, 'o', keep)
      redis.call('PEXPIRE', h, 121000)
    else
      redis.call('DEL', h)
      total = 0
    end
    oldest = keep
  end
  return total, oldest
end

-- Adds an amount to the current second's bucket. The hash's TTL is set when it is created and each time old
-- buckets are dropped, which happens at least once per 60 s while it holds anything: 121 s always outlives
-- the newest bucket's 60 s in the window, without an expiry call on every write.
local function add(h, amount, oldest)
  redis.call('HINCRBY', h, nowSec, amount)
  redis.call('HINCRBY', h, 'n', amount)
  if not oldest then
    redis.call('HSET', h, 'o', nowSec)
    redis.call('PEXPIRE', h, 121000)
  end
end
`

/**
 * KEYS: reservation, key versions, then one per window (rpm or tpm hash, or concurrency lease set), then one
 * counter per budget.
 * ARGV: id, tokens, costNano, leaseMs, holdMs, keyId ('' for none), keyVersion, keyExpiresAt,
 * nWindows, (kind r|t|c, limit)…, nBudgets, (limitNano, resetAt)…
 * Reply: {'ok', {{limit, remaining, resetMs}…}, {spentNano…}, second} | {'no', reason, checkIndex, limit, retryMs, {…}} |
 * {'revoked'} | {'stale'} | {'expired'}
 */
export const ADMIT = `${PRELUDE}
local id, tokens, cost = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local lease, hold = tonumber(ARGV[4]), tonumber(ARGV[5])
if ARGV[6] ~= '' then
  local v = redis.call('HGET', KEYS[2], ARGV[6])
  if not v then return {'revoked'} end
  if v ~= ARGV[7] then return {'stale'} end
  local exp = tonumber(ARGV[8])
  if exp > 0 and now >= exp then return {'expired'} end
end

local rank = {budget = 1, too_large = 2, concurrency = 3, rpm = 4, tpm = 5}
local fail, failRank, failIdx, failLimit, failRetry = nil, 99, 0, 0, -1
local function reject(reason, idx, limit, retry)
  local r = rank[reason]
  if r < failRank then
    fail, failRank, failIdx, failLimit, failRetry = reason, r, idx, limit, retry
  elseif r == failRank and retry > failRetry then
    failRetry = retry
  end
end
-- Time until enough of the oldest buckets leave for need more to fit.
local function waitFor(h, total, need, limit)
  local all = redis.call('HGETALL', h)
  local secs, amounts = {}, {}
  for j = 1, #all, 2 do
    if all[j] ~= 'n' and all[j] ~= 'o' then
      local sec = tonumber(all[j])
      secs[#secs + 1] = sec
      amounts[sec] = tonumber(all[j + 1])
    end
  end
  table.sort(secs)
  for _, sec in ipairs(secs) do
    total = total - amounts[sec]
    if total + need <= limit then return (sec + 60) * 1000 - now end
  end
  return 60000
end

local states, plan = {}, {}
local a, k = 10, 3
local nw = tonumber(ARGV[9])
for i = 1, nw do
  local kind, limit = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  local h = KEYS[k]
  k = k + 1
  if kind == 'c' then
    redis.call('ZREMRANGEBYSCORE', h, '-inf', now)
    local held = redis.call('ZCARD', h)
    if held + 1 > limit then reject('concurrency', i, limit, 1000) end
    states[i] = {limit, math.max(0, limit - held - 1), 0}
    plan[i] = {kind, h}
  else
    local total, oldest = load(h)
    local need = tokens
    if kind == 'r' then need = 1 end
    local reset = ((oldest or nowSec) + 60) * 1000 - now
    if need > limit then
      reject('too_large', i, limit, -1)
    elseif total + need > limit then
      local retry = waitFor(h, total, need, limit)
      if kind == 'r' then reject('rpm', i, limit, retry) else reject('tpm', i, limit, retry) end
    end
    states[i] = {limit, math.max(0, limit - total - need), reset}
    plan[i] = {kind, h, need, oldest}
  end
end

local nb = tonumber(ARGV[a])
a = a + 1
local spent, budgets = {}, {}
for j = 1, nb do
  local limit, resetAt = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  a = a + 2
  local b = KEYS[k]
  k = k + 1
  local cur = tonumber(redis.call('GET', b) or '0')
  spent[j] = cur
  budgets[j] = {b, resetAt}
  if cur >= limit then
    local retry = -1
    if resetAt > 0 then retry = resetAt - now end
    reject('budget', nw + j, limit, retry)
  end
end
if fail then return {'no', fail, failIdx, failLimit, failRetry, states} end

for i = 1, nw do
  local p = plan[i]
  if p[1] == 'c' then
    redis.call('ZADD', p[2], now + lease, id)
    redis.call('PEXPIRE', p[2], lease + 1000)
  elseif p[3] > 0 then
    add(p[2], p[3], p[4])
  end
end
if cost > 0 then
  for j = 1, nb do
    -- A counter that starts at this request is new: it expires after its period.
    if redis.call('INCRBY', budgets[j][1], ARGV[3]) == cost and budgets[j][2] > 0 then
      redis.call('PEXPIREAT', budgets[j][1], budgets[j][2] + 60000)
    end
  end
end
redis.call('SET', KEYS[1], '1', 'PX', hold)
return {'ok', states, spent, nowSec}
`

/**
 * KEYS: reservation, then one per tpm window (hash) and concurrency window (lease set) (rpm windows have
 * none), then one counter per budget, then the hourly and daily usage hashes.
 * ARGV: id, mode (r: reconcile a reservation | a: add the full amounts | u: usage only), reservedTokens,
 * actualTokens, reservedCostNano, actualCostNano, reservationSecond, doneMarkerMs, nWindows, kind (t|c)…,
 * nBudgets, resetAt…, usageFieldPrefix, hourTtlSeconds, dayTtlSeconds, (metric, value)…
 * Reply: 1 applied, 0 already applied (a retry) or the reservation is gone.
 */
export const SETTLE = `${PRELUDE}
local id = ARGV[1]
local reserved, actual = tonumber(ARGV[3]), tonumber(ARGV[4])
local second = tonumber(ARGV[7])
local reconcile
if ARGV[2] == 'u' then
  reconcile = false
elseif ARGV[2] == 'r' then
  -- Only the admission writes the marker (as '1'): deleting it is both the check and the consumption.
  if redis.call('DEL', KEYS[1]) == 0 then return 0 end
  reconcile = true
else
  -- Admitted elsewhere while this store was unreachable; the admission may still have landed here.
  local marker = redis.call('GET', KEYS[1])
  if marker == 'd' then return 0 end
  reconcile = marker == '1'
  redis.call('SET', KEYS[1], 'd', 'PX', ARGV[8])
end

local k, a = 2, 10
local nw = tonumber(ARGV[9])
for i = 1, nw do
  local kind, h = ARGV[a], KEYS[k]
  a = a + 1
  k = k + 1
  if kind == 't' then
    local delta = actual
    if reconcile then delta = actual - reserved end
    local pending = delta
    if reconcile and second >= cutoff and delta ~= 0 then
      -- The reservation's bucket holds at least the reservation itself; a bucket that ends up equal to the
      -- delta did not exist (the store lost it), so the correction is undone and counted from now instead.
      if redis.call('HINCRBY', h, second, delta) ~= delta then
        redis.call('HINCRBY', h, 'n', delta)
        pending = 0
      else
        redis.call('HDEL', h, second)
      end
    elseif reconcile and second >= cutoff then
      pending = 0
    end
    if pending > 0 then
      -- Not reserved here, or the reservation already left the window (a long stream): count it from now.
      local _, oldest = load(h)
      add(h, pending, oldest)
    end
  else
    redis.call('ZREM', h, id)
  end
end

local nb = tonumber(ARGV[a])
a = a + 1
local cost = tonumber(ARGV[6])
if reconcile then cost = cost - tonumber(ARGV[5]) end
for j = 1, nb do
  local resetAt = tonumber(ARGV[a])
  a = a + 1
  if cost ~= 0 and redis.call('INCRBY', KEYS[k], cost) == cost and resetAt > 0 then
    redis.call('PEXPIREAT', KEYS[k], resetAt + 60000)
  end
  k = k + 1
end

local field = ARGV[a]
local hourTtl, dayTtl = ARGV[a + 1], ARGV[a + 2]
a = a + 3
local hk, dk = KEYS[k], KEYS[k + 1]
local firstOfRow = false
while ARGV[a] do
  if ARGV[a + 1] ~= '0' then
    local v = redis.call('HINCRBY', hk, field .. ARGV[a], ARGV[a + 1])
    redis.call('HINCRBY', dk, field .. ARGV[a], ARGV[a + 1])
    if ARGV[a] == 'r' and v == 1 then firstOfRow = true end
  end
  a = a + 2
end
-- A bucket gets its expiry with its first request of each row; later ones already have it.
if firstOfRow then
  redis.call('EXPIRE', hk, hourTtl)
  redis.call('EXPIRE', dk, dayTtl)
end
return 1
`

/** KEYS: lease sets; ARGV: leaseMs, then the lease id for each key. Extends leases, never re-creates a released one. */
export const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', now + lease, ARGV[i + 1]) == 1 then
    redis.call('PEXPIRE', KEYS[i], lease + 1000)
  end
end
return 1
`
